/*
 * dr-schedule.h: when each monitored domain is measured next
 *
 * The daemon measures each domain every policy measure.every, with
 * jitter so that domains started together do not measure together, at
 * most max_running at once, and never while the domain migrates.  A
 * DrSchedule keeps that bookkeeping as plain state over monotonic
 * microseconds; the caller owns the clock, the timer and the
 * measurements.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* Jitter: each interval is every x (1 + u), u uniform in [-j, j]. */
#define DR_SCHEDULE_JITTER_MAX 0.5

typedef struct _DrSchedule DrSchedule;

/* @max_running >= 1; @jitter in [0, DR_SCHEDULE_JITTER_MAX]; @seed 0:
 * random, else a repeatable sequence. */
DrSchedule *dr_schedule_new(unsigned int max_running, double jitter, uint64_t seed);
void dr_schedule_free(DrSchedule *sched);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrSchedule, dr_schedule_free)

/* A new domain's first measurement falls within this, or its interval
 * when shorter. */
#define DR_SCHEDULE_FIRST_SPREAD_US (60 * G_USEC_PER_SEC)

/* Adds @id (a domain's UUID), or changes its interval.  A new domain's
 * first measurement falls at a random point of its first interval, or
 * of its first minute when the interval is longer: a daemon starting
 * beside many domains spreads them out, and a domain that just started
 * (or arrived) is not left unmeasured for a whole interval.  A changed
 * interval takes effect from the last measurement. */
void dr_schedule_set(DrSchedule *sched, const char *id, int64_t every_us, int64_t now_us);
/* Forgets @id; a measurement of it still running ends unrecorded. */
void dr_schedule_remove(DrSchedule *sched, const char *id);
/* While @migrating, @id is never due; afterwards, an overdue domain is
 * due at once. */
void dr_schedule_set_migrating(DrSchedule *sched, const char *id, gboolean migrating);

/* The ids due at @now_us, earliest first, as many as there are free
 * slots; they count as running until dr_schedule_done().  Free the
 * array with g_ptr_array_unref(). */
GPtrArray *dr_schedule_take_due(DrSchedule *sched, int64_t now_us);
/* @id's measurement ended (well or not): next one an interval later. */
void dr_schedule_done(DrSchedule *sched, const char *id, int64_t now_us);
/* When the next domain falls due (maybe in the past), or G_MAXINT64 when
 * none can: no domain, all running or migrating, or no free slot. */
int64_t dr_schedule_next_due(const DrSchedule *sched);
unsigned int dr_schedule_running(const DrSchedule *sched);
/* How many domains wait for a measurement more than half their interval
 * past its due time: max_running is too few for their intervals. */
unsigned int dr_schedule_behind(const DrSchedule *sched, int64_t now_us);

G_END_DECLS
