/*
 * dr-qmp.h: QMP commands over a transport, with checked replies
 *
 * The transport is virDomainQemuMonitorCommand for a domain (which
 * taints it), or, in unit tests, a replay of a recorded conversation.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* Sends @command_json; returns QEMU's reply text, or NULL with @error. */
typedef char *(*DrQmpTransportFunc)(const char *command_json, void *opaque,
                                    GError **error);

typedef struct _DrQmp DrQmp;

DrQmp *dr_qmp_new(DrQmpTransportFunc transport, void *opaque,
                  GDestroyNotify opaque_free);
/* QMP passthrough to @dom through libvirt-qemu.  Every command taints
 * the domain (custom-monitor). */
DrQmp *dr_qmp_new_for_domain(virDomainPtr dom);
void dr_qmp_free(DrQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrQmp, dr_qmp_free)

/**
 * dr_qmp_execute:
 * @command: e.g. "query-dirty-rate"
 * @arguments: (nullable): its arguments
 *
 * Returns: the reply's "return" member (a new reference), or NULL with
 * @error: DR_ERROR_PROTOCOL for a reply that is not a QMP reply,
 * DR_ERROR_FAILED with QEMU's description for an error reply.
 */
JsonNode *dr_qmp_execute(DrQmp *qmp, const char *command, JsonObject *arguments,
                         GError **error);

G_END_DECLS
