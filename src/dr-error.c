/*
 * dr-error.c: the GError domain of libdirtyrate
 */
#include <config.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"

G_DEFINE_QUARK(dr-error-quark, dr_error)

char *
dr_error_libvirt_last(int *code)
{
    virErrorPtr err = virGetLastError();

    if (code)
        *code = err ? err->code : VIR_ERR_INTERNAL_ERROR;
    return g_strdup(err && err->message ? err->message : _("unknown libvirt error"));
}

/* How long a failed call waits for libvirt to mark a dying domain
 * inactive: its QEMU is gone (our call failed on it) before libvirt has
 * finished stopping it, and on a busy host that took over a second. */
#define GONE_WAIT_US (3 * G_USEC_PER_SEC)
#define GONE_POLL_US (100 * 1000)

void
dr_error_set_libvirt_domain(GError **error, virDomainPtr dom, const char *while_doing)
{
    int code;
    g_autofree char *msg = dr_error_libvirt_last(&code);
    gboolean gone = code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID;

    if (!gone && code != VIR_ERR_NO_SUPPORT && code != VIR_ERR_INVALID_ARG) {
        gint64 t0 = g_get_monotonic_time(), until = t0 + GONE_WAIT_US;
        int active;
        while ((active = virDomainIsActive(dom)) == 1 && g_get_monotonic_time() < until)
            g_usleep(GONE_POLL_US);
        gone = active != 1;
        g_debug("libvirt error %d while %s; after %.1f s the domain is %s",
                code, while_doing, (double)(g_get_monotonic_time() - t0) / 1e6,
                active == 1 ? "still active" : active == 0 ? "inactive" : "unknown");
    }
    if (gone)
        g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                    _("Domain '%1$s' stopped or went away while %2$s: %3$s"),
                    virDomainGetName(dom), while_doing, msg);
    else if (code == VIR_ERR_NO_SUPPORT)
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("libvirt cannot do this for domain '%1$s' while %2$s: %3$s"),
                    virDomainGetName(dom), while_doing, msg);
    else
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("libvirt failed for domain '%1$s' while %2$s: %3$s"),
                    virDomainGetName(dom), while_doing, msg);
}
