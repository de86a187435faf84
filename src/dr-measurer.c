/*
 * dr-measurer.c: dirty-rate measurements of libvirt domains
 *
 * Native backend: virDomainStartDirtyRateCalc, then the "dirtyrate"
 * group of virDomainListGetStats, polled until a new result is
 * measured (it can lag behind the period).  QMP backend: calc-dirty-rate
 * and query-dirty-rate through libvirt-qemu, for what only QMP gives.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-measurer.h"

#define POLL_US 100000
/* How long after the period a result may lag before we give up. */
#define LAG_MAX_US (15 * G_USEC_PER_SEC)

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

const DrProbe *
dr_measurer_probe(DrMeasurer *m, virDomainPtr dom, GError **error)
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

gboolean
dr_measurer_resolve(DrMeasurer *m, virDomainPtr dom, const DrDirtyRateRequest *req,
                    DrDirtyRateRequest *out, GError **error)
{
    DrProbe *p = (DrProbe *)dr_measurer_probe(m, dom, error);

    if (!p || !dr_probe_resolve(p, req, out, error))
        return FALSE;
    if (out->backend == DR_DIRTYRATE_BACKEND_QMP && !p->qmp_schema_read) {
        /* QMP will be used (and taint) anyway: learn exactly what this
         * QEMU takes, then decide again. */
        g_autoptr(DrQmp) qmp = dr_qmp_new_for_domain(dom);
        if (!dr_probe_read_qmp_schema(p, qmp, error))
            return FALSE;
        return dr_probe_resolve(p, req, out, error);
    }
    return TRUE;
}

gboolean
dr_measurer_domain_migrating(virDomainPtr dom, GError **error)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE, op = 0;
    gboolean migrating;

    if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0) {
        dr_error_set_libvirt_domain(error, dom, _("reading its jobs"));
        return FALSE;
    }
    if (virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) < 0)
        op = 0;
    virTypedParamsFree(params, nparams);
    migrating = type != VIR_DOMAIN_JOB_NONE &&
                (op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT ||
                 op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN ||
                 op == VIR_DOMAIN_JOB_OPERATION_UNKNOWN);
    return migrating;
}

static gboolean
wait_us(gint64 us, GCancellable *cancellable, GError **error)
{
    gint64 until = g_get_monotonic_time() + us;

    while (g_get_monotonic_time() < until) {
        if (g_cancellable_set_error_if_cancelled(cancellable, error))
            return FALSE;
        g_usleep((gulong)MIN(POLL_US, MAX(0, until - g_get_monotonic_time())));
    }
    return !g_cancellable_set_error_if_cancelled(cancellable, error);
}

/* ---- native backend ------------------------------------------------- */

typedef struct {
    int status;
    long long start_time;
    int period_s;
    gboolean has_rate;
    long long mib_per_s;
    char *mode;
    size_t nvcpus;
    DrDirtyRateVcpu *vcpus;
} NativeStats;

static void
native_stats_clear(NativeStats *s)
{
    g_clear_pointer(&s->mode, g_free);
    g_clear_pointer(&s->vcpus, g_free);
    memset(s, 0, sizeof(*s));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NativeStats, native_stats_clear)

