/*
 * dr-jobstats.h: one look at a domain's job, from libvirt's statistics
 *
 * virDomainGetJobStats (or a JOB_COMPLETED event's parameters) as plain
 * data: what domdirtyrate-migrate and the daemon follow a migration by,
 * and what they feed the steering rules (dr-steer.h) and the calibration
 * (dr-calibration.h).  Every figure is 0 when libvirt did not give it.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

typedef struct {
    gboolean active;                  /* a job is running */
    int type;                         /* VIR_DOMAIN_JOB_* */
    int operation;                    /* VIR_DOMAIN_JOB_OPERATION_*; 0: not said */
    unsigned long long elapsed_ms;
    unsigned long long remaining;     /* memory bytes left */
    unsigned long long total;         /* memory bytes in all */
    unsigned long long processed;     /* memory bytes sent (else all data) */
    unsigned long long iteration;     /* the round */
    unsigned long long zero_pages;    /* sent as zero pages, so far */
    unsigned long long downtime_ms;
    unsigned long long bandwidth;     /* memory bytes/s, QEMU's last window */
    gboolean xbzrle;                  /* XBZRLE figures are present */
    unsigned long long xbzrle_cache;  /* bytes */
    unsigned long long xbzrle_pages;  /* pages sent as deltas, so far */
    unsigned long long xbzrle_misses; /* cache misses, so far */
} DrJobStats;

/* Reads @params (from virDomainGetJobStats or a JOB_COMPLETED event). */
void dr_job_stats_from_params(DrJobStats *s, int type, virTypedParameterPtr params,
                              int nparams);

/* virDomainGetJobStats(@dom, @flags); FALSE (libvirt's error left set)
 * when libvirt failed. */
gboolean dr_job_stats_get(virDomainPtr dom, unsigned int flags, DrJobStats *s);

/* The share of XBZRLE lookups that missed between @prev and @now (the
 * deltas of libvirt's cumulative counters, which has no rate of its
 * own); 0 with no lookups. */
double dr_job_stats_miss_rate(const DrJobStats *prev, const DrJobStats *now);

G_END_DECLS
