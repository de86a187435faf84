/*
 * dr-status.h: what happened to a domain, kept beside its policy
 *
 * A second element in the domain's <metadata>, in its own namespace
 * (libvirt keeps one element per namespace), so any libvirt client can
 * read it with virsh metadata:
 *
 *   <status xmlns="https://virt-dirtyrate.org/xmlns/status/1">
 *     <migration time="2026-11-22T19:30:00Z" plan="xbzrle 256MiB"
 *                outcome="completed" from="src-host">
 *       <predicted converges="yes" total-ms="15600" downtime-ms="20"
 *                  bytes="648904035" rounds="5"/>
 *       <actual total-ms="17100" downtime-ms="37" bytes="603000000" rounds="6"/>
 *     </migration>
 *     ...
 *   </status>
 *
 * The newest DR_STATUS_MIGRATIONS_MAX migrations are kept.
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

G_BEGIN_DECLS

#define DR_STATUS_NS "https://virt-dirtyrate.org/xmlns/status/1"
#define DR_STATUS_PREFIX "dirtyrate-status"
#define DR_STATUS_MIGRATIONS_MAX 10

typedef struct {
    gboolean converges;
    uint64_t total_ms;
    uint64_t downtime_ms;
    uint64_t bytes;
    unsigned int rounds;
} DrStatusFigures;

typedef struct {
    GDateTime *time;          /* (nullable): now */
    const char *plan;         /* the plan's name */
    const char *outcome;      /* "completed", "failed", "aborted" */
    const char *from;         /* (nullable): the source host */
    DrStatusFigures predicted;
    gboolean have_actual;
    DrStatusFigures actual;
} DrStatusMigration;

/**
 * dr_status_add_migration:
 * @flags: VIR_DOMAIN_AFFECT_*
 *
 * Appends @m to the domain's status element (creating it), keeping the
 * newest DR_STATUS_MIGRATIONS_MAX.  A status element that cannot be
 * read is replaced.
 *
 * Returns: FALSE with @error when libvirt refuses.
 */
gboolean dr_status_add_migration(virDomainPtr dom, const DrStatusMigration *m,
                                 unsigned int flags, GError **error);

/* The status element as text with @m appended to @old (nullable). */
char *dr_status_append(const char *old, const DrStatusMigration *m);

G_END_DECLS
