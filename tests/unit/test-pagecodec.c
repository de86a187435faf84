/*
 * test-pagecodec.c: multifd's whole-page codecs, run as QEMU runs them
 *
 * The pages are deterministic (xorshift64 with a fixed seed), so every
 * figure is exact from run to run; the bounds are what the codecs'
 * formats allow, not fitted numbers:
 *   - incompressible data costs zstd a 3-byte block header per block and
 *     a frame header, zlib a 5-byte stored-block header per block and a
 *     sync-flush marker per packet: well under 0.5% of 1 MiB;
 *   - a page of 2 KiB of random bytes and 2 KiB of zeros cannot shrink
 *     below its random half, and the zeros cost a few bytes.
 */
#include <config.h>

#include <string.h>

#include "dr-pagecodec.h"

#define PAGE 4096

static uint64_t
xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* @random_bytes random bytes, then zeros. */
static void
fill(uint8_t *page, size_t random_bytes, uint64_t *seed)
{
    memset(page, 0, PAGE);
    for (size_t i = 0; i + 8 <= random_bytes; i += 8) {
        uint64_t v = xorshift(seed);
        memcpy(page + i, &v, 8);
    }
}

static double
ratio_of(DrPageCodecKind kind, size_t random_bytes, unsigned int pages)
{
    g_autoptr(DrPageCodec) c = dr_page_codec_new(kind, DR_PAGE_CODEC_LEVEL_DEFAULT);
    uint8_t page[PAGE];
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    for (unsigned int i = 0; i < pages; i++) {
        fill(page, random_bytes, &seed);
        dr_page_codec_add(c, page, PAGE);
    }
    dr_page_codec_flush(c);
    g_assert_cmpuint(dr_page_codec_bytes_in(c), ==, (uint64_t)pages * PAGE);
    return dr_page_codec_ratio(c);
}

static void
test_random(gconstpointer data)
{
    DrPageCodecKind kind = GPOINTER_TO_INT(data);
    double r = ratio_of(kind, PAGE, 256);

    g_assert_cmpfloat(r, >=, 0.995);
    g_assert_cmpfloat(r, <=, 1.0);
}

static void
test_half(gconstpointer data)
{
    DrPageCodecKind kind = GPOINTER_TO_INT(data);
    double r = ratio_of(kind, PAGE / 2, 256);

    g_assert_cmpfloat(r, >=, 1.85);
    g_assert_cmpfloat(r, <=, 2.0);
}

static void
test_zero_tail(gconstpointer data)
{
    DrPageCodecKind kind = GPOINTER_TO_INT(data);

    /* 64 random bytes a page: far better than 2:1, and the same stream
     * finds nothing in common between pages. */
    g_assert_cmpfloat(ratio_of(kind, 64, 256), >=, 20);
    g_assert_cmpfloat(ratio_of(kind, 64, 256), <=, 4096.0 / 64);
}

/* A packet ends by itself after DR_PAGE_CODEC_PACKET_PAGES pages: a
 * flush then has nothing to add.  Before that, output is held back. */
static void
test_packets(gconstpointer data)
{
    DrPageCodecKind kind = GPOINTER_TO_INT(data);
    g_autoptr(DrPageCodec) c = dr_page_codec_new(kind, DR_PAGE_CODEC_LEVEL_DEFAULT);
    uint8_t page[PAGE];
    uint64_t seed = 1, out;

    for (unsigned int i = 0; i < DR_PAGE_CODEC_PACKET_PAGES; i++) {
        fill(page, 256, &seed);
        dr_page_codec_add(c, page, PAGE);
    }
    out = dr_page_codec_bytes_out(c);
    g_assert_cmpuint(out, >, 0);
    dr_page_codec_flush(c);
    g_assert_cmpuint(dr_page_codec_bytes_out(c), ==, out);

    fill(page, 256, &seed);
    dr_page_codec_add(c, page, PAGE);
    dr_page_codec_flush(c);
    g_assert_cmpuint(dr_page_codec_bytes_out(c), >, out + 256 / 2);
}

