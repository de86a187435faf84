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

void
dr_error_set_libvirt_domain(GError **error, virDomainPtr dom, const char *while_doing)
{
    int code;
    g_autofree char *msg = dr_error_libvirt_last(&code);

    if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID ||
        virDomainIsActive(dom) != 1)
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
