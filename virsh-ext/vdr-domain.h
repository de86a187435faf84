/*
 * vdr-domain.h: finding a domain the way virsh does
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* Looks @name up as an ID, then a UUID, then a name.  Returns a
 * reference, or NULL with @error saying what was tried. */
virDomainPtr vdr_domain_lookup(virConnectPtr conn, const char *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
