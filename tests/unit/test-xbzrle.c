/*
 * test-xbzrle.c: the XBZRLE codec against QEMU's format and itself
 */
#include <config.h>

#include <string.h>

#include "dr-xbzrlepriv.h"

#define PAGE 4096

/* QEMU's docs/xbzrle.txt example. */
static void
make_vector_pages(uint8_t *old_page, uint8_t *new_page)
{
    static const uint8_t o[] = { 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
                                 0x13, 0x68, 0x00, 0x00, 0x6b, 0x00, 0x6d };
    static const uint8_t n[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
                                 0x0f, 0x68, 0x00, 0x00, 0x67, 0x00, 0x69 };
    memset(old_page, 0, PAGE);
    memset(new_page, 0, PAGE);
    memcpy(old_page + 1001, o, sizeof(o));
    memcpy(new_page + 1001, n, sizeof(n));
}

static const uint8_t vector_encoded[] = {
    0xe9, 0x07, 0x0f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x03, 0x01, 0x67, 0x01, 0x01, 0x69
};

/* Runs @body once for every implementation this CPU supports. */
#define FOR_EACH_IMPL(impl) \
    for (DrXbzrleImpl impl = 0; impl < DR_XBZRLE_IMPL_LAST; impl++) \
        if (dr_xbzrle_impl_supported(impl))

static int
encode_with(DrXbzrleImpl impl, const uint8_t *o, const uint8_t *n,
            size_t len, uint8_t *dst, size_t dlen)
{
    return dr_xbzrle_impl_encoder(impl)(o, n, len, dst, dlen);
}

/* Encode with every implementation, check they agree, decode the result
 * onto a copy of @o and check it gives @n.  Returns the encoded length. */
static int
roundtrip(const uint8_t *o, const uint8_t *n, size_t len, size_t dlen)
{
    g_autofree uint8_t *first = g_malloc0(dlen + 1);
    g_autofree uint8_t *enc = g_malloc0(dlen + 1);
    g_autofree uint8_t *page = g_malloc(len ? len : 1);
    int first_len = -2;

    FOR_EACH_IMPL(impl) {
        int r = encode_with(impl, o, n, len, enc, dlen);
        if (first_len == -2) {
            first_len = r;
            if (r > 0)
                memcpy(first, enc, (size_t)r);
        } else {
            g_assert_cmpint(r, ==, first_len);
            if (r > 0)
                g_assert_cmpmem(enc, (size_t)r, first, (size_t)first_len);
        }
    }
    if (first_len > 0) {
        memcpy(page, o, len);
        g_assert_cmpint(dr_xbzrle_decode(first, (size_t)first_len, page, len),
                        <=, (int)len);
        g_assert_cmpmem(page, len, n, len);
    }
    return first_len;
}

static void
test_vector(void)
{
    uint8_t o[PAGE], n[PAGE], enc[PAGE], page[PAGE];

    make_vector_pages(o, n);
    FOR_EACH_IMPL(impl) {
        int r = encode_with(impl, o, n, PAGE, enc, sizeof(enc));
        g_assert_cmpmem(enc, r, vector_encoded, sizeof(vector_encoded));
    }
    memcpy(page, o, PAGE);
    g_assert_cmpint(dr_xbzrle_decode(vector_encoded, sizeof(vector_encoded),
                                     page, PAGE), ==, 1001 + 21);
    g_assert_cmpmem(page, PAGE, n, PAGE);
    g_assert_cmpint(dr_xbzrle_encode(o, n, PAGE, enc, sizeof(enc)), ==,
                    (int)sizeof(vector_encoded));
}

static void
test_unchanged(void)
{
    uint8_t zero[PAGE] = { 0 };
    uint8_t rnd[PAGE], enc[PAGE];

    for (size_t i = 0; i < PAGE; i++)
        rnd[i] = (uint8_t)g_test_rand_int();
    FOR_EACH_IMPL(impl) {
        g_assert_cmpint(encode_with(impl, zero, zero, PAGE, enc, PAGE), ==, 0);
        g_assert_cmpint(encode_with(impl, rnd, rnd, PAGE, enc, PAGE), ==, 0);
        g_assert_cmpint(encode_with(impl, rnd, rnd, 0, enc, PAGE), ==, 0);
    }
}

