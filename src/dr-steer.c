/*
 * dr-steer.c: the rules that steer a migration while it runs
 *
 * See dr-steer.h.  Plain state, fed plain data: no libvirt here.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-steer.h"
#include "dr-units.h"

#define STALL_GAIN 0.95

struct _DrSteer {
    DrSteerConfig cfg;          /* cache and downtime as they are now */
    gboolean max_time_done;
    gboolean postcopy_started;
    gboolean suspended;
    uint64_t round;             /* the round being watched; 0: none yet */
    uint64_t round_pages, round_misses; /* counters at its start */
    uint64_t round_remaining;   /* the most left during it */
    uint64_t resized_in;        /* the round a resize took in */
    uint64_t grown_from;        /* the cache before it; 0: checked */
    gboolean cache_kept;        /* QEMU kept the old cache */
    uint64_t lowest;            /* the least left at a round's start */
    uint64_t lowest_round;      /* when it was last lowered by 5% */
    uint64_t stepped_round;     /* when steering last escalated */
};

DrSteer *
dr_steer_new(const DrSteerConfig *config)
{
    DrSteer *s = g_new0(DrSteer, 1);

    s->cfg = *config;
    s->lowest = UINT64_MAX;
    return s;
}

void
dr_steer_free(DrSteer *s)
{
    g_free(s);
}

static DrSteerActionKind
set(DrSteerAction *a, DrSteerActionKind kind)
{
    a->kind = kind;
    return kind;
}

/* XBZRLE's cache (QEMU's page_cache.c) is direct-mapped: a page's slot
 * is its number modulo the slots, and a page cached in the last two
 * rounds is not evicted by another.  So with n pages written round after
 * round over m slots, each occupied slot keeps one page that hits, and
 * the others miss: if the pages lie at random, the share that misses is
 * 1 - (1 - e^-x) / x for x = n / m.  (Pages that lie contiguously miss
 * less, and pages written once miss whatever the size: the model then
 * asks for more than needed, which the cap bounds.) */
static double
miss_for(double x)
{
    return x < 1e-6 ? x / 2 : 1.0 - (1.0 - exp(-x)) / x;
}

