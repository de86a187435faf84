/*
 * dr-measurer.h: dirty-rate measurements of libvirt domains
 *
 * A DrMeasurer holds what outlives one measurement: the probe of each
 * domain it has seen (by UUID), so that a daemon probes once.  It has
 * no global state; use one per thread.
 */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "dr-dirtyrate.h"
#include "dr-measureplan.h"
#include "dr-probe.h"

G_BEGIN_DECLS

typedef struct _DrMeasurer DrMeasurer;

DrMeasurer *dr_measurer_new(void);
void dr_measurer_free(DrMeasurer *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrMeasurer, dr_measurer_free)

/* The cached probe of @dom (probed on first use); owned by @m. */
const DrProbe *dr_measurer_probe(DrMeasurer *m, virDomainPtr dom, GError **error);

/* Probes @dom (once per measurer), resolves @req against the probe and,
 * for the QMP backend, reads QEMU's schema and opens the one channel
 * the plan keeps.  Returns: the plan, or NULL with @error saying why the
 * request cannot be served (nothing has reached QEMU then but, for the
 * QMP backend, query-qmp-schema). */
DrMeasurePlan *dr_measurer_plan(DrMeasurer *m, virDomainPtr dom,
                                const DrDirtyRateRequest *req, GError **error);

G_END_DECLS
