/*
 * vdr-request.c: the measurement options that domdirtyrate and
 * domdirtyrate-wss share
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "vdr-request.h"

static const char *const period_options[] = { "seconds", "milliseconds", NULL };

/* --backend, shared by the commands that take it. */
gboolean
vdr_request_backend_from_option(const VdrCmd *cmd, DrDirtyRateBackend *backend, GError **error)
{
    const char *s = vdr_cmd_get_string(cmd, "backend");

    if (s && !dr_dirtyrate_backend_from_string(s, backend)) {
        g_autofree char *list = g_strjoinv(", ", (char **)dr_dirtyrate_backend_names);
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown backend '%1$s': use one of %2$s"), s, list);
        return FALSE;
    }
    return TRUE;
}

/* Fills @req from the options shared by the commands. */
gboolean
vdr_request_from_options(const VdrCmd *cmd, DrDirtyRateRequest *req, GError **error)
{
    const char *s;
    unsigned int secs = 0;

    dr_dirtyrate_request_init(req);
    req->period_ms = DR_DIRTYRATE_PERIOD_MS_DEFAULT;
    if ((s = vdr_cmd_get_string(cmd, "mode")) &&
        !dr_dirtyrate_mode_from_string(s, &req->mode)) {
        g_autofree char *list = g_strjoinv(", ", (char **)dr_dirtyrate_mode_names);
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown mode '%1$s': use one of %2$s"), s, list);
        return FALSE;
    }
    if (!vdr_request_backend_from_option(cmd, &req->backend, error))
        return FALSE;
    if (!vdr_cmd_check_exclusive(cmd, period_options, error))
        return FALSE;
    /* The ranges were checked with the command line (the options'
     * .min and .max, from dr-dirtyrate.h). */
    vdr_cmd_get_uint(cmd, "milliseconds", &req->period_ms);
    vdr_cmd_get_uint(cmd, "sample-pages", &req->sample_pages);
    if (vdr_cmd_has(cmd, "seconds")) {
        vdr_cmd_get_uint(cmd, "seconds", &secs);
        req->period_ms = secs * 1000;
    }
    req->forbid_qmp = vdr_cmd_has(cmd, "no-qmp");
    if (req->forbid_qmp && req->backend == DR_DIRTYRATE_BACKEND_QMP) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Options --no-qmp and --backend qmp contradict each other"));
        return FALSE;
    }
    return TRUE;
}
