/*
 * dr-steer.h: the rules that steer a migration while it runs
 *
 * QEMU fixes the capabilities when a migration starts, so what can be
 * changed during it is the XBZRLE cache's size, the max downtime, the
 * switch to postcopy, and, at the policy's max time, aborting or
 * pausing the guest.  A DrSteer is fed the job's statistics as they are
 * polled (virDomainGetJobStats) and says what to do, with the numbers
 * that made it so.  It calls nothing itself: domdirtyrate-migrate and
 * the daemon act, and report back whether the action took.
 *
 * The rules:
 *   - Max time passed: what the policy's when-exceeded says, once:
 *     pause the guest, switch to postcopy (where allowed, else abort),
 *     or abort.
 *   - XBZRLE's cache: a round from the third on (the second starts with
 *     an empty cache), and not the one after a resize (QEMU empties the
 *     cache when it resizes it), that missed more than
 *     DR_STEER_MISS_RATE_GROW of its lookups grows the cache, within the
 *     cap, in one step to the size that a model of QEMU's direct-mapped
 *     cache (dr_steer_cache_for) predicts to miss at most
 *     DR_STEER_MISS_RATE_TARGET: each resize empties the cache and costs
 *     a round of whole pages, so one step beats several doublings.  The
 *     miss rate is the round's deltas of libvirt's
 *     compression-cache-misses and -pages.  QEMU (7.2 and 10.0) reports
 *     the new size but keeps the old cache: when the first round judged
 *     after a resize still misses as much, with no more hits than the
 *     old cache has slots, that is said once (CACHE_KEPT) and the cache
 *     is not grown again.
 *   - Not converging: when the data left at the start of a round has not
 *     fallen 5% below its lowest in DR_STEER_STALL_ROUNDS rounds, the
 *     max downtime doubles, up to the policy's; once it is there,
 *     postcopy, where allowed.  Each step waits as many rounds to be
 *     judged.
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

#define DR_STEER_STALL_ROUNDS 4
#define DR_STEER_MISS_RATE_GROW 0.35
#define DR_STEER_MISS_RATE_TARGET 0.25
/* The page size the cache's slots hold (x86's). */
#define DR_STEER_PAGE_SIZE 4096

/* One poll of the running job. */
typedef struct {
    uint64_t elapsed_ms;
    uint64_t iteration;     /* the round: memory iteration */
    uint64_t remaining;     /* bytes left to send */
    uint64_t xbzrle_pages;  /* pages sent as XBZRLE deltas, so far */
    uint64_t xbzrle_misses; /* XBZRLE cache misses, so far */
} DrSteerSample;

typedef enum {
    DR_STEER_WHEN_EXCEEDED_ABORT,
    DR_STEER_WHEN_EXCEEDED_SUSPEND,
    DR_STEER_WHEN_EXCEEDED_POSTCOPY,
} DrSteerWhenExceeded;

/* From the policy (limits.*), the host and the migration's flags. */
typedef struct {
    gboolean xbzrle;            /* the migration runs with XBZRLE */
    uint64_t xbzrle_cache;      /* its cache now, bytes */
    uint64_t xbzrle_cache_max;  /* the policy's cap and half the host's
                                 * free memory, bytes */
    uint64_t downtime_ms;       /* the max downtime now */
    uint64_t downtime_max_ms;   /* the most steering may raise it to;
                                 * <= downtime_ms: never raised */
    gboolean postcopy;          /* started with postcopy enabled, and the
                                 * policy allows the switch */
    uint64_t max_time_ms;       /* 0: no limit */
    DrSteerWhenExceeded when_exceeded;
} DrSteerConfig;

typedef enum {
    DR_STEER_ACTION_NONE,
    DR_STEER_ACTION_GROW_CACHE,     /* value: the new size, bytes */
    DR_STEER_ACTION_RAISE_DOWNTIME, /* value: the new max downtime, ms */
    DR_STEER_ACTION_POSTCOPY,
    DR_STEER_ACTION_SUSPEND,
    DR_STEER_ACTION_ABORT,
    DR_STEER_ACTION_CACHE_KEPT,     /* the last growth did not take:
                                     * nothing to do, not grown again */
} DrSteerActionKind;

typedef struct {
    DrSteerActionKind kind;
    uint64_t value;
    uint64_t round;        /* the round that was judged */
    uint64_t from;         /* the cache (bytes) or downtime (ms) before */
    double miss_rate;      /* GROW_CACHE, CACHE_KEPT: the round's */
    uint64_t hits;         /* CACHE_KEPT: the round's XBZRLE pages */
    uint64_t remaining;    /* RAISE_DOWNTIME, POSTCOPY: left at the
                            * round's start */
    uint64_t lowest;       /* ... against the lowest before */
    uint64_t elapsed_ms;   /* SUSPEND, ABORT, or POSTCOPY at max time */
    gboolean max_time;     /* the max time rule fired */
} DrSteerAction;

typedef struct _DrSteer DrSteer;

DrSteer *dr_steer_new(const DrSteerConfig *config);
void dr_steer_free(DrSteer *steer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrSteer, dr_steer_free)

/* Feeds one poll.  Returns the action to take now (mostly
 * DR_STEER_ACTION_NONE) and fills @action. */
DrSteerActionKind dr_steer_feed(DrSteer *steer, const DrSteerSample *sample,
                                DrSteerAction *action);

/* Whether the action returned last was carried out: the steer's view of
 * the cache and downtime follows only what took.  A failed action is
 * not offered again for the same round. */
void dr_steer_applied(DrSteer *steer, const DrSteerAction *action, gboolean ok);

/* Carries out @action on @dom through libvirt (dr-steerapply.c): the
 * cache, the max downtime, postcopy, pausing or aborting.  FALSE with
 * @error when libvirt refused. */
gboolean dr_steer_apply(virDomainPtr dom, const DrSteerAction *action, GError **error);

/* The XBZRLE cache to grow to from @cache, whose lookups missed the
 * share @miss of the time: the smallest power of two that the model
 * (QEMU's direct-mapped cache, the written pages at random places)
 * predicts to miss at most DR_STEER_MISS_RATE_TARGET, and at most the
 * largest power of two within @cap.  May be @cache or less: no growth. */
uint64_t dr_steer_cache_for(uint64_t cache, double miss, uint64_t cap);

/* One translated line with the numbers, for a log or a terminal. */
char *dr_steer_action_describe(const DrSteerAction *action);

G_END_DECLS
