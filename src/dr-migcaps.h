/*
 * dr-migcaps.h: what a migration between two hosts can use
 *
 * Read from libvirt without touching QEMU's monitor, so nothing is
 * tainted: each end's libvirt and hypervisor versions, and the domain's
 * XML.  Each answer says where it came from.
 *
 *   XBZRLE, auto-converge          QEMU >= 1.6, libvirt >= 1.0.3
 *   postcopy                       QEMU >= 2.6, libvirt >= 1.3.3 (the
 *                                  destination may still refuse it at
 *                                  run time, e.g. without userfaultfd)
 *   multifd (parallel)             QEMU >= 4.0, libvirt >= 5.2
 *   multifd with zlib or zstd      libvirt >= 9.4 (9.0 refuses them:
 *                                  "Unsupported compression method")
 *   dirty-limit                    QEMU >= 8.1 on KVM with the dirty
 *                                  ring; libvirt has no API for it
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "dr-migsim.h"

G_BEGIN_DECLS

/* One end: versions as libvirt encodes them (major * 1000000 +
 * minor * 1000 + micro). */
typedef struct {
    unsigned long lib_version;
    unsigned long hv_version;
} DrMigCapsEnd;

/**
 * dr_mig_caps_compute:
 * @src: the source's versions
 * @dst: (nullable): the destination's; NULL when not known, and then
 *   the source's stand for both
 * @domain_xml: (nullable): the domain's live XML, for KVM and its dirty ring
 * @notes: (out) (optional): a NULL-terminated list of lines, one per
 *   capability, saying what it rests on
 *
 * Returns: the DrMigCaps both ends support.
 */
unsigned int dr_mig_caps_compute(const DrMigCapsEnd *src, const DrMigCapsEnd *dst,
                                 const char *domain_xml, char ***notes);

/* How the source's QEMU sets multifd against the bandwidth limit, from
 * the DR_MIG_CAP_MULTIFD_COUNTS_SENT of @caps. */
DrMigMultifdAccounting dr_mig_caps_multifd_accounting(unsigned int caps);

/**
 * dr_mig_caps_probe:
 * @dom: the domain, on the source
 * @dest: (nullable): a connection to the destination
 *
 * Reads the versions from libvirt and calls dr_mig_caps_compute().
 *
 * Returns: TRUE, or FALSE with @error when libvirt does not answer.
 */
gboolean dr_mig_caps_probe(virDomainPtr dom, virConnectPtr dest, unsigned int *caps,
                           char ***notes, GError **error);

G_END_DECLS
