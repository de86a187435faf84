/*
 * dr-wss.c: the writable working set, from dirty rates over periods
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-series.h"
#include "dr-wss.h"

#define GRID 240

const char *
dr_wss_model_to_string(DrWssModel model)
{
    switch (model) {
    case DR_WSS_MODEL_SATURATING_LINEAR:
        return "saturating-linear";
    case DR_WSS_MODEL_EXPONENTIAL:
        return "exponential";
    }
    return "?";
}

void
dr_wss_free(DrWss *wss)
{
    if (!wss)
        return;
    g_free(wss->points);
    g_free(wss);
}

static double
model_eval(DrWssModel model, double w, double r, double t)
{
    switch (model) {
    case DR_WSS_MODEL_SATURATING_LINEAR:
        return MIN(r * t, w);
    case DR_WSS_MODEL_EXPONENTIAL:
        return w * (1.0 - exp(-r * t / w));
    }
    return 0;
}

static double
weighted_sse(DrWssModel model, double w, double r, const DrWssPoint *p, size_t n,
             double floor_var)
{
    double sse = 0;

    for (size_t i = 0; i < n; i++) {
        double d = model_eval(model, w, r, p[i].period_s) - p[i].dirtied_mib;
        double half = (p[i].dirtied.high - p[i].dirtied.low) / 2;
        /* Each point weighs by its own sampling variance, from its 95%
         * interval, so points from samples of other sizes (the
         * compressibility sample's written set) fit in; without one,
         * binomial sampling: the variance grows with what was dirtied. */
        if (half > 0)
            sse += d * d / MAX((half / DR_ESTIMATE_Z95) * (half / DR_ESTIMATE_Z95), 1e-6);
        else
            sse += d * d / MAX(p[i].dirtied_mib, floor_var);
    }
    return sse;
}

DrWss *
dr_wss_fit(const DrWssPoint *points, size_t n, uint64_t ram_bytes)
{
    g_autoptr(DrWss) wss = g_new0(DrWss, 1);
    double ram_mib = (double)ram_bytes / 1048576.0;
    double dmax = 0, r0 = 0, best = INFINITY, floor_var, wgrid[GRID], profile[GRID];
    int low = GRID - 1, high = 0;

    wss->npoints = n;
    wss->points = g_memdup2(points, n * sizeof(*points));
    wss->ram_bytes = ram_bytes;
    if (n == 0)
        return g_steal_pointer(&wss);
    for (size_t i = 0; i < n; i++) {
        dmax = MAX(dmax, points[i].dirtied_mib);
        if (points[i].period_s > 0)
            r0 = MAX(r0, points[i].dirtied_mib / points[i].period_s);
    }
    floor_var = MAX(1.0, ram_mib / 512.0);
    if (dmax <= 0) {
        wss->model = DR_WSS_MODEL_SATURATING_LINEAR;
        return g_steal_pointer(&wss);
    }

    /* Log-spaced grids: W from half the largest dirtied amount to all
     * of RAM, r from a tenth to ten times the steepest observed slope.
     * profile[i]: the best error with W at wgrid[i]. */
    for (int i = 0; i < GRID; i++) {
        wgrid[i] = dmax * 0.5 * pow(MAX(ram_mib, dmax) / (dmax * 0.5), (double)i / (GRID - 1));
        profile[i] = INFINITY;
    }
    for (int model = DR_WSS_MODEL_SATURATING_LINEAR; model <= DR_WSS_MODEL_EXPONENTIAL; model++) {
        for (int i = 0; i < GRID; i++) {
            double w = wgrid[i];
            for (int j = 0; j < GRID; j++) {
                double r = r0 * 0.1 * pow(100.0, (double)j / (GRID - 1));
                double e = weighted_sse((DrWssModel)model, w, r, points, n, floor_var);
                profile[i] = MIN(profile[i], e);
                if (e < best) {
                    best = e;
                    wss->model = (DrWssModel)model;
                    wss->wss_mib = w;
                    wss->new_mib_per_s = r;
                }
            }
        }
    }
    /* The interval: where the profile stays within the threshold.  A
     * curve still rising at its longest period fits a larger W about as
     * well, up to RAM: it says only how large W is at least. */
    for (int i = 0; i < GRID; i++) {
        if (profile[i] <= best + DR_WSS_CHI2_95) {
            low = MIN(low, i);
            high = MAX(high, i);
        }
    }
    wss->wss_low_mib = MIN(wgrid[low], wss->wss_mib);
    wss->wss_high_mib = MAX(wgrid[high], wss->wss_mib);
    /* Nor is W below what a period was measured to dirty: each point's
     * own low end (a one-sided 97.5% bound) holds for W too, and the
     * profile's can lie below it where a curve is open, the rate
     * making up for a small W at the other points. */
    for (size_t i = 0; i < n; i++) {
        if (points[i].dirtied.high > points[i].dirtied.low)
            wss->wss_low_mib = MAX(wss->wss_low_mib, MIN(points[i].dirtied.low, wss->wss_mib));
    }
    /* Flattened: the longest period would have dirtied well over W at
     * the initial rate, and the data rule out a set as large as RAM. */
    wss->saturated = wss->new_mib_per_s * dr_wss_span(wss) > 1.5 * wss->wss_mib &&
                     high < GRID - 1;
    /* Flat from the shortest period on (as if r were without bound):
     * where that fits within the threshold too, the data bound r from
     * below only. */
    {
        double flat = INFINITY;
        for (int i = 0; i < GRID; i++)
            flat = MIN(flat, weighted_sse(DR_WSS_MODEL_SATURATING_LINEAR, wgrid[i], INFINITY,
                                          points, n, floor_var));
        wss->rate_unbounded = flat <= best + DR_WSS_CHI2_95;
    }
    return g_steal_pointer(&wss);
}