static gboolean
native_read(virDomainPtr dom, NativeStats *st, GError **error)
{
    virDomainPtr doms[] = { dom, NULL };
    virDomainStatsRecordPtr *recs = NULL;
    int n;
    virTypedParameterPtr p;
    int np;

    native_stats_clear(st);
    n = virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &recs,
                              VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS);
    if (n < 1) {
        if (n == 0)
            virResetLastError();
        virDomainStatsRecordListFree(recs);
        dr_error_set_libvirt_domain(error, dom, _("reading its dirty-rate statistics"));
        return FALSE;
    }
    p = recs[0]->params;
    np = recs[0]->nparams;
    if (virTypedParamsGetInt(p, np, "dirtyrate.calc_status", &st->status) != 1 ||
        virTypedParamsGetLLong(p, np, "dirtyrate.calc_start_time", &st->start_time) != 1 ||
        virTypedParamsGetInt(p, np, "dirtyrate.calc_period", &st->period_s) != 1 ||
        st->status < VIR_DOMAIN_DIRTYRATE_UNSTARTED || st->status > VIR_DOMAIN_DIRTYRATE_MEASURED ||
        st->period_s < 0 || st->period_s > 60) {
        virDomainStatsRecordListFree(recs);
        /* A domain that has gone comes back as an empty record. */
        if (virDomainIsActive(dom) != 1) {
            g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                        _("Domain '%1$s' stopped or went away while its dirty rate was measured"),
                        virDomainGetName(dom));
            return FALSE;
        }
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("libvirt's dirty-rate statistics for domain '%1$s' are missing or malformed"),
                    virDomainGetName(dom));
        return FALSE;
    }
    st->has_rate = virTypedParamsGetLLong(p, np, "dirtyrate.megabytes_per_second",
                                          &st->mib_per_s) == 1;
    if (st->has_rate && (st->mib_per_s < 0 || st->mib_per_s > (1LL << 30))) {
        virDomainStatsRecordListFree(recs);
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("libvirt reported an impossible dirty rate of %1$lld MiB/s for domain '%2$s'"),
                    st->mib_per_s, virDomainGetName(dom));
        return FALSE;
    }
    {
        const char *mode = NULL;
        if (virTypedParamsGetString(p, np, "dirtyrate.calc_mode", &mode) == 1)
            st->mode = g_strdup(mode);
    }
    for (int i = 0; i < np; i++) {
        static const char prefix[] = "dirtyrate.vcpu.";
        static const char suffix[] = ".megabytes_per_second";
        const char *f = p[i].field;
        g_autofree char *num = NULL;
        guint64 id;
        long long r;

        if (!g_str_has_prefix(f, prefix) || !g_str_has_suffix(f, suffix))
            continue;
        num = g_strndup(f + strlen(prefix), strlen(f) - strlen(prefix) - strlen(suffix));
        if (g_ascii_string_to_unsigned(num, 10, 0, 4095, &id, NULL) &&
            virTypedParamsGetLLong(p, np, f, &r) == 1 && r >= 0) {
            st->vcpus = g_renew(DrDirtyRateVcpu, st->vcpus, st->nvcpus + 1);
            st->vcpus[st->nvcpus].id = (int)id;
            st->vcpus[st->nvcpus].mib_per_s = (double)r;
            st->nvcpus++;
        }
    }
    virDomainStatsRecordListFree(recs);
    return TRUE;
}

/* Waits while a measurement (ours or anyone's) is running. */
static gboolean
native_wait_idle(virDomainPtr dom, NativeStats *st, GCancellable *cancellable, GError **error)
{
    gint64 deadline = 0;

    for (;;) {
        if (!native_read(dom, st, error))
            return FALSE;
        if (st->status != VIR_DOMAIN_DIRTYRATE_MEASURING)
            return TRUE;
        if (!deadline)
            deadline = g_get_monotonic_time() +
                       (gint64)MAX(st->period_s, 1) * G_USEC_PER_SEC + LAG_MAX_US;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                        _("Another dirty-rate measurement of domain '%1$s' is running and did not finish; try again later"),
                        virDomainGetName(dom));
            return FALSE;
        }
        if (!wait_us(POLL_US, cancellable, error))
            return FALSE;
    }
}

static unsigned int
native_flags(DrDirtyRateMode mode)
{
    switch (mode) {
    case DR_DIRTYRATE_MODE_DIRTY_BITMAP:
#if HAVE_DECL_VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP
        return VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP;
#else
        return 0;
#endif
    case DR_DIRTYRATE_MODE_DIRTY_RING:
#if HAVE_DECL_VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING
        return VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING;
#else
        return 0;
#endif
    case DR_DIRTYRATE_MODE_AUTO:
    case DR_DIRTYRATE_MODE_PAGE_SAMPLING:
    case DR_DIRTYRATE_MODE_LAST:
        break;
    }
    return 0;
}

