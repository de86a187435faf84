/*
 * dr-advisor.h: measure what the decision engine needs, then advise
 *
 * One pass over a running domain: its policy, the working-set curve
 * (page sampling over doubling periods, no taint), the compressibility
 * sample (memory peeks, no taint), the vCPUs' use over that time, the
 * host's free memory and CPUs, our encoder's speed on this host, and
 * what both ends support.  Then dr_advise().
 */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "dr-advice.h"
#include "dr-calibration.h"
#include "dr-compress.h"
#include "dr-measureplan.h"
#include "dr-policy.h"
#include "dr-wss.h"

G_BEGIN_DECLS

typedef struct {
    unsigned int wss_max_seconds;   /* DR_WSS_MAX_SECONDS_* */
    DrCompressParams compress;
    double bandwidth;               /* bytes/s; 0: the policy's network.bandwidth */
    uint64_t max_downtime_ms;       /* 0: the policy's limits.max-downtime */
    virConnectPtr dest;             /* (nullable) the destination, to check */
    const char *schema_dir;         /* (nullable) for the policy */
    const DrCalibration *calibration; /* (nullable) this host's history */
} DrAdvisorParams;

void dr_advisor_params_init(DrAdvisorParams *params);

typedef struct {
    DrPolicy *policy;
    DrWss *wss;
    DrCompressEstimate *compress;
    char **cap_notes;               /* where each capability answer came from */
    double measure_s;               /* wall time of the measurements */
    DrAdvice *advice;
} DrAdvisorResult;

void dr_advisor_result_free(DrAdvisorResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrAdvisorResult, dr_advisor_result_free)

/* @step: "working set" or "compressibility"; @done of @total. */
typedef void (*DrAdvisorProgressFunc)(const char *step, size_t done, size_t total, void *opaque);

/**
 * dr_advisor_run:
 * @plan: a page-sampling plan for the domain (dr_measurer_plan())
 *
 * The domain must run and, for the memory peeks, be on a read-write
 * connection.  Nothing is written to the domain.
 *
 * Returns: the result, or NULL with @error: no bandwidth given or in
 * the policy, a stored policy that is not valid, a measurement that
 * failed, a domain that went away.
 */
DrAdvisorResult *dr_advisor_run(DrMeasurePlan *plan, const DrAdvisorParams *params,
                                DrAdvisorProgressFunc progress, void *opaque,
                                GCancellable *cancellable, GError **error);

/* Our XBZRLE encoder's speed on this host, page bytes per second of
 * this thread's CPU time, from about @ms of it encoding sparse deltas;
 * 0 where the thread's CPU time cannot be read. */
double dr_advisor_encoder_speed(unsigned int ms);

G_END_DECLS
