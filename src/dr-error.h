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
