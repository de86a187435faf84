/*
 * bench-pagecache.c: page events per second through the XBZRLE cache model
 *
 * The decision engine runs the model for many candidate cache sizes, so
 * it must take well over 10 million page events a second.  The baseline
 * measured in the same run is a loop that only generates the same event
 * stream; the ratio says what the model itself costs.
 *
 *   bench/bench-pagecache [--events N]
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dr-pagecache.h"

/* Seconds on GLib's monotonic clock. */
static double
now(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

static volatile uint64_t sink;

static inline uint64_t
next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int
main(int argc, char **argv)
{
    uint64_t events = 50000000, per_round = 65536 * 4; /* 1 GiB of pages */
    uint64_t wss_pages = 65536 * 2;                   /* 512 MiB hot */
    double t_base, t_model;

    if (argc == 3 && strcmp(argv[1], "--events") == 0)
        events = strtoull(argv[2], NULL, 10);
    else if (argc != 1) {
        fprintf(stderr, "usage: %s [--events N]\n", argv[0]);
        return 2;
    }

    /* Baseline: the same stream, summed instead of modelled. */
    {
        uint64_t s = 88172645463325252ULL, acc = 0;
        double t0 = now();
        for (uint64_t i = 0; i < events; i++)
            acc += next(&s) % wss_pages + (i % per_round == 0);
        sink = acc;
        t_base = now() - t0;
    }
    {
        g_autoptr(DrPageCache) c = dr_page_cache_new(256ULL << 20, 4096, NULL);
        DrPageCacheStats st;
        uint64_t s = 88172645463325252ULL;
        double t0 = now();
        for (uint64_t i = 0; i < events; i++) {
            if (i % per_round == 0)
                dr_page_cache_begin_round(c);
            dr_page_cache_send(c, next(&s) % wss_pages, 40);
        }
        t_model = now() - t0;
        dr_page_cache_get_stats(c, &st);
        sink = st.bytes;
    }
    printf("page-cache model: %.1f M events/s (baseline stream %.1f M/s, "
           "model costs %.2fx the stream); goal >= 10 M events/s: %s\n",
           (double)events / t_model / 1e6, (double)events / t_base / 1e6,
           t_model / t_base, (double)events / t_model >= 10e6 ? "met" : "NOT met");
    return 0;
}