DrWss *
dr_wss_measure(DrMeasurePlan *plan, const unsigned int *periods_ms, size_t nperiods, unsigned int repeats,
               DrWssProgressFunc progress, void *opaque,
               GCancellable *cancellable, GError **error)
{
    g_autofree DrWssPoint *points = NULL;
    const DrProbe *probe;

    if (nperiods < DR_WSS_PERIODS_MIN || nperiods > DR_WSS_PERIODS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A working-set estimate needs %1$d to %2$d periods, not %3$zu"),
                    DR_WSS_PERIODS_MIN, DR_WSS_PERIODS_MAX, nperiods);
        return NULL;
    }
    if (repeats < DR_WSS_REPEATS_MIN || repeats > DR_WSS_REPEATS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("%1$u repeats per period is out of range: use %2$d to %3$d"),
                    repeats, DR_WSS_REPEATS_MIN, DR_WSS_REPEATS_MAX);
        return NULL;
    }
    if (dr_measure_plan_request(plan)->mode != DR_DIRTYRATE_MODE_PAGE_SAMPLING) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A working-set estimate needs page-sampling mode, not %1$s"),
                    dr_dirtyrate_mode_to_string(dr_measure_plan_request(plan)->mode));
        return NULL;
    }
    probe = dr_measure_plan_probe(plan);
    points = g_new0(DrWssPoint, nperiods);
    for (size_t i = 0; i < nperiods; i++) {
        g_autoptr(DrSeries) s = NULL;
        double secs = periods_ms[i] / 1000.0;

        g_debug("working set: period %zu of %zu, %u ms", i + 1, nperiods, periods_ms[i]);
        if (!dr_measure_plan_set_period(plan, periods_ms[i], error) ||
            !(s = dr_series_measure(plan, repeats, 0, NULL, NULL, cancellable, error)))
            return NULL;
        points[i].period_s = secs;
        points[i].mib_per_s = s->stats.mean;
        points[i].dirtied_mib = s->stats.mean * secs;
        points[i].dirtied.value = points[i].dirtied_mib;
        points[i].dirtied.low = s->stats.interval.low * secs;
        points[i].dirtied.high = s->stats.interval.high * secs;
        if (progress)
            progress(i + 1, nperiods, &points[i], opaque);
    }
    return dr_wss_fit(points, nperiods, probe->ram_bytes);
}

double
dr_wss_span(const DrWss *wss)
{
    double span = 0;

    for (size_t i = 0; wss && i < wss->npoints; i++) {
        if (isfinite(wss->points[i].period_s))
            span = MAX(span, wss->points[i].period_s);
    }
    return span;
}

gboolean
dr_wss_rate(const DrWss *wss, DrEstimate *rate)
{
    const DrWssPoint *best = NULL;

    for (size_t i = 0; wss && i < wss->npoints; i++) {
        const DrWssPoint *p = &wss->points[i];
        if (!(p->period_s > 0) || p->period_s > DR_WSS_RATE_PERIOD_MAX_S ||
            !isfinite(p->dirtied_mib))
            continue;
        if (!best || p->dirtied_mib / p->period_s > best->dirtied_mib / best->period_s)
            best = p;
    }
    if (!best)
        return FALSE;
    rate->value = best->dirtied_mib / best->period_s;
    rate->low = best->dirtied.low / best->period_s;
    rate->high = best->dirtied.high / best->period_s;
    return TRUE;
}