static DrDirtyRate *
measure_native(virDomainPtr dom, const DrDirtyRateRequest *req, const DrProbe *p,
               GCancellable *cancellable, GError **error)
{
    g_auto(NativeStats) before = { 0 };
    g_auto(NativeStats) st = { 0 };
    g_autoptr(DrDirtyRate) r = NULL;
    gboolean saw_measuring = FALSE;
    gint64 started, deadline;
    int secs = (int)(req->period_ms / 1000);

    if (!native_wait_idle(dom, &before, cancellable, error))
        return NULL;
#if HAVE_DECL_VIRDOMAINSTARTDIRTYRATECALC
    if (virDomainStartDirtyRateCalc(dom, secs, native_flags(req->mode)) < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        if (strstr(msg, "already being measured")) {
            g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                        _("Another dirty-rate measurement of domain '%1$s' started at the same moment; try again"),
                        virDomainGetName(dom));
            return NULL;
        }
        dr_error_set_libvirt_domain(error, dom, _("starting a dirty-rate measurement"));
        return NULL;
    }
#else
    g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                _("This build has no libvirt dirty-rate API"));
    return NULL;
#endif
    started = g_get_monotonic_time();
    deadline = started + (gint64)secs * G_USEC_PER_SEC + LAG_MAX_US;
    for (;;) {
        if (!wait_us(POLL_US, cancellable, error) || !native_read(dom, &st, error))
            return NULL;
        if (st.status == VIR_DOMAIN_DIRTYRATE_MEASURING)
            saw_measuring = TRUE;
        else if (st.status == VIR_DOMAIN_DIRTYRATE_MEASURED && st.has_rate &&
                 (saw_measuring || st.start_time != before.start_time) &&
                 g_get_monotonic_time() - started >= (gint64)secs * G_USEC_PER_SEC / 2)
            break;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_TIMEOUT,
                        _("No dirty-rate result for domain '%1$s' %2$d seconds after a %3$d-second measurement started"),
                        virDomainGetName(dom), (int)(LAG_MAX_US / G_USEC_PER_SEC) + secs, secs);
            return NULL;
        }
    }

    r = dr_dirtyrate_new();
    r->backend = DR_DIRTYRATE_BACKEND_NATIVE;
    r->mode = req->mode;
    if (st.mode)
        dr_dirtyrate_mode_from_string(st.mode, &r->mode);
    r->period_ms = (unsigned int)st.period_s * 1000;
    r->start_time = st.start_time;
    r->mib_per_s = (double)st.mib_per_s;
    r->ram_bytes = p->ram_bytes;
    r->sample_pages = r->mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING ?
                      DR_DIRTYRATE_SAMPLE_PAGES_QEMU_DEFAULT : 0;
    r->nvcpus = st.nvcpus;
    r->vcpus = g_steal_pointer(&st.vcpus);
    return g_steal_pointer(&r);
}

/* ---- QMP backend ---------------------------------------------------- */

