/*
 * vdr-cmd-dirtyrate.c: domdirtyrate, domdirtyrate-wss, domdirtyrate-caps
 */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-series.h"
#include "dr-wss.h"
#include "vdr-commands.h"
#include "vdr-domain.h"
#include "vdr-output.h"

/* The defaults of a plain 'domdirtyrate DOMAIN': twelve 2-second page
 * samples, pooled.  QEMU samples 512 pages per GiB, and one second of a
 * 10 MiB/s guest changes about 5 of them, too few for a useful number.
 * The period is 2 s because QEMU rounds each rate down to whole MiB/s
 * and its step is 2/period MiB/s: at 1 or 2 s nothing is lost, at 3 s a
 * third of a MiB/s on average.  See bench/accuracy for the table. */
#define VDR_DEFAULT_SECONDS 2
#define VDR_DEFAULT_COUNT 12

const VdrOptDef vdr_opts_dirtyrate[] = {
    { "domain", VDR_OPT_DOMAIN, VDR_OPT_FLAG_REQUIRED | VDR_OPT_FLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mode", VDR_OPT_STRING, 0,
      N_("auto, page-sampling, dirty-bitmap or dirty-ring (default auto)") },
    { "seconds", VDR_OPT_UINT, 0, N_("period of each measurement, 1 to 60 (default 2)") },
    { "milliseconds", VDR_OPT_UINT, 0,
      N_("period in milliseconds, from 50 with the QMP backend on QEMU 8.2") },
    { "sample-pages", VDR_OPT_UINT, 0,
      N_("pages sampled per GiB, 128 to 16384 (page-sampling; needs the QMP backend)") },
    { "backend", VDR_OPT_STRING, 0,
      N_("auto, native (no taint) or qmp (taints the domain) (default auto)") },
    { "no-qmp", VDR_OPT_BOOL, 0, N_("never use QMP passthrough") },
    { "count", VDR_OPT_UINT, 0, N_("measurements in the series, 1 to 1000 (default 12)") },
    { "interval", VDR_OPT_UINT, 0,
      N_("seconds from the start of one measurement to the next (default 0: back to back)") },
    { "vcpus", VDR_OPT_BOOL, 0, N_("per-vCPU rates (dirty-ring mode)") },
    { "json", VDR_OPT_BOOL, 0, N_("print a JSON document") },
    { NULL }
};

const VdrOptDef vdr_opts_wss[] = {
    { "domain", VDR_OPT_DOMAIN, VDR_OPT_FLAG_REQUIRED | VDR_OPT_FLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "max-seconds", VDR_OPT_UINT, 0,
      N_("longest period; periods double from 1 s up to it, 2 to 60 (default 8)") },
    { "repeats", VDR_OPT_UINT, 0, N_("measurements per period, 1 to 100 (default 1)") },
    { "backend", VDR_OPT_STRING, 0, N_("auto, native or qmp (default auto)") },
    { "no-qmp", VDR_OPT_BOOL, 0, N_("never use QMP passthrough") },
    { "json", VDR_OPT_BOOL, 0, N_("print a JSON document") },
    { NULL }
};

const VdrOptDef vdr_opts_caps[] = {
    { "domain", VDR_OPT_DOMAIN, VDR_OPT_FLAG_REQUIRED | VDR_OPT_FLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "json", VDR_OPT_BOOL, 0, N_("print a JSON document") },
    { NULL }
};

/* --backend, shared by the commands that take it. */
static gboolean
backend_from_option(const VdrCmd *cmd, DrDirtyRateBackend *backend, GError **error)
{
    const char *s = vdr_cmd_get_string(cmd, "backend");

    if (s && !dr_dirtyrate_backend_from_string(s, backend)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown backend '%1$s': use auto, native or qmp"), s);
        return FALSE;
    }
    return TRUE;
}

