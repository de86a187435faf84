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
#include "dr-probe.h"

G_BEGIN_DECLS

typedef struct _DrMeasurer DrMeasurer;

DrMeasurer *dr_measurer_new(void);
void dr_measurer_free(DrMeasurer *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrMeasurer, dr_measurer_free)

/* The cached probe of @dom (probed on first use); owned by @m. */
const DrProbe *dr_measurer_probe(DrMeasurer *m, virDomainPtr dom, GError **error);

/* dr_probe_resolve() against @dom's probe; reads QEMU's schema when the
 * QMP backend is chosen. */
gboolean dr_measurer_resolve(DrMeasurer *m, virDomainPtr dom,
                             const DrDirtyRateRequest *req,
                             DrDirtyRateRequest *out, GError **error);

/**
 * dr_measurer_measure:
 *
 * One measurement.  Refused (DR_ERROR_BUSY) while the domain migrates.
 * A measurement somebody else started is waited for, never clobbered;
 * if it does not end in time, DR_ERROR_BUSY.  A domain that goes away
 * gives DR_ERROR_NO_DOMAIN; a result that does not come gives
 * DR_ERROR_TIMEOUT.
 *
 * Returns: the result, or NULL with @error.
 */
DrDirtyRate *dr_measurer_measure(DrMeasurer *m, virDomainPtr dom,
                                 const DrDirtyRateRequest *req,
                                 GCancellable *cancellable, GError **error);

/* Returns: TRUE if @dom has a migration job; FALSE with @error unset if
 * not; FALSE with @error if that cannot be told. */
gboolean dr_measurer_domain_migrating(virDomainPtr dom, GError **error);

G_END_DECLS