static DrDirtyRate *
measure_qmp(virDomainPtr dom, const DrDirtyRateRequest *req, const DrProbe *p,
            GCancellable *cancellable, GError **error)
{
    g_autoptr(DrQmp) qmp = dr_qmp_new_for_domain(dom);
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    g_autoptr(DrDirtyRate) r = NULL;
    gint64 started, deadline;
    gboolean saw_measuring = FALSE;
    int64_t before_start;

    /* Wait for anybody else's measurement to end. */
    deadline = g_get_monotonic_time() + DR_DIRTYRATE_PERIOD_MS_MAX * 1000 + LAG_MAX_US;
    for (;;) {
        dr_qmp_dirty_rate_info_clear(&info);
        if (!dr_qmp_query_dirty_rate(qmp, &info, error))
            return NULL;
        if (info.status != DR_QMP_DIRTYRATE_MEASURING)
            break;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                        _("Another dirty-rate measurement of domain '%1$s' is running and did not finish; try again later"),
                        virDomainGetName(dom));
            return NULL;
        }
        if (!wait_us(POLL_US, cancellable, error))
            return NULL;
    }
    before_start = info.start_time;

    if (!dr_qmp_calc_dirty_rate(qmp, &p->qmp_args, req->mode, req->period_ms,
                                req->sample_pages, error))
        return NULL;
    started = g_get_monotonic_time();
    deadline = started + (gint64)req->period_ms * 1000 + LAG_MAX_US;
    for (;;) {
        if (!wait_us(POLL_US, cancellable, error))
            return NULL;
        dr_qmp_dirty_rate_info_clear(&info);
        if (!dr_qmp_query_dirty_rate(qmp, &info, error))
            return NULL;
        if (info.status == DR_QMP_DIRTYRATE_MEASURING)
            saw_measuring = TRUE;
        else if (info.status == DR_QMP_DIRTYRATE_MEASURED &&
                 (saw_measuring || info.start_time != before_start) &&
                 g_get_monotonic_time() - started >= (gint64)req->period_ms * 500)
            break;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_TIMEOUT,
                        _("No dirty-rate result for domain '%1$s' in time"),
                        virDomainGetName(dom));
            return NULL;
        }
    }

    r = dr_dirtyrate_new();
    r->backend = DR_DIRTYRATE_BACKEND_QMP;
    r->mode = info.mode;
    r->period_ms = (unsigned int)(info.calc_time_ms ? info.calc_time : info.calc_time * 1000);
    r->start_time = info.start_time;
    r->mib_per_s = (double)info.mib_per_s;
    r->ram_bytes = p->ram_bytes;
    r->sample_pages = info.mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING ? (unsigned int)info.sample_pages : 0;
    r->nvcpus = info.nvcpus;
    r->vcpus = g_steal_pointer(&info.vcpus);
    info.nvcpus = 0;
    return g_steal_pointer(&r);
}

DrDirtyRate *
dr_measurer_measure(DrMeasurer *m, virDomainPtr dom, const DrDirtyRateRequest *req,
                    GCancellable *cancellable, GError **error)
{
    DrDirtyRateRequest res;
    g_autoptr(GError) jerr = NULL;
    const DrProbe *p;
    DrDirtyRate *r = NULL;

    if (virDomainIsActive(dom) != 1) {
        g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                    _("Domain '%1$s' is not running: only a running guest's dirty rate can be measured"),
                    virDomainGetName(dom));
        return NULL;
    }
    if (!dr_measurer_resolve(m, dom, req, &res, error) ||
        !(p = dr_measurer_probe(m, dom, error)))
        return NULL;
    if (dr_measurer_domain_migrating(dom, &jerr)) {
        g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                    _("Domain '%1$s' is migrating: its dirty rate is not measured during a migration; the migration's own statistics have it (virsh domjobinfo)"),
                    virDomainGetName(dom));
        return NULL;
    }
    if (jerr) {
        g_propagate_error(error, g_steal_pointer(&jerr));
        return NULL;
    }

    switch (res.backend) {
    case DR_DIRTYRATE_BACKEND_NATIVE:
        r = measure_native(dom, &res, p, cancellable, error);
        break;
    case DR_DIRTYRATE_BACKEND_QMP:
        r = measure_qmp(dom, &res, p, cancellable, error);
        break;
    case DR_DIRTYRATE_BACKEND_AUTO:
    case DR_DIRTYRATE_BACKEND_LAST:
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("No backend was chosen"));
        return NULL;
    }
    if (r && r->mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING)
        r->interval = dr_dirtyrate_sampling_interval(r->mib_per_s, r->period_ms,
                                                     r->sample_pages, r->ram_bytes);
    else if (r)
        r->interval.value = r->interval.low = r->interval.high = r->mib_per_s;
    return r;
}