/* Fills @req from the options shared by the commands. */
static gboolean
request_from_options(const VdrCmd *cmd, DrDirtyRateRequest *req, GError **error)
{
    const char *s;
    unsigned int secs = 0;

    dr_dirtyrate_request_init(req);
    req->period_ms = VDR_DEFAULT_SECONDS * 1000;
    if ((s = vdr_cmd_get_string(cmd, "mode")) &&
        !dr_dirtyrate_mode_from_string(s, &req->mode)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown mode '%1$s': use auto, page-sampling, dirty-bitmap or dirty-ring"), s);
        return FALSE;
    }
    if (!backend_from_option(cmd, &req->backend, error))
        return FALSE;
    if (vdr_cmd_has(cmd, "seconds") && vdr_cmd_has(cmd, "milliseconds")) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Options --seconds and --milliseconds are mutually exclusive"));
        return FALSE;
    }
    if (!vdr_cmd_get_uint(cmd, "seconds", 1000000, &secs, error) ||
        !vdr_cmd_get_uint(cmd, "milliseconds", G_MAXUINT, &req->period_ms, error) ||
        !vdr_cmd_get_uint(cmd, "sample-pages", G_MAXUINT, &req->sample_pages, error))
        return FALSE;
    if (vdr_cmd_has(cmd, "seconds")) {
        if (secs < 1 || secs > 60) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("A period of %1$u seconds is out of range: use 1 to 60 seconds"), secs);
            return FALSE;
        }
        req->period_ms = secs * 1000;
    }
    if (vdr_cmd_has(cmd, "milliseconds") &&
        (req->period_ms < DR_DIRTYRATE_PERIOD_MS_MIN_QMP || req->period_ms > DR_DIRTYRATE_PERIOD_MS_MAX)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A period of %1$u ms is out of range: use 50 to 60000 ms"), req->period_ms);
        return FALSE;
    }
    req->forbid_qmp = vdr_cmd_has(cmd, "no-qmp");
    if (req->forbid_qmp && req->backend == DR_DIRTYRATE_BACKEND_QMP) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Options --no-qmp and --backend qmp contradict each other"));
        return FALSE;
    }
    return TRUE;
}

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
        if (interval_ms)
            fprintf(out, "  %-14s %zu, one every %.3g s\n", _("measurements:"), s->n,
                    interval_ms / 1000.0);
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

typedef struct {
    FILE *err;
    gboolean live;
} Progress;

static void
series_progress(size_t done, size_t total, const DrDirtyRate *last, void *opaque)
{
    Progress *p = opaque;

    if (!p->live)
        return;
    fprintf(p->err, _("\rmeasuring: %1$zu of %2$zu done, last %3$.1f MiB/s over %4$.3g s "),
            done, total, last->mib_per_s, last->period_ms / 1000.0);
    if (done == total)
        fputs("\r\033[K", p->err);
    fflush(p->err);
}

gboolean
vdr_cmd_dirtyrate(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrSeries) s = NULL;
    DrDirtyRateRequest req, resolved;
    unsigned int count = VDR_DEFAULT_COUNT, interval_s = 0;
    Progress prog = { ctl->err, FALSE };

    if (!request_from_options(cmd, &req, error) ||
        !vdr_cmd_get_uint(cmd, "count", G_MAXUINT, &count, error) ||
        !vdr_cmd_get_uint(cmd, "interval", G_MAXUINT / 1000, &interval_s, error))
        return FALSE;
    req.vcpus = vdr_cmd_has(cmd, "vcpus");
    if (count < 1 || count > 1000) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A series of %1$u measurements is out of range: use 1 to 1000"), count);
        return FALSE;
    }
    if (interval_s > 3600) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("An interval of %1$u seconds is out of range: use 0 to 3600"), interval_s);
        return FALSE;
    }
    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    /* Decide and refuse before the first measurement starts. */
    if (!dr_measurer_resolve(m, dom, &req, &resolved, error))
        return FALSE;
    prog.live = count > 1 && !ctl->quiet && !vdr_cmd_has(cmd, "json") && isatty(fileno(ctl->err));
    if (!(s = dr_series_measure(m, dom, &req, count, interval_s * 1000, series_progress, &prog,
                                NULL, error)))
        return FALSE;
    if (vdr_cmd_has(cmd, "json"))
        print_series_json(ctl->out, virDomainGetName(dom), s, interval_s * 1000);
    else
        print_series(ctl->out, virDomainGetName(dom), s, interval_s * 1000);
    return TRUE;
}

static void
wss_progress(size_t done, size_t total, const DrWssPoint *last, void *opaque)
{
    Progress *p = opaque;

    if (!p->live)
        return;
    fprintf(p->err, _("\rmeasuring: period %1$zu of %2$zu done (%3$.3g s: %4$.1f MiB dirtied) "),
            done, total, last->period_s, last->dirtied_mib);
    if (done == total)
        fputs("\r\033[K", p->err);
    fflush(p->err);
}

