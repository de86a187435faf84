/*
 * dr-error.c: the GError domain of libdirtyrate
 */
#include <config.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"

G_DEFINE_QUARK(dr-error-quark, dr_error)

char *
dr_error_libvirt_last(int *code)
{
    virErrorPtr err = virGetLastError();

    if (code)
        *code = err ? err->code : VIR_ERR_INTERNAL_ERROR;
    return g_strdup(err && err->message ? err->message : _("unknown libvirt error"));
}
