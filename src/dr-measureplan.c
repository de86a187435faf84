/*
 * dr-measureplan.c: a resolved measurement, and running it
 *
 * Native backend: virDomainStartDirtyRateCalc, then the "dirtyrate"
 * group of virDomainListGetStats, polled until a new result is
 * measured (it can lag behind the period).  QMP backend: calc-dirty-rate
 * and query-dirty-rate through libvirt-qemu, on the plan's one channel.
 * Both read into one status, so one poll loop serves both: wait while
 * anybody's measurement runs, start ours, poll until it is measured.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-measureplan.h"
#include "dr-qmpdirtyrate.h"
#include "dr-wait.h"

/* How long after the period a result may lag before we give up. */
#define LAG_MAX_US (15 * G_USEC_PER_SEC)

struct _DrMeasurePlan {
    virDomainPtr dom;          /* a reference */
    DrDirtyRateRequest req;    /* resolved: backend and mode chosen */
    const DrProbe *probe;      /* owned by the DrMeasurer, which outlives us */
    DrQmp *qmp;                /* the QMP backend's one channel, else NULL */
    gboolean warmed;           /* QEMU has measured once; see warm_up() */
};

DrMeasurePlan *
dr_measure_plan_new(virDomainPtr dom, const DrProbe *probe, const DrDirtyRateRequest *resolved,
                    DrQmp *qmp)
{
    DrMeasurePlan *plan = g_new0(DrMeasurePlan, 1);

    virDomainRef(dom);
    plan->dom = dom;
    plan->probe = probe;
    plan->req = *resolved;
    plan->qmp = qmp;
    g_debug("plan for domain %s: %s mode, %s backend, %u ms, %u sample pages",
            virDomainGetName(dom), dr_dirtyrate_mode_to_string(resolved->mode),
            dr_dirtyrate_backend_to_string(resolved->backend), resolved->period_ms,
            resolved->sample_pages);
    return plan;
}

void
dr_measure_plan_free(DrMeasurePlan *plan)
{
    if (!plan)
        return;
    dr_qmp_free(plan->qmp);
    virDomainFree(plan->dom);
    g_free(plan);
}

const DrDirtyRateRequest *
dr_measure_plan_request(const DrMeasurePlan *plan)
{
    return &plan->req;
}

const DrProbe *
dr_measure_plan_probe(const DrMeasurePlan *plan)
{
    return plan->probe;
}

virDomainPtr
dr_measure_plan_domain(const DrMeasurePlan *plan)
{
    return plan->dom;
}

gboolean
dr_measure_plan_set_period(DrMeasurePlan *plan, unsigned int period_ms, GError **error)
{
    DrDirtyRateRequest req = plan->req, out;

    req.period_ms = period_ms;
    if (!dr_probe_resolve(plan->probe, &req, &out, error))
        return FALSE;
    if (out.backend != plan->req.backend) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("A period of %1$u ms needs the %2$s backend, not the %3$s backend this measurement was planned with"),
                    period_ms, dr_dirtyrate_backend_to_string(out.backend),
                    dr_dirtyrate_backend_to_string(plan->req.backend));
        return FALSE;
    }
    plan->req = out;
    return TRUE;
}

/* ---- one status for both backends ----------------------------------- */

typedef enum {
    STATE_IDLE,      /* nothing measured, or a result without a rate */
    STATE_MEASURING,
    STATE_MEASURED,
} State;

typedef struct {
    State state;
    int64_t start_time;
    gint64 period_us;  /* of the measurement the status is about; 0: unknown */
    gboolean unstarted; /* QEMU has never measured, since it started */
    DrDirtyRate *rate; /* when measured */
} Status;

