/*
 * dr-measurer.c: dirty-rate measurements of libvirt domains
 *
 * The measurer keeps each domain's probe; dr_measurer_plan() resolves a
 * request against it into a plan (dr-measureplan.c), which runs the
 * measurements.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-measurer.h"

struct _DrMeasurer {
    GHashTable *probes; /* UUID string -> DrProbe */
};

DrMeasurer *
dr_measurer_new(void)
{
    DrMeasurer *m = g_new0(DrMeasurer, 1);

    m->probes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)dr_probe_free);
    return m;
}

void
dr_measurer_free(DrMeasurer *m)
{
    if (!m)
        return;
    g_hash_table_unref(m->probes);
    g_free(m);
}

/* The cached probe, which the measurer owns and may complete (with
 * QEMU's QMP schema). */
static DrProbe *
probe_of(DrMeasurer *m, virDomainPtr dom, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    DrProbe *p;

    if (virDomainGetUUIDString(dom, uuid) < 0) {
        dr_error_set_libvirt_domain(error, dom, _("probing it"));
        return NULL;
    }
    if ((p = g_hash_table_lookup(m->probes, uuid)))
        return p;
    if (!(p = dr_probe_new(dom, error)))
        return NULL;
    g_hash_table_insert(m->probes, g_strdup(uuid), p);
    return p;
}

const DrProbe *
dr_measurer_probe(DrMeasurer *m, virDomainPtr dom, GError **error)
{
    return probe_of(m, dom, error);
}

DrMeasurePlan *
dr_measurer_plan(DrMeasurer *m, virDomainPtr dom, const DrDirtyRateRequest *req,
                 GError **error)
{
    DrProbe *p;
    DrDirtyRateRequest out;
    g_autoptr(DrQmp) qmp = NULL;

    if (!(p = probe_of(m, dom, error)) || !dr_probe_resolve(p, req, &out, error))
        return NULL;
    if (out.backend == DR_DIRTYRATE_BACKEND_QMP) {
        /* QMP will be used (and taint) anyway: learn exactly what this
         * QEMU takes, then decide again, on the channel the plan keeps. */
        qmp = dr_qmp_new_for_domain(dom);
        if (!p->qmp_schema_read) {
            if (!dr_probe_read_qmp_schema(p, qmp, error) || !dr_probe_resolve(p, req, &out, error))
                return NULL;
            if (out.backend != DR_DIRTYRATE_BACKEND_QMP)
                g_clear_pointer(&qmp, dr_qmp_free);
        }
    }
    return dr_measure_plan_new(dom, p, &out, g_steal_pointer(&qmp));
}
