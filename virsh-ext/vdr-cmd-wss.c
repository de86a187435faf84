/*
 * vdr-cmd-wss.c: domdirtyrate-wss, a domain's writable working set
 */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-wss.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"
#include "vdr-printers.h"
#include "vdr-request.h"

static const VdrOptDef opts_wss[] = {
    VDR_OPT_DEF_DOMAIN,
    { .name = "max-seconds", .type = VDR_OPT_UINT,
      .min = DR_WSS_MAX_SECONDS_MIN, .max = DR_WSS_MAX_SECONDS_MAX,
      .help = N_("longest period; periods double from 1 s up to it, 2 to 60 (default 8)") },
    { .name = "repeats", .type = VDR_OPT_UINT, .min = DR_WSS_REPEATS_MIN, .max = DR_WSS_REPEATS_MAX,
      .help = N_("measurements per period, 1 to 100 (default 1)") },
    { .name = "backend", .type = VDR_OPT_STRING, .help = N_("auto, native or qmp (default auto)") },
    { .name = "no-qmp", .type = VDR_OPT_BOOL, .help = N_("never use QMP passthrough") },
    VDR_OPT_DEF_JSON,
    { NULL }
};

static void
wss_progress(size_t done, size_t total, const DrWssPoint *last, void *opaque)
{
    VdrProgress *p = opaque;

    if (!p->live)
        return;
    fputc('\r', p->err);
    fprintf(p->err, _("measuring: period %1$zu of %2$zu done (%3$.3g s: %4$.1f MiB dirtied) "),
            done, total, last->period_s, last->dirtied_mib);
    if (done == total)
        fputs("\r\033[K", p->err);
    fflush(p->err);
}

void
vdr_wss_print(FILE *out, const char *name, const DrWss *w, gboolean json)
{
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, name);
        vdr_json_add_int(b, "ram_bytes", (gint64)w->ram_bytes);
        vdr_json_add_double(b, "wss_mib", w->wss_mib);
        vdr_json_add_double(b, "wss_low_mib", w->wss_low_mib);
        vdr_json_add_double(b, "wss_high_mib", w->wss_high_mib);
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
        vdr_json_print(out, root);
        return;
    }
    fprintf(out, _("Domain: '%1$s'\n"), name);
    fprintf(out, "  %-10s %-14s %s\n", _("period"), _("rate"), _("memory dirtied in the period"));
    for (size_t i = 0; i < w->npoints; i++)
        fprintf(out, "  %6.3g s   %7.1f MiB/s  %7.1f MiB (95%% CI %.1f to %.1f)\n",
                w->points[i].period_s, w->points[i].mib_per_s, w->points[i].dirtied_mib,
                w->points[i].dirtied.low, w->points[i].dirtied.high);
    fprintf(out, "  %-14s ", _("working set:"));
    if (w->saturated)
        fprintf(out, _("%1$.0f MiB (95%% CI %2$.0f to %3$.0f; %4$s fit; the curve flattened)\n"),
                w->wss_mib, w->wss_low_mib, w->wss_high_mib, dr_wss_model_to_string(w->model));
    else
        /* The fit's W may lie anywhere above what the data bound. */
        fprintf(out, _("at least %1$.0f MiB (the curve did not flatten; try a larger --max-seconds)\n"),
                w->wss_low_mib);
    fprintf(out, "  %-14s %.1f MiB/s\n", _("new pages:"), w->new_mib_per_s);
}

static gboolean
cmd_wss(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrMeasurePlan) plan = NULL;
    g_autoptr(DrWss) w = NULL;
    DrDirtyRateRequest req;
    unsigned int max_s = DR_WSS_MAX_SECONDS_DEFAULT, repeats = 1, periods[DR_WSS_PERIODS_MAX];
    size_t n = 0;
    VdrProgress prog = { ctl->err, FALSE };

    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    req.period_ms = 1000;
    req.forbid_qmp = vdr_cmd_has(cmd, "no-qmp");
    if (!vdr_request_backend_from_option(cmd, &req.backend, error))
        return FALSE;
    vdr_cmd_get_uint(cmd, "max-seconds", &max_s);
    vdr_cmd_get_uint(cmd, "repeats", &repeats);
    for (unsigned int p = 1; p < max_s; p *= 2)
        periods[n++] = p * 1000;
    periods[n++] = max_s * 1000;

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)) ||
        !(plan = dr_measurer_plan(m, dom, &req, error)))
        return FALSE;
    prog.live = !ctl->quiet && !vdr_cmd_has(cmd, "json") && isatty(fileno(ctl->err));
    if (!(w = dr_wss_measure(plan, periods, n, repeats, wss_progress, &prog, NULL, error)))
        return FALSE;

    vdr_wss_print(ctl->out, virDomainGetName(dom), w, vdr_cmd_has(cmd, "json"));
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_wss = {
    .name = "domdirtyrate-wss",
    .summary = N_("estimate a domain's writable working set"),
    .description = N_("Measures page sampling over doubling periods (1, 2, 4, ... seconds) and\n"
                      "fits the memory dirtied against the period: the curve rises at the rate\n"
                      "new pages are dirtied and flattens at the writable working set, which is\n"
                      "what an XBZRLE cache must hold.  Prints the estimate and the curve."),
    .opts = opts_wss,
    .handler = cmd_wss,
    .conn = VDR_CONN_READWRITE,
};
