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

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