static void
test_zero_page(void)
{
    /* A page cleared to zero: one nzrun per non-zero stretch of the old
     * page, carrying zeros. */
    uint8_t o[PAGE] = { 0 }, n[PAGE] = { 0 }, enc[PAGE];
    static const uint8_t expect[] = { 0x00, 0x02, 0x00, 0x00 };

    o[0] = 1;
    o[1] = 2;
    FOR_EACH_IMPL(impl) {
        int r = encode_with(impl, o, n, PAGE, enc, sizeof(enc));
        g_assert_cmpmem(enc, r, expect, sizeof(expect));
    }
}

static void
test_first_and_last_byte(void)
{
    uint8_t o[PAGE] = { 0 }, n[PAGE] = { 0 }, enc[PAGE];
    static const uint8_t first[] = { 0x00, 0x01, 0xaa };
    /* zrun 4095 = ULEB 0xff 0x1f */
    static const uint8_t last[] = { 0xff, 0x1f, 0x01, 0xbb };

    n[0] = 0xaa;
    FOR_EACH_IMPL(impl) {
        int r = encode_with(impl, o, n, PAGE, enc, sizeof(enc));
        g_assert_cmpmem(enc, r, first, sizeof(first));
    }
    g_assert_cmpint(roundtrip(o, n, PAGE, PAGE), ==, 3);

    n[0] = 0;
    n[PAGE - 1] = 0xbb;
    FOR_EACH_IMPL(impl) {
        int r = encode_with(impl, o, n, PAGE, enc, sizeof(enc));
        g_assert_cmpmem(enc, r, last, sizeof(last));
    }
    g_assert_cmpint(roundtrip(o, n, PAGE, PAGE), ==, 4);
}

static void
test_word_boundaries(void)
{
    uint8_t o[PAGE] = { 0 }, n[PAGE];

    /* Runs that start and end on every offset around 8-, 32- and
     * 64-byte boundaries. */
    for (size_t start = 0; start < 140; start++) {
        for (size_t runlen = 1; runlen < 70; runlen += 3) {
            memset(n, 0, sizeof(n));
            memset(n + start, 0x5a, runlen);
            memset(n + 3000 + start, 0x77, runlen);
            g_assert_cmpint(roundtrip(o, n, PAGE, PAGE), >, 0);
        }
    }
}

static void
test_max_run(void)
{
    size_t len = DR_XBZRLE_MAX_PAGE;
    g_autofree uint8_t *o = g_malloc0(len);
    g_autofree uint8_t *n = g_malloc0(len);
    g_autofree uint8_t *enc = g_malloc0(2 * len);

    /* A changed run of exactly 0x3fff bytes, after a 1-byte zrun. */
    memset(n + 1, 0xff, DR_XBZRLE_MAX_RUN);
    g_assert_cmpint(roundtrip(o, n, len, 2 * len), ==, 1 + 2 + DR_XBZRLE_MAX_RUN);
    FOR_EACH_IMPL(impl) {
        g_assert_cmpint(encode_with(impl, o, n, len, enc, 2 * len), ==,
                        1 + 2 + DR_XBZRLE_MAX_RUN);
        g_assert_cmpint(enc[0], ==, 0x01);
        g_assert_cmpint(enc[1], ==, 0xff);
        g_assert_cmpint(enc[2], ==, 0x7f);
    }
    /* A zrun of 0x3fff then one changed byte. */
    memset(n, 0, len);
    n[len - 1] = 1;
    g_assert_cmpint(roundtrip(o, n, len, 2 * len), ==, 2 + 1 + 1);
    /* 0x4000 changed bytes cannot be written in the format at all. */
    memset(n, 0xff, len);
    FOR_EACH_IMPL(impl)
        g_assert_cmpint(encode_with(impl, o, n, len, enc, 2 * len), ==, -1);
    /* Neither can a page over the limit. */
    FOR_EACH_IMPL(impl)
        g_assert_cmpint(encode_with(impl, o, n, len + 1, enc, 2 * len), ==, -1);
}

