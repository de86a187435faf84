/*
 * dr-measureplan.h: a resolved measurement, and running it
 *
 * A plan is what dr_measurer_plan() decided for one request on one
 * domain: the request with its backend and mode chosen, the domain's
 * probe, and for the QMP backend the one QMP channel every measurement
 * of the plan uses.  Series and working-set measurements consume a plan,
 * so a domain is probed and resolved once, however many measurements
 * follow.
 */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "dr-dirtyrate.h"
#include "dr-probe.h"
#include "dr-qmp.h"

G_BEGIN_DECLS

typedef struct _DrMeasurePlan DrMeasurePlan;

/* Takes @qmp (NULL for the native backend); refs @dom.  @probe must
 * outlive the plan.  dr_measurer_plan() is the usual way to get one. */
DrMeasurePlan *dr_measure_plan_new(virDomainPtr dom, const DrProbe *probe,
                                   const DrDirtyRateRequest *resolved, DrQmp *qmp);
void dr_measure_plan_free(DrMeasurePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrMeasurePlan, dr_measure_plan_free)

const DrDirtyRateRequest *dr_measure_plan_request(const DrMeasurePlan *plan);
const DrProbe *dr_measure_plan_probe(const DrMeasurePlan *plan);
virDomainPtr dr_measure_plan_domain(const DrMeasurePlan *plan);

/* Changes the period, resolved again against the probe (no I/O); FALSE
 * with @error when the new period would need another backend. */
gboolean dr_measure_plan_set_period(DrMeasurePlan *plan, unsigned int period_ms,
                                    GError **error);

/**
 * dr_measure_plan_run:
 *
 * One measurement.  Refused (DR_ERROR_BUSY) while the domain migrates.
 * A measurement somebody else started is waited for, never clobbered;
 * if it does not end in time, DR_ERROR_BUSY.  A domain that goes away
 * gives DR_ERROR_NO_DOMAIN; a result that does not come gives
 * DR_ERROR_TIMEOUT; a cancellation, G_IO_ERROR_CANCELLED.
 *
 * Returns: the result, or NULL with @error.
 */
DrDirtyRate *dr_measure_plan_run(DrMeasurePlan *plan, GCancellable *cancellable,
                                 GError **error);

G_END_DECLS
