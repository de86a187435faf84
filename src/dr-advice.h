/*
 * dr-advice.h: the decision engine
 *
 * A pure function: from the measurements (a DrMigInput), the policy's
 * limits and what both ends support, it predicts every allowed way to
 * migrate (dr-migsim.h) and picks one:
 *
 *   - among those that converge even with a working set and rate 25%
 *     above the measured ones (or, where none does, among those that
 *     converge), the fastest, or one within 10% of it that asks less of
 *     the guest and the host (no throttle before a throttle, a smaller
 *     cache before a larger one);
 *   - where none converges, the one closest to it, and what would make
 *     a migration converge: a longer downtime, postcopy, more bandwidth.
 */
#pragma once

#include "dr-migsim.h"
#include "dr-policy.h"

G_BEGIN_DECLS

/* The policy's limits and permissions, in numbers. */
typedef enum {
    DR_ADVICE_XBZRLE_AUTO,
    DR_ADVICE_XBZRLE_ON,
    DR_ADVICE_XBZRLE_OFF,
} DrAdviceXbzrle;

typedef struct {
    uint64_t max_downtime_ms;
    uint64_t max_time_ms;
    DrAdviceXbzrle xbzrle;
    uint64_t xbzrle_cache;     /* bytes; 0: the engine picks */
    uint64_t xbzrle_max_cache; /* bytes */
    gboolean auto_converge;
    unsigned int auto_converge_initial;
    unsigned int auto_converge_increment;
    gboolean postcopy;
    gboolean qmp;              /* QMP passthrough allowed (dirty-limit) */
} DrAdviceLimits;

/* The smallest XBZRLE cache the engine weighs, and the most multifd
 * connections. */
#define DR_ADVICE_CACHE_MIN (16ULL << 20)
#define DR_ADVICE_PARALLEL_MAX 4
/* A setting this much slower than the fastest may still be picked when
 * it asks less. */
#define DR_ADVICE_SLACK 1.10
/* Between such settings, one that costs the host this many times less
 * CPU is picked before a faster one. */
#define DR_ADVICE_CPU_SLACK 1.25

/**
 * dr_advice_limits_from_policy:
 * @ram_bytes: the guest's RAM, for a cap given as a share of it
 *
 * A caller overrides a field afterwards, e.g. max_downtime_ms from a
 * --downtime option.
 *
 * Returns: FALSE with @error when a value cannot be read.
 */
gboolean dr_advice_limits_from_policy(DrAdviceLimits *limits, const DrPolicy *policy,
                                      uint64_t ram_bytes, GError **error);

/* Measurements are estimates: a setting that converges is also tried
 * with the working set and its rate this much larger (the set at least
 * at the upper end of its 95% interval), the codecs' ratios (down to
 * 1:1) and speeds this much smaller and XBZRLE's deltas this much
 * larger, and one that still converges then is preferred. */
#define DR_ADVICE_MARGIN 1.25

typedef struct {
    DrMigSettings settings;
    DrMigPrediction prediction;
    gboolean robust;     /* converges with DR_ADVICE_MARGIN more, too */
    /* What the choice compares: the predicted time, but with multifd
     * paced at the limit where the host has not measured its pace, as
     * how far past the limit it runs depends on the link. */
    double rank_s;
    gboolean rank_converges; /* whether it converges at that pace */
} DrAdviceCandidate;

typedef struct {
    DrMigInput input;
    DrAdviceLimits limits;
    unsigned int caps;             /* DrMigCaps of both ends */

    size_t ncandidates;
    DrAdviceCandidate *candidates; /* every allowed setting, as weighed */
    size_t chosen;                 /* index in candidates */
    gboolean converges;            /* the chosen one does */

    char **reasons;                /* NULL-terminated, one line per choice */

    /* Where nothing converges: what would (0 or FALSE: nothing found). */
    uint64_t needed_downtime_ms;
    double needed_bandwidth;       /* bytes/s */
    DrMigSettings needed_bandwidth_settings; /* with which setting */
    gboolean postcopy_would;       /* the policy forbids it */
    double postcopy_total_s;
} DrAdvice;

void dr_advice_free(DrAdvice *advice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrAdvice, dr_advice_free)

/**
 * dr_advise:
 * @caps: DrMigCaps: what the source and the destination both support
 *
 * Returns: the advice, or NULL with @error when the input is not valid.
 */
DrAdvice *dr_advise(const DrMigInput *in, const DrAdviceLimits *limits, unsigned int caps,
                    GError **error);

/* A short name for a setting, e.g. "xbzrle 256MiB + auto-converge". */
char *dr_advice_settings_describe(const DrMigSettings *s);

G_END_DECLS