static void
test_overflow(void)
{
    uint8_t o[PAGE] = { 0 }, n[PAGE] = { 0 }, enc[PAGE];

    for (size_t i = 0; i < PAGE; i += 2)
        n[i] = 1;
    FOR_EACH_IMPL(impl)
        g_assert_cmpint(encode_with(impl, o, n, PAGE, enc, PAGE), ==, -1);

    /* An encoding that fits exactly, and one byte less room. */
    memset(n, 0, PAGE);
    n[10] = 1;
    FOR_EACH_IMPL(impl) {
        g_assert_cmpint(encode_with(impl, o, n, PAGE, enc, 3), ==, 3);
        g_assert_cmpint(encode_with(impl, o, n, PAGE, enc, 2), ==, -1);
        g_assert_cmpint(encode_with(impl, o, n, PAGE, enc, 0), ==, -1);
    }
}

static void
test_decode_malformed(void)
{
    uint8_t page[PAGE] = { 0 };
    static const struct {
        const char *what;
        uint8_t in[8];
        size_t len;
    } bad[] = {
        { "truncated ULEB128", { 0x80 }, 1 },
        { "truncated ULEB128 in nzrun", { 0x01, 0x80 }, 2 },
        { "three-byte ULEB128", { 0x80, 0x80, 0x01, 0x01, 0x01 }, 5 },
        { "zero-length nzrun", { 0x00, 0x00, 0x00 }, 3 },
        { "zero-length zrun after the first", { 0x00, 0x01, 0xaa, 0x00, 0x01, 0xbb }, 6 },
        { "nzrun past the input", { 0x00, 0x05, 0xaa }, 3 },
        { "zrun past the page", { 0x81, 0x40, 0x01, 0xaa }, 4 },
        { "nzrun past the page", { 0xff, 0x1f, 0x02, 0xaa, 0xbb }, 5 },
        { "a lone zrun", { 0x05 }, 1 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("malformed: %s", bad[i].what);
        g_assert_cmpint(dr_xbzrle_decode(bad[i].in, bad[i].len, page, PAGE),
                        ==, -1);
    }
    /* Non-canonical but valid for QEMU's decoder: a two-byte zero. */
    {
        static const uint8_t in[] = { 0x80, 0x00, 0x01, 0xcc };
        g_assert_cmpint(dr_xbzrle_decode(in, sizeof(in), page, PAGE), ==, 1);
        g_assert_cmpint(page[0], ==, 0xcc);
    }
    g_assert_cmpint(dr_xbzrle_decode(NULL, 0, page, PAGE), ==, 0);
}

static void
fill_random(uint8_t *p, size_t len, GRand *r)
{
    guint64 x = ((guint64)g_rand_int(r) << 32) | g_rand_int(r) | 1;

    for (size_t i = 0; i < len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, MIN(8, len - i));
    }
}