static void
status_clear(Status *st)
{
    g_clear_pointer(&st->rate, dr_dirtyrate_free);
    memset(st, 0, sizeof(*st));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Status, status_clear)

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
        st->period_s < 0 || st->period_s > DR_DIRTYRATE_PERIOD_MS_MAX / 1000) {
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
        if (g_ascii_string_to_unsigned(num, 10, 0, DR_DIRTYRATE_VCPUS_MAX - 1, &id, NULL) &&
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

/* The native status as the common one. */
static gboolean
native_status(DrMeasurePlan *plan, Status *out, GError **error)
{
    g_auto(NativeStats) st = { 0 };

    if (!native_read(plan->dom, &st, error))
        return FALSE;
    status_clear(out);
    out->start_time = st.start_time;
    out->period_us = (gint64)st.period_s * G_USEC_PER_SEC;
    out->unstarted = st.status == VIR_DOMAIN_DIRTYRATE_UNSTARTED;
    if (st.status == VIR_DOMAIN_DIRTYRATE_MEASURING) {
        out->state = STATE_MEASURING;
    } else if (st.status == VIR_DOMAIN_DIRTYRATE_MEASURED && st.has_rate) {
        DrDirtyRate *r = dr_dirtyrate_new();
        out->state = STATE_MEASURED;
        r->backend = DR_DIRTYRATE_BACKEND_NATIVE;
        r->mode = plan->req.mode;
        if (st.mode)
            dr_dirtyrate_mode_from_string(st.mode, &r->mode);
        r->period_ms = (unsigned int)st.period_s * 1000;
        r->start_time = st.start_time;
        r->mib_per_s = (double)st.mib_per_s;
        r->ram_bytes = plan->probe->ram_bytes;
        r->sample_pages = r->mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING ?
                          DR_DIRTYRATE_SAMPLE_PAGES_QEMU_DEFAULT : 0;
        r->nvcpus = st.nvcpus;
        r->vcpus = g_steal_pointer(&st.vcpus);
        out->rate = r;
    }
    g_debug("domain %s: native status %d, start %lld, period %d s, rate %lld MiB/s",
            virDomainGetName(plan->dom), st.status, st.start_time, st.period_s,
            st.has_rate ? st.mib_per_s : -1LL);
    return TRUE;
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

static gboolean
native_start(DrMeasurePlan *plan, GError **error)
{
#if HAVE_DECL_VIRDOMAINSTARTDIRTYRATECALC
    int secs = (int)(plan->req.period_ms / 1000);

    g_debug("domain %s: virDomainStartDirtyRateCalc(%d s, flags 0x%x)",
            virDomainGetName(plan->dom), secs, native_flags(plan->req.mode));
    if (virDomainStartDirtyRateCalc(plan->dom, secs, native_flags(plan->req.mode)) < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_debug("virDomainStartDirtyRateCalc failed: %s", msg);
        if (strstr(msg, "already being measured")) {
            g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                        _("Another dirty-rate measurement of domain '%1$s' started at the same moment; try again"),
                        virDomainGetName(plan->dom));
            return FALSE;
        }
        dr_error_set_libvirt_domain(error, plan->dom, _("starting a dirty-rate measurement"));
        return FALSE;
    }
    return TRUE;
#else
    g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                _("This build has no libvirt dirty-rate API"));
    return FALSE;
#endif
}

/* ---- QMP backend ---------------------------------------------------- */

static gboolean
qmp_status(DrMeasurePlan *plan, Status *out, GError **error)
{
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    DrDirtyRate *r;

    if (!dr_qmp_query_dirty_rate(plan->qmp, &plan->probe->qmp_args, &info, error))
        return FALSE;
    status_clear(out);
    out->start_time = info.start_time;
    out->period_us = info.calc_time_ms ? info.calc_time * 1000 : info.calc_time * G_USEC_PER_SEC;
    out->unstarted = info.status == DR_QMP_DIRTYRATE_UNSTARTED;
    if (info.status == DR_QMP_DIRTYRATE_MEASURING) {
        out->state = STATE_MEASURING;
        return TRUE;
    }
    if (info.status != DR_QMP_DIRTYRATE_MEASURED)
        return TRUE;
    out->state = STATE_MEASURED;
    r = dr_dirtyrate_new();
    r->backend = DR_DIRTYRATE_BACKEND_QMP;
    r->mode = info.mode;
    r->period_ms = (unsigned int)(info.calc_time_ms ? info.calc_time : info.calc_time * 1000);
    r->start_time = info.start_time;
    r->mib_per_s = (double)info.mib_per_s;
    r->ram_bytes = plan->probe->ram_bytes;
    r->sample_pages = info.mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING ? (unsigned int)info.sample_pages : 0;
    r->nvcpus = info.nvcpus;
    r->vcpus = g_steal_pointer(&info.vcpus);
    info.nvcpus = 0;
    out->rate = r;
    return TRUE;
}

static gboolean
qmp_start(DrMeasurePlan *plan, GError **error)
{
    return dr_qmp_calc_dirty_rate(plan->qmp, &plan->probe->qmp_args, plan->req.mode,
                                  plan->req.period_ms, plan->req.sample_pages, error);
}

/* TRUE if @dom has a migration job; FALSE with @error unset if not;
 * FALSE with @error if that cannot be told. */
static gboolean
domain_migrating(virDomainPtr dom, GError **error)
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

/* ---- the poll loop ---------------------------------------------------- */

static gboolean
read_status(DrMeasurePlan *plan, Status *st, GError **error)
{
    return plan->qmp ? qmp_status(plan, st, error) : native_status(plan, st, error);
}

/* Waits while a measurement (ours or anyone's) is running: never
 * clobber one.  Leaves the last status in @st. */
static gboolean
wait_idle(DrMeasurePlan *plan, Status *st, GCancellable *cancellable, GError **error)
{
    gint64 deadline = 0;

    for (;;) {
        if (!read_status(plan, st, error))
            return FALSE;
        if (st->state != STATE_MEASURING)
            return TRUE;
        if (!deadline)
            deadline = g_get_monotonic_time() +
                       (st->period_us ? st->period_us : DR_DIRTYRATE_PERIOD_MS_MAX * 1000) + LAG_MAX_US;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                        _("Another dirty-rate measurement of domain '%1$s' is running and did not finish; try again later"),
                        virDomainGetName(plan->dom));
            return FALSE;
        }
        g_debug("domain %s: another measurement is running; waiting", virDomainGetName(plan->dom));
        if (!dr_wait_for(DR_WAIT_SLICE_US, cancellable, error))
            return FALSE;
    }
}

