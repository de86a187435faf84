/*
 * dr-steerapply.c: what the steering rules ask, done through libvirt
 *
 * See dr_steer_apply() in dr-steer.h.  Kept apart from dr-steer.c, which
 * is plain state fed plain data and calls nothing.
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-steer.h"

gboolean
dr_steer_apply(virDomainPtr dom, const DrSteerAction *action, GError **error)
{
    int rc = -1;

    switch (action->kind) {
    case DR_STEER_ACTION_GROW_CACHE:
        rc = virDomainMigrateSetCompressionCache(dom, action->value, 0);
        break;
    case DR_STEER_ACTION_RAISE_DOWNTIME:
        rc = virDomainMigrateSetMaxDowntime(dom, action->value, 0);
        break;
    case DR_STEER_ACTION_POSTCOPY:
        rc = virDomainMigrateStartPostCopy(dom, 0);
        break;
    case DR_STEER_ACTION_SUSPEND:
        rc = virDomainSuspend(dom);
        break;
    case DR_STEER_ACTION_ABORT:
        rc = virDomainAbortJob(dom);
        break;
    case DR_STEER_ACTION_CACHE_KEPT:
        return TRUE; /* nothing to do: said so */
    case DR_STEER_ACTION_NONE:
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("No steering action to carry out"));
        return FALSE;
    }
    if (rc < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT, _("Steering domain '%1$s' failed: %2$s"),
                    virDomainGetName(dom), msg);
        return FALSE;
    }
    return TRUE;
}
