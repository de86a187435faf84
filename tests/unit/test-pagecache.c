/*
 * test-pagecache.c: the XBZRLE cache model against hand-computed cases
 */
#include <config.h>

#include "dr-error.h"
#include "dr-pagecache.h"

#define PAGE 4096
#define SLOTS8 (8 * PAGE)

/* Runs @rounds rounds that each send pages [first, first + n). */
static void
send_rounds(DrPageCache *c, int rounds, uint64_t first, uint64_t n, int enc)
{
    for (int r = 0; r < rounds; r++) {
        dr_page_cache_begin_round(c);
        for (uint64_t p = first; p < first + n; p++)
            dr_page_cache_send(c, p, enc);
    }
}

static void
test_new(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DrPageCache) c = NULL;

    /* 5 pages of cache: QEMU rounds down to 4 slots. */
    c = dr_page_cache_new(5 * PAGE + 100, PAGE, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(dr_page_cache_slots(c), ==, 4);
    g_clear_pointer(&c, dr_page_cache_free);

    g_assert_null(dr_page_cache_new(PAGE - 1, PAGE, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(dr_page_cache_new(SLOTS8, 3000, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_INVALID_ARG);
}

static void
test_working_set_equals_cache(void)
{
    g_autoptr(DrPageCache) c = dr_page_cache_new(SLOTS8, PAGE, NULL);
    DrPageCacheStats s;

    /* Round 1: 8 whole pages, no cache.  Round 2: 8 misses, inserted.
     * Rounds 3 and 4: 16 hits, each a 100-byte delta. */
    send_rounds(c, 4, 0, 8, 100);
    dr_page_cache_get_stats(c, &s);
    g_assert_cmpuint(s.rounds, ==, 4);
    g_assert_cmpuint(s.pages, ==, 32);
    g_assert_cmpuint(s.first_pass_pages, ==, 8);
    g_assert_cmpuint(s.misses, ==, 8);
    g_assert_cmpuint(s.insert_refused, ==, 0);
    g_assert_cmpuint(s.hits, ==, 16);
    g_assert_cmpuint(s.xbzrle_pages, ==, 16);
    g_assert_cmpuint(s.full_pages, ==, 16);
    g_assert_cmpuint(s.xbzrle_bytes, ==, 16 * (100 + 3));
    g_assert_cmpuint(s.bytes, ==, 16 * (8 + PAGE) + 16 * (8 + 103));
    g_assert_cmpfloat_with_epsilon(s.cache_miss_rate, 8.0 / 24.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(s.encoding_rate, 16.0 * PAGE / (16 * 103), 1e-9);
}

static void
test_working_set_twice_the_cache(void)
{
    g_autoptr(DrPageCache) c = dr_page_cache_new(SLOTS8, PAGE, NULL);
    DrPageCacheStats s;

    /* Pages 0-7 take the slots in round 2; 8-15 collide with them and,
     * the residents being younger than 2 rounds every time they are
     * hit, are refused for ever.  So: 8 hits a round from round 3. */
    send_rounds(c, 5, 0, 16, 50);
    dr_page_cache_get_stats(c, &s);
    g_assert_cmpuint(s.pages, ==, 80);
    g_assert_cmpuint(s.hits, ==, 3 * 8);
    g_assert_cmpuint(s.misses, ==, 8 + 4 * 8);
    g_assert_cmpuint(s.insert_refused, ==, 4 * 8);
    g_assert_cmpuint(s.full_pages, ==, 16 + 8 + 4 * 8);
    g_assert_cmpfloat_with_epsilon(s.cache_miss_rate, 40.0 / 64.0, 1e-12);
}

static void
test_colliding_pages(void)
{
    g_autoptr(DrPageCache) c = dr_page_cache_new(SLOTS8, PAGE, NULL);
    DrPageCacheStats s;

    dr_page_cache_begin_round(c);           /* 1: first pass */
    dr_page_cache_send(c, 0, 10);
    dr_page_cache_begin_round(c);           /* 2: page 0 in, age 2 */
    dr_page_cache_send(c, 0, 10);
    dr_page_cache_begin_round(c);           /* 3: 8 misses, 0 too young */
    dr_page_cache_send(c, 8, 10);
    dr_page_cache_begin_round(c);           /* 4: 8 misses, evicts 0 */
    dr_page_cache_send(c, 8, 10);
    dr_page_cache_begin_round(c);           /* 5: 0 misses, 8 too young */
    dr_page_cache_send(c, 0, 10);
    dr_page_cache_begin_round(c);           /* 6: 8 hits */
    dr_page_cache_send(c, 8, 10);
    dr_page_cache_get_stats(c, &s);
    g_assert_cmpuint(s.misses, ==, 4);
    g_assert_cmpuint(s.insert_refused, ==, 2);
    g_assert_cmpuint(s.hits, ==, 1);
    g_assert_cmpuint(s.xbzrle_pages, ==, 1);
}

static void
test_unchanged_and_overflow(void)
{
    g_autoptr(DrPageCache) c = dr_page_cache_new(SLOTS8, PAGE, NULL);
    DrPageCacheStats s;

    send_rounds(c, 2, 0, 4, 0);
    dr_page_cache_begin_round(c);
    dr_page_cache_send(c, 0, 0);                              /* nothing sent */
    dr_page_cache_send(c, 1, DR_PAGE_CACHE_DELTA_OVERFLOW);  /* whole page */
    dr_page_cache_send(c, 2, PAGE);                           /* as big: whole */
    dr_page_cache_send(c, 3, 7);
    dr_page_cache_get_stats(c, &s);
    g_assert_cmpuint(s.hits, ==, 4);
    g_assert_cmpuint(s.unchanged, ==, 1);
    g_assert_cmpuint(s.overflow, ==, 2);
    g_assert_cmpuint(s.xbzrle_pages, ==, 1);
    g_assert_cmpuint(s.bytes, ==, 4 * (8 + PAGE) + 4 * (8 + PAGE) +
                                  2 * (8 + PAGE) + (8 + 3 + 7));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pagecache/new", test_new);
    g_test_add_func("/pagecache/working-set-equals-cache", test_working_set_equals_cache);
    g_test_add_func("/pagecache/working-set-twice-the-cache", test_working_set_twice_the_cache);
    g_test_add_func("/pagecache/colliding-pages", test_colliding_pages);
    g_test_add_func("/pagecache/unchanged-and-overflow", test_unchanged_and_overflow);
    return g_test_run();
}