static DrDirtyRate *
run(DrMeasurePlan *plan, GCancellable *cancellable, GError **error)
{
    g_auto(Status) before = { 0 };
    g_auto(Status) st = { 0 };
    gint64 period_us = (gint64)plan->req.period_ms * 1000;
    gboolean saw_measuring = FALSE;
    gint64 started, deadline;

    if (!wait_idle(plan, &before, cancellable, error))
        return NULL;
    if (!(plan->qmp ? qmp_start(plan, error) : native_start(plan, error)))
        return NULL;
    started = g_get_monotonic_time();
    deadline = started + period_us + LAG_MAX_US;
    for (;;) {
        if (!dr_wait_for(DR_WAIT_SLICE_US, cancellable, error) || !read_status(plan, &st, error))
            return NULL;
        if (st.state == STATE_MEASURING)
            saw_measuring = TRUE;
        /* Ours, not the result that was there before: it was seen
         * running, or it started later, and half its period is over. */
        else if (st.state == STATE_MEASURED &&
                 (saw_measuring || st.start_time != before.start_time) &&
                 g_get_monotonic_time() - started >= period_us / 2)
            return g_steal_pointer(&st.rate);
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, DR_ERROR, DR_ERROR_TIMEOUT,
                        _("No dirty-rate result for domain '%1$s' %2$d ms after a %3$u ms measurement started"),
                        virDomainGetName(plan->dom),
                        (int)((period_us + LAG_MAX_US) / 1000), plan->req.period_ms);
            return NULL;
        }
    }
}

/*
 * The first measurement a QEMU process makes reads low: on the test bed
 * (QEMU 7.2, TCG, 1 GiB, 100 MiB/s of distinct pages) a 1 s page sample
 * read 10-16 MiB/s with 4096 sample pages and 50-64 with 512, every time,
 * however long the guest had run; the measurements after it read 94-109.
 * QEMU starts the period's clock before it hashes the sampled pages, so
 * the hashing, slow the first time, eats into the period.  So when QEMU
 * says it has never measured, one 1 s measurement is made and thrown away
 * first.  It costs a second, once in the life of a QEMU process.
 */
static gboolean
warm_up(DrMeasurePlan *plan, GCancellable *cancellable, GError **error)
{
    g_auto(Status) st = { 0 };
    g_autoptr(DrDirtyRate) r = NULL;
    unsigned int period_ms = plan->req.period_ms;

    if (plan->warmed)
        return TRUE;
    if (!read_status(plan, &st, error))
        return FALSE;
    plan->warmed = TRUE;
    if (!st.unstarted)
        return TRUE;
    g_debug("domain %s: QEMU has never measured its dirty rate; a 1 s measurement first, "
            "thrown away", virDomainGetName(plan->dom));
    plan->req.period_ms = 1000;
    r = run(plan, cancellable, error);
    plan->req.period_ms = period_ms;
    return r != NULL;
}

DrDirtyRate *
dr_measure_plan_run(DrMeasurePlan *plan, GCancellable *cancellable, GError **error)
{
    g_autoptr(GError) jerr = NULL;
    DrDirtyRate *r;

    if (virDomainIsActive(plan->dom) != 1) {
        g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                    _("Domain '%1$s' is not running: only a running guest's dirty rate can be measured"),
                    virDomainGetName(plan->dom));
        return NULL;
    }
    if (domain_migrating(plan->dom, &jerr)) {
        g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                    _("Domain '%1$s' is migrating: its dirty rate is not measured during a migration; the migration's own statistics have it (virsh domjobinfo)"),
                    virDomainGetName(plan->dom));
        return NULL;
    }
    if (jerr) {
        g_propagate_error(error, g_steal_pointer(&jerr));
        return NULL;
    }
    if (!warm_up(plan, cancellable, error) || !(r = run(plan, cancellable, error)))
        return NULL;
    if (r->mode == DR_DIRTYRATE_MODE_PAGE_SAMPLING)
        r->interval = dr_dirtyrate_sampling_interval(r->mib_per_s, r->period_ms,
                                                     r->sample_pages, r->ram_bytes);
    else
        r->interval.value = r->interval.low = r->interval.high = r->mib_per_s;
    g_debug("domain %s: %.1f MiB/s over %u ms (%s, %s)", virDomainGetName(plan->dom),
            r->mib_per_s, r->period_ms, dr_dirtyrate_mode_to_string(r->mode),
            dr_dirtyrate_backend_to_string(r->backend));
    return r;
}
