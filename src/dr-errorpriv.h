/*
 * dr-errorpriv.h: turning libvirt's errors into ours, for the library's
 * own modules and the programs built in this tree (not installed, not
 * exported)
 */
#pragma once

#include <libvirt/libvirt.h>

#include "dr-error.h"

G_BEGIN_DECLS


/**
 * dr_error_libvirt_last:
 * @code: (out) (optional): libvirt's error code, VIR_ERR_INTERNAL_ERROR
 *   when there is none
 *
 * Copies this thread's last libvirt error message.  Call it before any
 * other libvirt function: most of them (virDomainGetName too) reset it.
 *
 * Returns: a new string, never NULL.
 */
char *dr_error_libvirt_last(int *code);

/**
 * dr_error_set_libvirt_domain:
 * @while_doing: what was being done, translated, e.g. "reading its statistics"
 *
 * Sets @error from libvirt's last error for a call on @dom: a domain
 * that is gone or not running is DR_ERROR_NO_DOMAIN, an unsupported
 * call DR_ERROR_UNSUPPORTED, anything else DR_ERROR_LIBVIRT.  Call it
 * straight after the failed call: any libvirt call in between, even
 * virDomainGetName(), clears the last error.  Where the error does not
 * say, it waits up to 3 s for libvirt to mark a dying domain inactive.
 */
void dr_error_set_libvirt_domain(GError **error, virDomainPtr dom, const char *while_doing);

G_END_DECLS
