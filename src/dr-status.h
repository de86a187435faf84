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
 * The newest DR_STATUS_MIGRATIONS_MAX migrations are kept.  The daemon
 * adds, first, its latest measurement and the advice made from it:
 *
 *     <measurement time="..." dirty-rate="8388608" dirty-rate-low="..."
 *                  dirty-rate-high="..." working-set="..." working-set-low="..."
 *                  working-set-high="..." model="exponential"
 *                  xbzrle-ratio="6.2" changed="0.31">
 *       <advice plan="xbzrle 256MiB" bandwidth="41943040" converges="yes"
 *               total-ms="15600" downtime-ms="20" bytes="648904035" rounds="5"/>
 *     </measurement>
 *
 * which each new one replaces.  schemas/status.rng is the grammar.
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "dr-migsim.h"

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
    const char *const *actions; /* (nullable): NULL-terminated, what steering did */
} DrStatusMigration;

/* The daemon's latest numbers for a domain; NAN (or NULL) where not known. */
typedef struct {
    GDateTime *time;          /* (nullable): now */
    double dirty_rate;        /* bytes/s */
    double dirty_rate_low;    /* its 95% interval */
    double dirty_rate_high;
    double wss_bytes;         /* the writable working set */
    double wss_low_bytes;     /* its 95% interval; the high end is RAM */
    double wss_high_bytes;    /* where the curve did not flatten */
    const char *wss_model;    /* dr_wss_model_to_string() */
    double xbzrle_ratio;      /* page bytes / XBZRLE bytes */
    double changed;           /* share of sampled pages that changed */
    const char *plan;         /* (nullable): no advice */
    double bandwidth;         /* bytes/s the advice assumed */
    DrStatusFigures predicted;
    /* (nullable): what the daemon set up for a plain `virsh migrate
     * --compressed` (XBZRLE at the cache it set), when that is not the
     * plan itself, with its prediction: the advice's <prepared> */
    const char *prepared_plan;
    DrStatusFigures prepared;
} DrStatusMeasurement;

/* @p's figures as the status element keeps them (milliseconds). */
void dr_status_figures_from_prediction(DrStatusFigures *f, const DrMigPrediction *p);

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

/* The status element as text with @m in place of @old's measurement. */
char *dr_status_set_measurement(const char *old, const DrStatusMeasurement *m);

/**
 * dr_status_publish_measurement:
 * @flags: VIR_DOMAIN_AFFECT_*
 *
 * Puts @m in the domain's status element, keeping its migrations.
 *
 * Returns: FALSE with @error when libvirt refuses.
 */
/* The advice of @xml's measurement (a status element, as libvirt returns
 * it): its plan's name and predicted figures.  FALSE, with *plan NULL,
 * when there is none or it is malformed. */
gboolean dr_status_read_advice(const char *xml, char **plan, DrStatusFigures *predicted);
/* Likewise for the setting the daemon prepared beside the advice. */
gboolean dr_status_read_prepared(const char *xml, char **plan, DrStatusFigures *predicted);

gboolean dr_status_publish_measurement(virDomainPtr dom, const DrStatusMeasurement *m,
                                       unsigned int flags, GError **error);

G_END_DECLS