gboolean
vdr_cmd_wss(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrWss) w = NULL;
    DrDirtyRateRequest req, resolved;
    unsigned int max_s = 8, repeats = 1, periods[8];
    size_t n = 0;
    Progress prog = { ctl->err, FALSE };

    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    req.period_ms = 1000;
    req.forbid_qmp = vdr_cmd_has(cmd, "no-qmp");
    if (!backend_from_option(cmd, &req.backend, error))
        return FALSE;
    if (!vdr_cmd_get_uint(cmd, "max-seconds", G_MAXUINT, &max_s, error) ||
        !vdr_cmd_get_uint(cmd, "repeats", G_MAXUINT, &repeats, error))
        return FALSE;
    if (max_s < 2 || max_s > 60) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A longest period of %1$u seconds is out of range: use 2 to 60"), max_s);
        return FALSE;
    }
    if (repeats < 1 || repeats > 100) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("%1$u repeats per period is out of range: use 1 to 100"), repeats);
        return FALSE;
    }
    for (unsigned int p = 1; p < max_s; p *= 2)
        periods[n++] = p * 1000;
    periods[n++] = max_s * 1000;

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)) ||
        !dr_measurer_resolve(m, dom, &req, &resolved, error))
        return FALSE;
    prog.live = !ctl->quiet && !vdr_cmd_has(cmd, "json") && isatty(fileno(ctl->err));
    if (!(w = dr_wss_measure(m, dom, &req, periods, n, repeats, wss_progress, &prog, NULL, error)))
        return FALSE;

    if (vdr_cmd_has(cmd, "json")) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, virDomainGetName(dom));
        vdr_json_add_int(b, "ram_bytes", (gint64)w->ram_bytes);
        vdr_json_add_double(b, "wss_mib", w->wss_mib);
        vdr_json_add_double(b, "new_mib_per_s", w->new_mib_per_s);
        json_builder_set_member_name(b, "model");
        json_builder_add_string_value(b, dr_wss_model_to_string(w->model));
        json_builder_set_member_name(b, "saturated");
        json_builder_add_boolean_value(b, w->saturated);
        json_builder_set_member_name(b, "curve");
        json_builder_begin_array(b);
        for (size_t i = 0; i < w->npoints; i++) {
            json_builder_begin_object(b);
            vdr_json_add_double(b, "period_s", w->points[i].period_s);
            vdr_json_add_double(b, "mib_per_s", w->points[i].mib_per_s);
            vdr_json_add_estimate(b, "dirtied_mib", &w->points[i].dirtied);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        vdr_json_print(ctl->out, root);
        return TRUE;
    }
    fprintf(ctl->out, _("Domain: '%1$s'\n"), virDomainGetName(dom));
    fprintf(ctl->out, "  %-10s %-14s %s\n", _("period"), _("rate"), _("memory dirtied in the period"));
    for (size_t i = 0; i < w->npoints; i++)
        fprintf(ctl->out, "  %6.3g s   %7.1f MiB/s  %7.1f MiB (95%% CI %.1f to %.1f)\n",
                w->points[i].period_s, w->points[i].mib_per_s, w->points[i].dirtied_mib,
                w->points[i].dirtied.low, w->points[i].dirtied.high);
    if (w->saturated)
        fprintf(ctl->out, "  %-14s %.0f MiB (%s fit; the curve flattened)\n", _("working set:"),
                w->wss_mib, dr_wss_model_to_string(w->model));
    else
        fprintf(ctl->out, "  %-14s at least %.0f MiB (the curve did not flatten; try a larger --max-seconds)\n",
                _("working set:"), w->wss_mib);
    fprintf(ctl->out, "  %-14s %.1f MiB/s\n", _("new pages:"), w->new_mib_per_s);
    return TRUE;
}

static const char *
accel_name(DrProbeAccel a)
{
    switch (a) {
    case DR_PROBE_ACCEL_TCG:
        return "tcg";
    case DR_PROBE_ACCEL_KVM:
        return "kvm";
    case DR_PROBE_ACCEL_OTHER:
        break;
    }
    return "other";
}