/* 16 random pages fed twice, as a sample re-reads its pages each round.
 * With the history forgotten in between, the second time costs as much
 * as the first; zstd without it finds the copies 64 KiB back and halves
 * the size, which QEMU's stream, a whole round long, never would. */
static double
twice(DrPageCodecKind kind, gboolean forget)
{
    g_autoptr(DrPageCodec) c = dr_page_codec_new(kind, DR_PAGE_CODEC_LEVEL_DEFAULT);
    uint8_t page[PAGE];

    for (int round = 0; round < 2; round++) {
        uint64_t seed = 0x2545f4914f6cdd1dULL;

        for (unsigned int i = 0; i < 16; i++) {
            fill(page, PAGE, &seed);
            page[i] ^= (uint8_t)(round + 1); /* changed a little */
            dr_page_codec_add(c, page, PAGE);
        }
        if (forget)
            dr_page_codec_forget(c);
    }
    dr_page_codec_flush(c);
    return dr_page_codec_ratio(c);
}

static void
test_forget(gconstpointer data)
{
    DrPageCodecKind kind = GPOINTER_TO_INT(data);
    double r = twice(kind, TRUE);

    g_assert_cmpfloat(r, >=, 0.99);
    g_assert_cmpfloat(r, <=, 1.0);
    if (kind == DR_PAGE_CODEC_ZSTD)
        g_assert_cmpfloat(twice(kind, FALSE), >=, 1.8);
}

/* Too little input is not timed; enough is. */
static void
test_speed(void)
{
    g_autoptr(DrPageCodec) c = dr_page_codec_new(DR_PAGE_CODEC_ZSTD, 1);
    uint8_t page[PAGE];
    uint64_t seed = 7;

    g_assert_cmpfloat(dr_page_codec_speed(c), ==, 0);
    g_assert_cmpfloat(dr_page_codec_ratio(c), ==, 0);
    for (unsigned int i = 0; i < 16; i++) {
        fill(page, PAGE / 2, &seed);
        dr_page_codec_add(c, page, PAGE);
    }
    g_assert_cmpfloat(dr_page_codec_speed(c), ==, 0);
    for (unsigned int i = 0; i < 512; i++) {
        fill(page, PAGE / 2, &seed);
        dr_page_codec_add(c, page, PAGE);
    }
    g_assert_cmpfloat(dr_page_codec_speed(c), >, 0);
}

/* zlib refuses a level above 9: no ratio, no speed, no crash. */
static void
test_failed(void)
{
    g_autoptr(DrPageCodec) c = dr_page_codec_new(DR_PAGE_CODEC_ZLIB, 42);
    uint8_t page[PAGE] = { 0 };

    for (unsigned int i = 0; i < 300; i++)
        dr_page_codec_add(c, page, PAGE);
    dr_page_codec_flush(c);
    g_assert_cmpfloat(dr_page_codec_ratio(c), ==, 0);
    g_assert_cmpfloat(dr_page_codec_speed(c), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int k = 0; k < DR_PAGE_CODEC_LAST; k++) {
        const char *name = dr_page_codec_kind_to_string(k);
        g_autofree char *random = g_strdup_printf("/pagecodec/%s/random", name);
        g_autofree char *half = g_strdup_printf("/pagecodec/%s/half", name);
        g_autofree char *tail = g_strdup_printf("/pagecodec/%s/zero-tail", name);
        g_autofree char *packets = g_strdup_printf("/pagecodec/%s/packets", name);
        g_autofree char *forget = g_strdup_printf("/pagecodec/%s/forget", name);

        g_test_add_data_func(random, GINT_TO_POINTER(k), test_random);
        g_test_add_data_func(half, GINT_TO_POINTER(k), test_half);
        g_test_add_data_func(tail, GINT_TO_POINTER(k), test_zero_tail);
        g_test_add_data_func(packets, GINT_TO_POINTER(k), test_packets);
        g_test_add_data_func(forget, GINT_TO_POINTER(k), test_forget);
    }
    g_test_add_func("/pagecodec/speed", test_speed);
    g_test_add_func("/pagecodec/failed", test_failed);
    return g_test_run();
}
