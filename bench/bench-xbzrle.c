/*
 * bench-xbzrle.c: XBZRLE encode and decode speed, per implementation
 *
 * Times the standard delta cases on 4 KiB pages for every encoder the
 * CPU supports, in one run, and prints GB/s of input (page bytes) and
 * the ratio against the scalar encoder measured in the same run: these
 * machines are noisy, ratios are what to compare.
 *
 *   bench/bench-xbzrle [--iterations N] [--repeat R]
 *
 * For instruction counts that do not depend on the machine's load:
 *   valgrind --tool=callgrind bench/bench-xbzrle --iterations 2000 --repeat 1
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dr-xbzrlepriv.h"

#define PAGE 4096
#define NPAIRS 64 /* distinct page pairs cycled through: 512 KiB, in L2 */

typedef struct {
    const char *name;
    void (*make)(uint8_t *o, uint8_t *n, GRand *r);
    gboolean sparse; /* decode is timed for sparse deltas */
} BenchCase;

static void
fill(uint8_t *p, size_t len, GRand *r)
{
    for (size_t i = 0; i < len; i += 4) {
        guint32 v = g_rand_int(r);
        memcpy(p + i, &v, MIN(4, len - i));
    }
}

static void make_unchanged(uint8_t *o, uint8_t *n, GRand *r)
{
    fill(o, PAGE, r);
    memcpy(n, o, PAGE);
}

static void make_one_byte(uint8_t *o, uint8_t *n, GRand *r)
{
    make_unchanged(o, n, r);
    n[g_rand_int_range(r, 0, PAGE)] ^= 0x5a;
}

static void make_run64(uint8_t *o, uint8_t *n, GRand *r)
{
    int at = g_rand_int_range(r, 0, PAGE - 64);
    make_unchanged(o, n, r);
    for (int i = 0; i < 64; i++)
        n[at + i] ^= 0xa5;
}

static void make_scattered(uint8_t *o, uint8_t *n, GRand *r)
{
    make_unchanged(o, n, r);
    for (int k = 0; k < 4; k++) {
        int at = k * 1024 + g_rand_int_range(r, 0, 1024 - 16);
        for (int i = 0; i < 16; i++)
            n[at + i] ^= 0x3c;
    }
}

static void make_random5(uint8_t *o, uint8_t *n, GRand *r)
{
    make_unchanged(o, n, r);
    for (int i = 0; i < PAGE; i++)
        if (g_rand_int_range(r, 0, 100) < 5)
            n[i] ^= (uint8_t)g_rand_int_range(r, 1, 256);
}

static void make_alternate(uint8_t *o, uint8_t *n, GRand *r)
{
    make_unchanged(o, n, r);
    for (int i = 0; i < PAGE; i += 2)
        n[i] ^= 0xff;
}

static const BenchCase cases[] = {
    { "unchanged", make_unchanged, FALSE },
    { "1 byte changed", make_one_byte, TRUE },
    { "one 64-byte run", make_run64, TRUE },
    { "4 scattered 16-byte runs", make_scattered, TRUE },
    { "5% random bytes", make_random5, FALSE },
    { "every other byte (overflow)", make_alternate, FALSE },
};

/* Seconds on GLib's monotonic clock. */
static double
now(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

static volatile int sink;

/* Best of @repeat timings of @iters encodes; returns GB/s of input. */
static double
time_encode(DrXbzrleEncodeFunc enc, uint8_t (*o)[PAGE], uint8_t (*n)[PAGE],
            int iters, int repeat)
{
    static uint8_t dst[PAGE];
    double best = 1e30;

    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        int acc = 0;
        for (int i = 0; i < iters; i++)
            acc += enc(o[i % NPAIRS], n[i % NPAIRS], PAGE, dst, PAGE);
        sink = acc;
        best = MIN(best, now() - t0);
    }
    return (double)iters * PAGE / best / 1e9;
}

static double
time_decode(uint8_t (*o)[PAGE], uint8_t (*n)[PAGE], int iters, int repeat)
{
    static uint8_t enc[NPAIRS][PAGE];
    static uint8_t page[PAGE];
    int len[NPAIRS];
    double best = 1e30;

    for (int i = 0; i < NPAIRS; i++)
        len[i] = dr_xbzrle_encode_scalar(o[i], n[i], PAGE, enc[i], PAGE);
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        int acc = 0;
        for (int i = 0; i < iters; i++)
            acc += dr_xbzrle_decode(enc[i % NPAIRS], (size_t)len[i % NPAIRS], page, PAGE);
        sink = acc;
        best = MIN(best, now() - t0);
    }
    return (double)iters * PAGE / best / 1e9;
}

int
main(int argc, char **argv)
{
    static uint8_t o[NPAIRS][PAGE], n[NPAIRS][PAGE];
    int iters = 200000, repeat = 5;
    g_autoptr(GRand) r = g_rand_new_with_seed(42);

    for (int i = 1; i < argc; i++) {
        guint64 v;
        if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc &&
            g_ascii_string_to_unsigned(argv[++i], 10, 1, G_MAXINT, &v, NULL))
            iters = (int)v;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc &&
                 g_ascii_string_to_unsigned(argv[++i], 10, 1, 1000, &v, NULL))
            repeat = (int)v;
        else {
            fprintf(stderr, "usage: %s [--iterations N] [--repeat R]\n", argv[0]);
            return 2;
        }
    }
    if (iters < 1 || repeat < 1) {
        fprintf(stderr, "%s: --iterations and --repeat must be positive\n", argv[0]);
        return 2;
    }

    printf("XBZRLE on 4 KiB pages, GB/s of input (best of %d x %d); "
           "(x) = ratio to scalar in this run\n", repeat, iters);
    printf("%-29s", "case");
    for (DrXbzrleImpl impl = 0; impl < DR_XBZRLE_IMPL_LAST; impl++)
        printf(" %18s", dr_xbzrle_impl_name(impl));
    printf(" %12s\n", "decode");

    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        double scalar = 0;

        for (int i = 0; i < NPAIRS; i++)
            cases[c].make(o[i], n[i], r);
        printf("%-29s", cases[c].name);
        for (DrXbzrleImpl impl = 0; impl < DR_XBZRLE_IMPL_LAST; impl++) {
            double gbs;
            if (!dr_xbzrle_impl_supported(impl)) {
                printf(" %18s", "n/a (CPU)");
                continue;
            }
            gbs = time_encode(dr_xbzrle_impl_encoder(impl), o, n, iters, repeat);
            if (impl == DR_XBZRLE_IMPL_SCALAR)
                scalar = gbs;
            printf("    %6.2f (%5.2fx)", gbs, gbs / scalar);
        }
        if (cases[c].sparse)
            printf(" %12.2f", time_decode(o, n, iters, repeat));
        else
            printf(" %12s", "-");
        printf("\n");
    }
    return 0;
}