gboolean
vdr_cmd_caps(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    const DrProbe *p;
    gboolean json = vdr_cmd_has(cmd, "json");
    g_autoptr(JsonBuilder) b = json_builder_new();

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)) ||
        !(p = dr_measurer_probe(m, dom, error)))
        return FALSE;

    if (json) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, virDomainGetName(dom));
        json_builder_set_member_name(b, "driver");
        json_builder_add_string_value(b, p->driver);
        json_builder_set_member_name(b, "accel");
        json_builder_add_string_value(b, accel_name(p->accel));
        json_builder_set_member_name(b, "dirty_ring");
        json_builder_add_boolean_value(b, p->dirty_ring);
        vdr_json_add_int(b, "libvirt_version", (gint64)p->libvirt_version);
        vdr_json_add_int(b, "hypervisor_version", (gint64)p->qemu_version);
        vdr_json_add_int(b, "ram_bytes", (gint64)p->ram_bytes);
        json_builder_set_member_name(b, "modes");
        json_builder_begin_object(b);
    } else {
        fprintf(ctl->out, _("Domain: '%1$s'\n"), virDomainGetName(dom));
        fprintf(ctl->out, "  %-16s %s, %" G_GUINT64_FORMAT " MiB, %u vCPUs, dirty ring %s\n",
                _("guest:"), p->accel == DR_PROBE_ACCEL_KVM ? "KVM" :
                p->accel == DR_PROBE_ACCEL_TCG ? "TCG" : _("other"),
                p->ram_bytes >> 20, p->nvcpus, p->dirty_ring ? _("on") : _("off"));
        fprintf(ctl->out, "  %-16s libvirt %lu.%lu.%lu, %s %lu.%lu.%lu\n", _("versions:"),
                p->libvirt_version / 1000000, (p->libvirt_version / 1000) % 1000,
                p->libvirt_version % 1000, p->driver, p->qemu_version / 1000000,
                (p->qemu_version / 1000) % 1000, p->qemu_version % 1000);
    }
    for (DrDirtyRateMode mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING; mode < DR_DIRTYRATE_MODE_LAST; mode++) {
        g_autofree char *why_native = dr_probe_mode_why_not(p, mode, DR_DIRTYRATE_BACKEND_NATIVE);
        g_autofree char *why_qmp = dr_probe_mode_why_not(p, mode, DR_DIRTYRATE_BACKEND_QMP);
        if (json) {
            json_builder_set_member_name(b, dr_dirtyrate_mode_to_string(mode));
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "native");
            json_builder_add_boolean_value(b, !why_native);
            json_builder_set_member_name(b, "qmp");
            json_builder_add_boolean_value(b, !why_qmp);
            if (why_native || why_qmp) {
                json_builder_set_member_name(b, "why_not");
                json_builder_add_string_value(b, why_native ? why_native : why_qmp);
            }
            json_builder_end_object(b);
            continue;
        }
        fprintf(ctl->out, "  %-16s native %s, qmp %s\n", dr_dirtyrate_mode_to_string(mode),
                why_native ? _("no") : _("yes"), why_qmp ? _("no") : _("yes"));
        if (why_native && why_qmp && strcmp(why_native, why_qmp) == 0)
            fprintf(ctl->out, "  %-16s   %s\n", "", why_native);
        else {
            if (why_native)
                fprintf(ctl->out, "  %-16s   native: %s\n", "", why_native);
            if (why_qmp)
                fprintf(ctl->out, "  %-16s   qmp: %s\n", "", why_qmp);
        }
    }
    if (json) {
        json_builder_end_object(b);
        json_builder_set_member_name(b, "qmp_calc_time_unit");
        json_builder_add_boolean_value(b, p->qmp_args.has_calc_time_unit);
        json_builder_set_member_name(b, "qmp_sample_pages");
        json_builder_add_boolean_value(b, p->qmp_args.has_sample_pages);
        json_builder_end_object(b);
        {
            g_autoptr(JsonNode) root = json_builder_get_root(b);
            vdr_json_print(ctl->out, root);
        }
        return TRUE;
    }
    fprintf(ctl->out, "  %-16s native: 1 to 60 s; qmp: %s\n", _("periods:"),
            p->qmp_args.has_calc_time_unit ? _("50 ms to 60 s") :
            _("1 to 60 s (from 50 ms needs QEMU 8.2)"));
    fprintf(ctl->out, "  %-16s %s\n", _("sample pages:"),
            p->qmp_args.has_sample_pages ? _("128 to 16384 per GiB, qmp only (native uses QEMU's 512)")
                                         : _("QEMU's 512 per GiB only"));
    fprintf(ctl->out, "  %-16s %s\n", _("per-vCPU rates:"),
            p->dirty_ring ? _("yes, in dirty-ring mode") : _("no (they need dirty-ring mode)"));
    fprintf(ctl->out, "  %-16s %s\n", _("taint:"),
            _("the native backend taints nothing; the qmp backend taints the domain (custom-monitor)"));
    return TRUE;
}
