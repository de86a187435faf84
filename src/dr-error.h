/*
 * dr-error.h: the GError domain of libdirtyrate
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

#define DR_ERROR dr_error_quark()

/**
 * DrErrorCode:
 * Every error the library reports is in the DR_ERROR domain with one of
 * these codes; the message is a whole translated sentence.
 */
typedef enum {
    DR_ERROR_FAILED,        /* anything not listed below */
    DR_ERROR_INVALID_ARG,   /* an option out of range, a bad unit */
    DR_ERROR_UNSUPPORTED,   /* this domain, QEMU or libvirt cannot do it */
    DR_ERROR_BUSY,          /* a measurement or migration is in progress */
    DR_ERROR_NO_DOMAIN,     /* the domain does not exist or went away */
    DR_ERROR_LIBVIRT,       /* libvirt reported an error */
    DR_ERROR_PROTOCOL,      /* QEMU or libvirt replied with malformed data */
    DR_ERROR_TIMEOUT,       /* a result did not arrive in time */
    DR_ERROR_XML,           /* malformed or invalid XML */
    DR_ERROR_CANCELLED,     /* the caller cancelled */
    DR_ERROR_STORED_POLICY, /* the policy stored in a domain is invalid */
} DrErrorCode;

GQuark dr_error_quark(void);

G_END_DECLS

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
 * call DR_ERROR_UNSUPPORTED, anything else DR_ERROR_LIBVIRT.
 */
void dr_error_set_libvirt_domain(GError **error, virDomainPtr dom, const char *while_doing);

G_END_DECLS
