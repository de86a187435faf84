/*
 * dr-wss.h: the writable working set, from dirty rates over periods
 *
 * Page sampling over a period T tells the share of RAM dirtied in T.
 * Over growing periods that curve rises at the rate new pages are
 * dirtied and flattens at the writable working set: what XBZRLE's cache
 * must hold.  A single rate says neither.
 */
#pragma once

#include "dr-dirtyrate.h"
#include "dr-measureplan.h"

G_BEGIN_DECLS

/* Periods double from 1 s up to a longest one (DR_WSS_MAX_SECONDS_*),
 * so there are at most DR_WSS_PERIODS_MAX of them; each is measured
 * DR_WSS_REPEATS_* times. */
#define DR_WSS_MAX_SECONDS_MIN 2
#define DR_WSS_MAX_SECONDS_MAX 60
#define DR_WSS_MAX_SECONDS_DEFAULT 8
#define DR_WSS_PERIODS_MIN 2
#define DR_WSS_PERIODS_MAX 32
#define DR_WSS_REPEATS_MIN 1
#define DR_WSS_REPEATS_MAX 100

typedef struct {
    double period_s;
    double mib_per_s;       /* QEMU's rate over this period */
    double dirtied_mib;     /* = rate x period: memory dirtied in the period */
    DrEstimate dirtied;     /* its 95% interval, MiB */
} DrWssPoint;

typedef enum {
    DR_WSS_MODEL_SATURATING_LINEAR, /* min(r T, W): pages written in order */
    DR_WSS_MODEL_EXPONENTIAL,       /* W (1 - exp(-r T / W)): random writes */
} DrWssModel;

const char *dr_wss_model_to_string(DrWssModel model);

typedef struct {
    size_t npoints;
    DrWssPoint *points;
    uint64_t ram_bytes;
    DrWssModel model;
    double wss_mib;            /* the writable working set */
    /* W's 95% interval: every W whose best fit (either model, any rate)
     * is within DR_WSS_CHI2_95 of the best fit's weighted squared error.
     * Where the curve did not flatten, the high end is RAM. */
    double wss_low_mib;
    double wss_high_mib;
    double new_mib_per_s;      /* the rate at which new pages are dirtied */
    gboolean saturated;        /* the curve flattened within the periods:
                                * its initial rate would have dirtied well
                                * over W by the longest, and W's interval
                                * stops short of RAM */
    gboolean rate_unbounded;   /* a curve flat from the shortest period
                                * on fits the points within the same
                                * threshold: new_mib_per_s is only a
                                * lower bound */
} DrWss;

/* The chi-square quantile for one parameter at 95%: the profile's
 * threshold for W's interval. */
#define DR_WSS_CHI2_95 3.841

void dr_wss_free(DrWss *wss);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrWss, dr_wss_free)

/* Fits both models to @points (least squares weighted by the sampling
 * variance) and keeps the better one, with W's 95% interval from the
 * profile of that error.  @points are copied. */
DrWss *dr_wss_fit(const DrWssPoint *points, size_t n, uint64_t ram_bytes);

/* The longest period whose rate counts as the guest's dirty rate. */
#define DR_WSS_RATE_PERIOD_MAX_S 2.0

/* The longest period of @wss's curve, s; 0 without points. */
double dr_wss_span(const DrWss *wss);

/* The guest's dirty rate, MiB/s, with its 95% interval: the highest
 * per-second rate among the periods up to DR_WSS_RATE_PERIOD_MAX_S.
 * Memory dirtied over a period grows ever more slowly with it, so each
 * period's rate is at most the shortest one's; and a measurement that the
 * host disturbed (QEMU's sampling thread or the vCPUs kept off a busy
 * CPU) only reads low.  The highest is the best of these lower bounds;
 * where the curve is still straight it leans a few percent high, which
 * the 95% interval of the chosen point covers.  FALSE when @wss has no
 * such period. */
gboolean dr_wss_rate(const DrWss *wss, DrEstimate *rate);

typedef void (*DrWssProgressFunc)(size_t done, size_t total, const DrWssPoint *last,
                                  void *opaque);

/**
 * dr_wss_measure:
 * @periods_ms: the periods, ascending, each valid for the request's backend
 *
 * Measures @plan (which must be in page-sampling mode) at each period
 * (@repeats times, averaged; the plan keeps the last period) and
 * fits the curve.
 */
DrWss *dr_wss_measure(DrMeasurePlan *plan, const unsigned int *periods_ms, size_t nperiods,
                      unsigned int repeats,
                      DrWssProgressFunc progress, void *opaque,
                      GCancellable *cancellable, GError **error);

G_END_DECLS
