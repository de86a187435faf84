/*
 * dr-series.h: a series of dirty-rate measurements and its statistics
 */
#pragma once

#include "dr-dirtyrate.h"
#include "dr-measureplan.h"

G_BEGIN_DECLS

/* A series: how many measurements, and how far apart (start to start). */
#define DR_SERIES_COUNT_MIN 1
#define DR_SERIES_COUNT_MAX 1000
#define DR_SERIES_INTERVAL_MS_MAX (3600 * 1000)

typedef struct {
    size_t n;
    double mean;
    double median;
    double p95;
    double stddev;
    double trend_per_min;  /* least-squares slope, MiB/s per minute */
    DrEstimate interval;   /* 95% interval of the mean rate */
} DrSeriesStats;

/* Statistics of @n rates taken at times @t (seconds; NULL: 0, 1, ...). */
void dr_series_stats_compute(const double *rates, const double *t, size_t n,
                             DrSeriesStats *out);

typedef struct {
    size_t n;
    DrDirtyRate **items;
    double *t;             /* seconds from the start, when each began */
    DrSeriesStats stats;
} DrSeries;

void dr_series_free(DrSeries *s);
/* Computes @s's statistics from its items and times: for page sampling
 * with one period and sample size, the interval pools every sample. */
void dr_series_summarize(DrSeries *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrSeries, dr_series_free)

/* Called after each measurement, e.g. for live progress. */
typedef void (*DrSeriesProgressFunc)(size_t done, size_t total, const DrDirtyRate *last,
                                     void *opaque);

/**
 * dr_series_measure:
 * @count: measurements, 1 to 1000
 * @interval_ms: from the start of one to the start of the next; 0 (or
 *   less than the period) runs them back to back
 *
 * For page sampling the series' interval pools every sample, which is
 * tighter than the spread of the rates.
 *
 * Returns: the series, or NULL with @error from the first failure.
 */
DrSeries *dr_series_measure(DrMeasurePlan *plan, unsigned int count, unsigned int interval_ms,
                            DrSeriesProgressFunc progress, void *opaque,
                            GCancellable *cancellable, GError **error);

G_END_DECLS