static void
fill_random_delta(uint8_t *o, uint8_t *n, size_t len, GRand *r)
{
    guint32 kind = g_rand_int_range(r, 0, 6);
    uint8_t noise[DR_XBZRLE_MAX_PAGE];

    if (len == 0)
        return;
    if (g_rand_boolean(r))
        fill_random(o, len, r);
    else
        memset(o, 0, len);
    memcpy(n, o, len);
    switch (kind) {
    case 0: /* a few changed bytes */
        for (int k = g_rand_int_range(r, 1, 8); k > 0; k--)
            n[g_rand_int_range(r, 0, (gint32)len)] ^= (uint8_t)g_rand_int_range(r, 1, 256);
        break;
    case 1: /* a few runs */
        for (int k = g_rand_int_range(r, 1, 6); k > 0; k--) {
            size_t at = (size_t)g_rand_int_range(r, 0, (gint32)len);
            size_t l = MIN(len - at, (size_t)g_rand_int_range(r, 1, 200));
            for (size_t j = 0; j < l; j++)
                n[at + j] ^= (uint8_t)g_rand_int_range(r, 1, 256);
        }
        break;
    case 2: /* about 5% random bytes */
        fill_random(noise, len, r);
        for (size_t i = 0; i < len; i++)
            if (noise[i] < 13)
                n[i] = (uint8_t)(noise[(i + 1) % len] | 1) ^ o[i];
        break;
    case 3: /* everything */
        fill_random(n, len, r);
        break;
    case 4: /* alternating */
        for (size_t i = (size_t)g_rand_int_range(r, 0, 2); i < len; i += 2)
            n[i] ^= 0xff;
        break;
    case 5: /* a quarter of the bytes: many short runs of all kinds */
        fill_random(noise, len, r);
        for (size_t i = 0; i < len; i++)
            n[i] = (uint8_t)(o[i] ^ (noise[i] < 64));
        break;
    }
}

static void
random_cases(int iters)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(g_test_rand_int());
    uint8_t o[DR_XBZRLE_MAX_PAGE], n[DR_XBZRLE_MAX_PAGE];

    for (int it = 0; it < iters; it++) {
        size_t len = (it % 7 == 0) ? (size_t)g_rand_int_range(r, 0, 4200)
                                   : PAGE;
        size_t dlen = (it % 3 == 0) ? (size_t)g_rand_int_range(r, 0, PAGE)
                                    : len + len / 2 + 16;
        fill_random_delta(o, n, len, r);
        roundtrip(o, n, len, dlen);
    }
}

/* Random pages encoded and decoded back. */
static void
test_random_roundtrip(void)
{
    random_cases(g_getenv("DR_TEST_QUICK") ? 5000 : 100000);
}

/* Millions of cases prove the implementations agree (roundtrip()
 * compares them); valgrind runs (DR_TEST_QUICK=1) take a sample.  With
 * one encoder there is nothing to compare: that is a skip, not a pass. */
static void
test_agreement(void)
{
    int supported = 0;

    FOR_EACH_IMPL(impl)
        supported++;
    if (supported < 2) {
        g_test_skip("only one XBZRLE encoder runs on this CPU: nothing to compare it with "
                    "(unit/test-xbzrle-simde compares them all)");
        return;
    }
    random_cases(g_test_slow() ? 5000000 : g_getenv("DR_TEST_QUICK") ? 20000 : 1000000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (DrXbzrleImpl impl = 0; impl < DR_XBZRLE_IMPL_LAST; impl++)
        g_test_message("encoder %s: %s", dr_xbzrle_impl_name(impl),
#ifdef DR_XBZRLE_SIMDE
                       impl == DR_XBZRLE_IMPL_SCALAR ? "tested" :
                       "tested, with SIMDe's portable intrinsics");
#else
                       dr_xbzrle_impl_supported(impl) ? "tested" :
                       "not supported by this CPU, not tested");
#endif
    g_test_add_func("/xbzrle/vector", test_vector);
    g_test_add_func("/xbzrle/unchanged", test_unchanged);
    g_test_add_func("/xbzrle/zero-page", test_zero_page);
    g_test_add_func("/xbzrle/first-and-last-byte", test_first_and_last_byte);
    g_test_add_func("/xbzrle/word-boundaries", test_word_boundaries);
    g_test_add_func("/xbzrle/max-run", test_max_run);
    g_test_add_func("/xbzrle/overflow", test_overflow);
    g_test_add_func("/xbzrle/decode-malformed", test_decode_malformed);
    g_test_add_func("/xbzrle/random-roundtrip", test_random_roundtrip);
    g_test_add_func("/xbzrle/agreement", test_agreement);
    return g_test_run();
}
