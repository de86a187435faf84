/*
 * vdr-cmd-dirtyrate.c: domdirtyrate, a domain's dirty rate as a series
 */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-series.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"
#include "vdr-printers.h"
#include "vdr-request.h"

/* The defaults of a plain 'domdirtyrate DOMAIN': twelve 2-second page
 * samples (DR_DIRTYRATE_PERIOD_MS_DEFAULT), pooled.  QEMU samples 512
 * pages per GiB, and one second of a 10 MiB/s guest changes about 5 of
 * them, too few for a useful number.  The period is 2 s because QEMU
 * rounds each rate down to whole MiB/s and its step is 2/period MiB/s:
 * at 1 or 2 s nothing is lost, at 3 s a third of a MiB/s on average.
 * See bench/accuracy for the table. */
#define VDR_DEFAULT_COUNT 12

static const VdrOptDef opts_dirtyrate[] = {
    VDR_OPT_DEF_DOMAIN,
    { .name = "mode", .type = VDR_OPT_STRING,
      .help = N_("auto, page-sampling, dirty-bitmap or dirty-ring (default auto)") },
    { .name = "seconds", .type = VDR_OPT_UINT,
      .min = DR_DIRTYRATE_PERIOD_MS_MIN / 1000, .max = DR_DIRTYRATE_PERIOD_MS_MAX / 1000,
      .help = N_("period of each measurement, 1 to 60 (default 2)") },
    { .name = "milliseconds", .type = VDR_OPT_UINT,
      .min = DR_DIRTYRATE_PERIOD_MS_MIN_QMP, .max = DR_DIRTYRATE_PERIOD_MS_MAX,
      .help = N_("period in milliseconds, 50 to 60000; under 1000 needs the QMP backend and QEMU 8.2") },
    { .name = "sample-pages", .type = VDR_OPT_UINT,
      .min = DR_DIRTYRATE_SAMPLE_PAGES_MIN, .max = DR_DIRTYRATE_SAMPLE_PAGES_MAX,
      .help = N_("pages sampled per GiB, 128 to 16384 (page-sampling; needs the QMP backend)") },
    { .name = "backend", .type = VDR_OPT_STRING,
      .help = N_("auto, native (no taint) or qmp (taints the domain) (default auto)") },
    { .name = "no-qmp", .type = VDR_OPT_BOOL, .help = N_("never use QMP passthrough") },
    { .name = "count", .type = VDR_OPT_UINT, .min = DR_SERIES_COUNT_MIN, .max = DR_SERIES_COUNT_MAX,
      .help = N_("measurements in the series, 1 to 1000 (default 12)") },
    { .name = "interval", .type = VDR_OPT_UINT, .min = 0, .max = DR_SERIES_INTERVAL_MS_MAX / 1000,
      .help = N_("seconds from the start of one measurement to the next, 0 to 3600 (default 0: back to back)") },
    { .name = "vcpus", .type = VDR_OPT_BOOL, .help = N_("per-vCPU rates (dirty-ring mode)") },
    VDR_OPT_DEF_JSON,
    { NULL }
};

