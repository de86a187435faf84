/*
 * vdr-advise.c: what domdirtyrate-advise and domdirtyrate-migrate share:
 * their options, and one measuring pass with progress on a terminal
 */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-units.h"
#include "vdr-advise.h"
#include "vdr-domain.h"
#include "vdr-request.h"

/* --calibration: a file named must exist; the default is read where it
 * exists.  A history that cannot be read is an error either way: a
 * prediction silently made without it would differ from the daemon's. */
static gboolean
advise_calibration(const VdrCmd *cmd, DrCalibration **calibration, GError **error)
{
    const char *path = vdr_cmd_get_string(cmd, "calibration");
    g_autoptr(GError) err = NULL;

    *calibration = NULL;
    if (path && strcmp(path, "none") == 0)
        return TRUE;
    if (!path) {
        path = VDR_ADVISE_CALIBRATION_FILE;
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            g_debug("advise: no calibration history at %s; the link is taken as given", path);
            return TRUE;
        }
    } else if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Option --calibration: '%1$s' is not a file (give 'none' to predict without a history)"),
                    path);
        return FALSE;
    }
    if (!(*calibration = dr_calibration_load(path, &err))) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Option --calibration (give 'none' to predict without a history): %1$s"),
                    err->message);
        return FALSE;
    }
    g_debug("advise: calibration history %s read", path);
    return TRUE;
}

gboolean
vdr_advise_params_from_options(const VdrCmd *cmd, DrAdvisorParams *params,
                               DrCalibration **calibration, GError **error)
{
    const char *bw = vdr_cmd_get_string(cmd, "bandwidth");
    const char *dt = vdr_cmd_get_string(cmd, "downtime");
    g_autoptr(GError) err = NULL;

    dr_advisor_params_init(params);
    params->schema_dir = vdr_policy_schema_dir();
    vdr_cmd_get_uint(cmd, "max-seconds", &params->wss_max_seconds);
    if (bw) {
        uint64_t b;
        if (!dr_units_parse_bandwidth(bw, &b, &err)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Option --bandwidth: %s"),
                        err->message);
            return FALSE;
        }
        if (b == 0) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Option --bandwidth is out of range: '%s' must be above zero"), bw);
            return FALSE;
        }
        params->bandwidth = (double)b;
    }
    if (dt) {
        uint64_t ms;
        if (!dr_units_parse_duration(dt, &ms, &err)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Option --downtime: %s"),
                        err->message);
            return FALSE;
        }
        if (ms < 1 || ms > 60000) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Option --downtime is out of range: use 1ms to 1min, not %s"), dt);
            return FALSE;
        }
        params->max_downtime_ms = ms;
    }
    if (!advise_calibration(cmd, calibration, error))
        return FALSE;
    params->calibration = *calibration;
    return TRUE;
}

static void
advise_progress(const char *step, size_t done, size_t total, void *opaque)
{
    VdrProgress *p = opaque;

    if (!p->live)
        return;
    fputc('\r', p->err);
    fprintf(p->err, _("measuring %1$s: %2$zu of %3$zu done "), _(step), done, total);
    fputs("\033[K", p->err);
    fflush(p->err);
}

DrAdvisorResult *
vdr_advise_run(VdrControl *ctl, virDomainPtr dom, const DrAdvisorParams *params,
               gboolean quiet, GCancellable *cancellable, GError **error)
{
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrMeasurePlan) plan = NULL;
    g_autoptr(DrPolicy) policy = NULL;
    DrDirtyRateRequest req;
    VdrProgress prog = { ctl->err, FALSE };
    DrAdvisorResult *r;

    /* Page sampling over 1 s periods, through QMP only where the policy
     * allows it. */
    if (!(policy = dr_policy_load(dom, VIR_DOMAIN_AFFECT_LIVE, params->schema_dir, error)))
        return NULL;
    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    req.period_ms = 1000;
    req.forbid_qmp = strcmp(dr_policy_get_effective(policy, "measure.qmp", NULL), "allow") != 0;
    if (!(plan = dr_measurer_plan(m, dom, &req, error)))
        return NULL;
    prog.live = !quiet && !ctl->quiet && isatty(fileno(ctl->err));
    r = dr_advisor_run(plan, params, advise_progress, &prog, cancellable, error);
    if (prog.live) {
        fputs("\r\033[K", ctl->err);
        fflush(ctl->err);
    }
    return r;
}
