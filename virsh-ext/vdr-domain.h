/*
 * vdr-domain.h: finding a domain the way virsh does
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "vdr-command.h"

/* Looks @name up as an ID, then a UUID, then a name, on ctl->conn,
 * which it opens (read-only if ctl->want_readonly or -r) when needed.  Returns a
 * reference, or NULL with @error saying what was tried. */
virDomainPtr vdr_domain_lookup(VdrControl *ctl, const char *name, GError **error);

/* The policy schema's directory: $DR_SCHEMA_DIR, else the source
 * tree's when this program runs from the build tree, else NULL (the
 * installed one). */
const char *vdr_policy_schema_dir(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

static inline void
vdr_connect_close(virConnectPtr conn)
{
    virConnectClose(conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, vdr_connect_close)