/* x from a miss share, by bisection: miss_for rises with x. */
static double
load_for(double miss)
{
    double lo = 0, hi = 1e6;

    for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (miss_for(mid) < miss)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

uint64_t
dr_steer_cache_for(uint64_t cache, double miss, uint64_t cap)
{
    double pages = load_for(MIN(miss, 0.999999)) * (double)cache;
    uint64_t want = 1, top = 1;

    /* QEMU takes only powers of two (and rounds the slots down to one). */
    while (top <= cap / 2)
        top *= 2;
    while (want < top && miss_for(pages / (double)want) > DR_STEER_MISS_RATE_TARGET)
        want *= 2;
    return cap ? want : 0;
}

/* The max time rule. */
static DrSteerActionKind
max_time(DrSteer *s, const DrSteerSample *smp, DrSteerAction *a)
{
    s->max_time_done = TRUE;
    a->max_time = TRUE;
    a->elapsed_ms = smp->elapsed_ms;
    /* Postcopy has moved the guest's running state to the destination:
     * an abort now would lose the guest.  It finishes on its own. */
    if (s->postcopy_started)
        return set(a, DR_STEER_ACTION_NONE);
    switch (s->cfg.when_exceeded) {
    case DR_STEER_WHEN_EXCEEDED_SUSPEND:
        return set(a, DR_STEER_ACTION_SUSPEND);
    case DR_STEER_WHEN_EXCEEDED_POSTCOPY:
        if (s->cfg.postcopy)
            return set(a, DR_STEER_ACTION_POSTCOPY);
        break;
    case DR_STEER_WHEN_EXCEEDED_ABORT:
        break;
    }
    return set(a, DR_STEER_ACTION_ABORT);
}

/* Round @s->round is over at @smp: judge it. */
static DrSteerActionKind
judge_round(DrSteer *s, const DrSteerSample *smp, DrSteerAction *a)
{
    uint64_t pages = smp->xbzrle_pages - MIN(s->round_pages, smp->xbzrle_pages);
    uint64_t misses = smp->xbzrle_misses - MIN(s->round_misses, smp->xbzrle_misses);
    uint64_t left = s->round_remaining;

    a->round = s->round;
    if (s->cfg.xbzrle && pages + misses > 0 && s->round >= 3 && s->round > s->resized_in) {
        double miss = (double)misses / (double)(pages + misses);
        uint64_t want = 0;

        if (s->grown_from) {
            /* The first round judged since the resize: did it take? */
            uint64_t slots = s->grown_from / DR_STEER_PAGE_SIZE;
            uint64_t from = s->grown_from;

            s->grown_from = 0;
            if (miss > DR_STEER_MISS_RATE_GROW && pages <= slots + slots / 50) {
                s->cache_kept = TRUE;
                a->miss_rate = miss;
                a->hits = pages;
                a->from = from;
                a->value = s->cfg.xbzrle_cache;
                s->cfg.xbzrle_cache = from;
                return set(a, DR_STEER_ACTION_CACHE_KEPT);
            }
        }
        if (miss > DR_STEER_MISS_RATE_GROW && !s->cache_kept && s->cfg.xbzrle_cache > 0)
            want = dr_steer_cache_for(s->cfg.xbzrle_cache, miss, s->cfg.xbzrle_cache_max);
        if (want > s->cfg.xbzrle_cache) {
            a->miss_rate = miss;
            a->from = s->cfg.xbzrle_cache;
            a->value = want;
            return set(a, DR_STEER_ACTION_GROW_CACHE);
        }
    }

    /* Round 1 sends all of RAM: the rounds after it tell convergence. */
    if (s->round < 2 || s->postcopy_started)
        return set(a, DR_STEER_ACTION_NONE);
    if (s->lowest == UINT64_MAX || (double)left < STALL_GAIN * (double)s->lowest) {
        s->lowest = MIN(s->lowest, left);
        s->lowest_round = s->round;
        return set(a, DR_STEER_ACTION_NONE);
    }
    s->lowest = MIN(s->lowest, left);
    if (s->round < MAX(s->lowest_round, s->stepped_round) + DR_STEER_STALL_ROUNDS)
        return set(a, DR_STEER_ACTION_NONE);
    a->remaining = left;
    a->lowest = s->lowest;
    if (s->cfg.downtime_ms < s->cfg.downtime_max_ms) {
        s->stepped_round = s->round;
        a->from = s->cfg.downtime_ms;
        a->value = MIN(MAX(s->cfg.downtime_ms, 1) * 2, s->cfg.downtime_max_ms);
        return set(a, DR_STEER_ACTION_RAISE_DOWNTIME);
    }
    if (s->cfg.postcopy) {
        s->stepped_round = s->round;
        return set(a, DR_STEER_ACTION_POSTCOPY);
    }
    return set(a, DR_STEER_ACTION_NONE);
}

DrSteerActionKind
dr_steer_feed(DrSteer *s, const DrSteerSample *smp, DrSteerAction *a)
{
    DrSteerActionKind kind = DR_STEER_ACTION_NONE;

    memset(a, 0, sizeof(*a));
    if (s->suspended)
        return set(a, DR_STEER_ACTION_NONE);
    if (!s->max_time_done && s->cfg.max_time_ms > 0 && smp->elapsed_ms > s->cfg.max_time_ms) {
        kind = max_time(s, smp, a);
        if (kind != DR_STEER_ACTION_NONE)
            return kind;
        memset(a, 0, sizeof(*a));
    }
    if (smp->iteration != s->round) {
        if (s->round > 0 && smp->iteration > s->round)
            kind = judge_round(s, smp, a);
        s->round = smp->iteration;
        s->round_pages = smp->xbzrle_pages;
        s->round_misses = smp->xbzrle_misses;
        s->round_remaining = smp->remaining;
        return kind;
    }
    s->round_remaining = MAX(s->round_remaining, smp->remaining);
    return set(a, DR_STEER_ACTION_NONE);
}

void
dr_steer_applied(DrSteer *s, const DrSteerAction *a, gboolean ok)
{
    if (!ok)
        return;
    switch (a->kind) {
    case DR_STEER_ACTION_GROW_CACHE:
        s->grown_from = s->cfg.xbzrle_cache;
        s->cfg.xbzrle_cache = a->value;
        /* The round now running started with an emptied cache. */
        s->resized_in = s->round;
        break;
    case DR_STEER_ACTION_CACHE_KEPT:
        break;
    case DR_STEER_ACTION_RAISE_DOWNTIME:
        s->cfg.downtime_ms = a->value;
        break;
    case DR_STEER_ACTION_POSTCOPY:
        s->postcopy_started = TRUE;
        break;
    case DR_STEER_ACTION_SUSPEND:
        s->suspended = TRUE;
        break;
    case DR_STEER_ACTION_ABORT:
    case DR_STEER_ACTION_NONE:
        break;
    }
}

char *
dr_steer_action_describe(const DrSteerAction *a)
{
    switch (a->kind) {
    case DR_STEER_ACTION_GROW_CACHE: {
        g_autofree char *from = dr_units_format_size(a->from);
        g_autofree char *to = dr_units_format_size(a->value);
        return g_strdup_printf(_("Round %1$llu: XBZRLE missed %2$.0f%% of pages; cache grown from %3$s to %4$s"),
                               (unsigned long long)a->round, a->miss_rate * 100, from, to);
    }
    case DR_STEER_ACTION_CACHE_KEPT: {
        g_autofree char *from = dr_units_format_size(a->from);
        g_autofree char *to = dr_units_format_size(a->value);
        return g_strdup_printf(_("Round %1$llu: the XBZRLE cache did not grow to %2$s: %3$.0f%% still missed, and %4$llu hits are no more than the %5$s cache has slots (QEMU does not resize the cache of a running migration); not grown again"),
                               (unsigned long long)a->round, to, a->miss_rate * 100,
                               (unsigned long long)a->hits, from);
    }
    case DR_STEER_ACTION_RAISE_DOWNTIME:
        return g_strdup_printf(_("Round %1$llu: not converging (%2$.0f MiB left, lowest %3$.0f MiB); max downtime raised from %4$llu to %5$llu ms"),
                               (unsigned long long)a->round, (double)a->remaining / 1048576.0,
                               (double)a->lowest / 1048576.0, (unsigned long long)a->from,
                               (unsigned long long)a->value);
    case DR_STEER_ACTION_POSTCOPY:
        if (a->max_time)
            return g_strdup_printf(_("Max time passed at %1$.1f s: switched to postcopy"),
                                   (double)a->elapsed_ms / 1000.0);
        return g_strdup_printf(_("Round %1$llu: not converging at the highest downtime allowed (%2$.0f MiB left); switched to postcopy"),
                               (unsigned long long)a->round, (double)a->remaining / 1048576.0);
    case DR_STEER_ACTION_SUSPEND:
        return g_strdup_printf(_("Max time passed at %1$.1f s: guest paused so that the migration finishes"),
                               (double)a->elapsed_ms / 1000.0);
    case DR_STEER_ACTION_ABORT:
        return g_strdup_printf(_("Max time passed at %1$.1f s: migration aborted; the guest stays on the source"),
                               (double)a->elapsed_ms / 1000.0);
    case DR_STEER_ACTION_NONE:
        break;
    }
    return g_strdup(_("No action"));
}
