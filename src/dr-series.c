/*
 * dr-series.c: a series of dirty-rate measurements and its statistics
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-series.h"
#include "dr-wait.h"


static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks. */
static double
quantile(const double *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = MIN(lo + 1, n - 1);

    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - (double)lo);
}

void
dr_series_stats_compute(const double *rates, const double *t, size_t n, DrSeriesStats *out)
{
    g_autofree double *sorted = NULL;
    double sum = 0, ss = 0, tm = 0, num = 0, den = 0;

    memset(out, 0, sizeof(*out));
    out->n = n;
    if (n == 0)
        return;
    sorted = g_memdup2(rates, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += rates[i];
    out->mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (rates[i] - out->mean) * (rates[i] - out->mean);
    out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    out->median = quantile(sorted, n, 0.5);
    out->p95 = quantile(sorted, n, 0.95);

    for (size_t i = 0; i < n; i++)
        tm += t ? t[i] : (double)i;
    tm /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double dt = (t ? t[i] : (double)i) - tm;
        num += dt * (rates[i] - out->mean);
        den += dt * dt;
    }
    out->trend_per_min = den > 0 ? num / den * 60.0 : 0.0;

    /* Without knowing how the rates were sampled: the mean's t-free
     * normal interval. */
    out->interval = dr_estimate_mean(out->mean, out->stddev, n);
}

void
dr_series_free(DrSeries *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        dr_dirtyrate_free(s->items[i]);
    g_free(s->items);
    g_free(s->t);
    g_free(s);
}

DrSeries *
dr_series_measure(DrMeasurePlan *plan, unsigned int count, unsigned int interval_ms,
                  DrSeriesProgressFunc progress, void *opaque,
                  GCancellable *cancellable, GError **error)
{
    g_autoptr(DrSeries) s = g_new0(DrSeries, 1);
    gint64 t0 = g_get_monotonic_time();

    if (count < DR_SERIES_COUNT_MIN || count > DR_SERIES_COUNT_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A series of %1$u measurements is out of range: use %2$d to %3$d"),
                    count, DR_SERIES_COUNT_MIN, DR_SERIES_COUNT_MAX);
        return NULL;
    }
    if (interval_ms > DR_SERIES_INTERVAL_MS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("An interval of %1$u ms between measurements is out of range: use 0 to %2$d ms"),
                    interval_ms, DR_SERIES_INTERVAL_MS_MAX);
        return NULL;
    }
    s->items = g_new0(DrDirtyRate *, count);
    s->t = g_new0(double, count);

    for (unsigned int i = 0; i < count; i++) {
        if (!dr_wait_until(t0 + (gint64)i * interval_ms * 1000, cancellable, error))
            return NULL;
        s->t[i] = (double)(g_get_monotonic_time() - t0) / 1e6;
        g_debug("series: measurement %u of %u at %.1f s", i + 1, count, s->t[i]);
        if (!(s->items[i] = dr_measure_plan_run(plan, cancellable, error)))
            return NULL;
        s->n++;
        if (progress)
            progress(s->n, count, s->items[i], opaque);
    }
    dr_series_summarize(s);
    return g_steal_pointer(&s);
}

void
dr_series_summarize(DrSeries *s)
{
    g_autofree double *rates = g_new0(double, MAX(s->n, 1));
    gboolean pooled = TRUE;

    for (size_t i = 0; i < s->n; i++)
        rates[i] = s->items[i]->mib_per_s;
    dr_series_stats_compute(rates, s->t, s->n, &s->stats);
    for (size_t i = 0; i < s->n; i++) {
        const DrDirtyRate *a = s->items[0], *b = s->items[i];
        if (b->mode != DR_DIRTYRATE_MODE_PAGE_SAMPLING || b->period_ms != a->period_ms ||
            b->sample_pages != a->sample_pages)
            pooled = FALSE;
    }
    if (pooled && s->n > 0) {
        const DrDirtyRate *a = s->items[0];
        s->stats.interval = dr_dirtyrate_sampling_interval_pooled(rates, s->n, a->period_ms,
                                                                  a->sample_pages, a->ram_bytes);
    }
}