static void
add_rate_json(JsonBuilder *b, const DrDirtyRate *r, double t)
{
    json_builder_begin_object(b);
    vdr_json_add_double(b, "t_s", t);
    vdr_json_add_int(b, "start_time", r->start_time);
    vdr_json_add_int(b, "period_ms", r->period_ms);
    vdr_json_add_double(b, "mib_per_s", r->mib_per_s);
    vdr_json_add_estimate(b, "interval", &r->interval);
    json_builder_set_member_name(b, "vcpus");
    json_builder_begin_array(b);
    for (size_t i = 0; i < r->nvcpus; i++) {
        json_builder_begin_object(b);
        vdr_json_add_int(b, "id", r->vcpus[i].id);
        vdr_json_add_double(b, "mib_per_s", r->vcpus[i].mib_per_s);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void
print_series_json(FILE *out, const char *name, const DrSeries *s, unsigned int interval_ms)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    const DrDirtyRate *a = s->items[0];

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "mode");
    json_builder_add_string_value(b, dr_dirtyrate_mode_to_string(a->mode));
    json_builder_set_member_name(b, "backend");
    json_builder_add_string_value(b, dr_dirtyrate_backend_to_string(a->backend));
    vdr_json_add_int(b, "period_ms", a->period_ms);
    vdr_json_add_int(b, "sample_pages", a->sample_pages);
    vdr_json_add_int(b, "ram_bytes", (gint64)a->ram_bytes);
    vdr_json_add_int(b, "count", (gint64)s->n);
    vdr_json_add_int(b, "interval_ms", interval_ms);
    json_builder_set_member_name(b, "measurements");
    json_builder_begin_array(b);
    for (size_t i = 0; i < s->n; i++)
        add_rate_json(b, s->items[i], s->t[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "summary");
    json_builder_begin_object(b);
    vdr_json_add_double(b, "mean", s->stats.mean);
    vdr_json_add_double(b, "median", s->stats.median);
    vdr_json_add_double(b, "p95", s->stats.p95);
    vdr_json_add_double(b, "stddev", s->stats.stddev);
    vdr_json_add_double(b, "trend_mib_per_s_per_min", s->stats.trend_per_min);
    vdr_json_add_estimate(b, "interval", &s->stats.interval);
    json_builder_end_object(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    vdr_json_print(out, root);
}

static void
print_series(FILE *out, const char *name, const DrSeries *s, unsigned int interval_ms)
{
    const DrDirtyRate *a = s->items[0];
    double secs = a->period_ms / 1000.0;

    fprintf(out, _("Domain: '%1$s'\n"), name);
    fprintf(out, "  %-14s %s (%s)\n", _("mode:"), dr_dirtyrate_mode_to_string(a->mode),
            a->backend == DR_DIRTYRATE_BACKEND_NATIVE ?
            _("native backend: taints nothing") : _("QMP backend: taints the domain"));
    if (a->sample_pages)
        fprintf(out, "  %-14s %.3g s, %u sample pages per GiB\n", _("period:"), secs,
                a->sample_pages);
    else
        fprintf(out, "  %-14s %.3g s\n", _("period:"), secs);
    if (s->n > 1) {
        if (interval_ms) {
            /* Measurements that take longer than the interval cannot
             * keep it: say what was achieved. */
            double achieved = s->t[s->n - 1] / (double)(s->n - 1);
            fprintf(out, "  %-14s %zu, one every %.3g s\n", _("measurements:"), s->n,
                    interval_ms / 1000.0);
            if (achieved > interval_ms / 1000.0 * VDR_INTERVAL_SLACK)
                fprintf(out, _("  %1$-14s one every %2$.3g s was achieved: each measurement took longer than the interval\n"),
                        "", achieved);
        }
        else
            fprintf(out, "  %-14s %zu, back to back\n", _("measurements:"), s->n);
        for (size_t i = 0; i < s->n; i++)
            fprintf(out, "    #%-3zu at %6.1f s: %8.1f MiB/s over %.3g s\n", i + 1, s->t[i],
                    s->items[i]->mib_per_s, s->items[i]->period_ms / 1000.0);
        fprintf(out, "  %-14s %.1f MiB/s over %zu x %.3g s (95%% CI %.1f to %.1f MiB/s)\n",
                _("rate:"), s->stats.mean, s->n, secs, s->stats.interval.low,
                s->stats.interval.high);
        fprintf(out, "  %-14s median %.1f, p95 %.1f, stddev %.1f MiB/s; trend %+.1f MiB/s per minute\n",
                _("spread:"), s->stats.median, s->stats.p95, s->stats.stddev,
                s->stats.trend_per_min);
    } else {
        fprintf(out, "  %-14s %.1f MiB/s over %.3g s (95%% CI %.1f to %.1f MiB/s)\n",
                _("rate:"), a->mib_per_s, secs, a->interval.low, a->interval.high);
    }
    for (size_t i = 0; i < s->n; i++) {
        for (size_t v = 0; v < s->items[i]->nvcpus; v++)
            fprintf(out, "  vcpu.%d (#%zu): %.1f MiB/s over %.3g s\n",
                    s->items[i]->vcpus[v].id, i + 1, s->items[i]->vcpus[v].mib_per_s,
                    s->items[i]->period_ms / 1000.0);
    }
}

void
vdr_dirtyrate_print(FILE *out, const char *name, const DrSeries *s, unsigned int interval_ms,
                    gboolean json)
{
    if (json)
        print_series_json(out, name, s, interval_ms);
    else
        print_series(out, name, s, interval_ms);
}

static void
series_progress(size_t done, size_t total, const DrDirtyRate *last, void *opaque)
{
    VdrProgress *p = opaque;

    if (!p->live)
        return;
    fputc('\r', p->err);
    fprintf(p->err, _("measuring: %1$zu of %2$zu done, last %3$.1f MiB/s over %4$.3g s "),
            done, total, last->mib_per_s, last->period_ms / 1000.0);
    if (done == total)
        fputs("\r\033[K", p->err);
    fflush(p->err);
}

static gboolean
cmd_dirtyrate(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrMeasurePlan) plan = NULL;
    g_autoptr(DrSeries) s = NULL;
    DrDirtyRateRequest req;
    unsigned int count = VDR_DEFAULT_COUNT, interval_s = 0;
    VdrProgress prog = { ctl->err, FALSE };

    if (!vdr_request_from_options(cmd, &req, error))
        return FALSE;
    vdr_cmd_get_uint(cmd, "count", &count);
    vdr_cmd_get_uint(cmd, "interval", &interval_s);
    req.vcpus = vdr_cmd_has(cmd, "vcpus");
    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    /* Decide and refuse before the first measurement starts. */
    if (!(plan = dr_measurer_plan(m, dom, &req, error)))
        return FALSE;
    prog.live = count > 1 && !ctl->quiet && !vdr_cmd_has(cmd, "json") && isatty(fileno(ctl->err));
    if (!(s = dr_series_measure(plan, count, interval_s * 1000, series_progress, &prog,
                                NULL, error)))
        return FALSE;
    if (vdr_cmd_has(cmd, "json"))
        vdr_dirtyrate_print(ctl->out, virDomainGetName(dom), s, interval_s * 1000, TRUE);
    else
        vdr_dirtyrate_print(ctl->out, virDomainGetName(dom), s, interval_s * 1000, FALSE);
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_dirtyrate = {
    .name = "domdirtyrate",
    .summary = N_("measure a domain's dirty rate"),
    .description = N_("Measures how fast the guest dirties its memory, in any mode QEMU offers,\n"
                      "as a series with its mean, median, p95, spread and trend.  The default\n"
                      "(twelve 2-second page samples) uses libvirt's own API and taints nothing;\n"
                      "what only QMP offers (sample pages, sub-second periods) uses QMP\n"
                      "passthrough, which taints the domain.  Modes the domain cannot serve are\n"
                      "refused before anything reaches QEMU; see domdirtyrate-caps.\n"
                      "\n"
                      "Needs a read-write connection: it starts a measurement."),
    .opts = opts_dirtyrate,
    .handler = cmd_dirtyrate,
    .conn = VDR_CONN_READWRITE,
};
