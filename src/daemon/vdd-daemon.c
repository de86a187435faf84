/*
 * vdd-daemon.c: virt-dirtyrated's state and main loop
 *
 * See vdd-daemon.h.  The pieces:
 *   - the connection: opened with backoff, reopened when libvirt closes
 *     it (a libvirtd restart), its events passed to the main loop;
 *   - the domains: those with our policy (or all), each measured on its
 *     policy's measure.every by DrSchedule, never while a job runs;
 *   - publishing: the status element's <measurement>, written when it
 *     changed meaningfully, and the Prometheus document;
 *   - following migrations: DrSteer fed from the job statistics, its
 *     actions carried out and logged; the outcome recorded and, when the
 *     link's bandwidth is known, added to the calibration history.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#ifdef HAVE_MALLOC_TRIM
# include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "dr-advisor.h"
#include "dr-calibration.h"
#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-hostmem.h"
#include "dr-jobstats.h"
#include "dr-measurer.h"
#include "dr-metrics.h"
#include "dr-policy.h"
#include "dr-qmp.h"
#include "dr-qmpxbzrle.h"
#include "dr-schedule.h"
#include "dr-status.h"
#include "dr-steer.h"
#include "dr-units.h"
#include "vdd-daemon.h"
#include "vdd-http.h"

#define MIB 1048576.0
#define CALIBRATION_FILE "calibration"
#define METRICS_MAX_SPEED_MIB 1e6   /* above: libvirt's "unlimited" */
#define COMPLETED_WAIT_MS 5000      /* for JOB_COMPLETED after the job ended */
#define ARRIVAL_POLL_MS 500         /* for an arrival's completed job ... */
#define ARRIVAL_TRIES 40            /* ... this many times */
#define BEHIND_WARN_US G_GINT64_CONSTANT(3600000000) /* 1 h: at most this often */

typedef enum {
    EV_LIFECYCLE,
    EV_ITERATION,
    EV_JOB_COMPLETED,
    EV_METADATA,
    EV_CLOSED,
} EventKind;

/* One libvirt event, copied on libvirt's thread for the main loop. */
typedef struct {
    VddDaemon *d;
    EventKind kind;
    gint gen;                  /* the connection it came on */
    char uuid[VIR_UUID_STRING_BUFLEN];
    int event, detail;
    char *nsuri;
    DrJobStats job;            /* EV_JOB_COMPLETED */
} Event;

/* A migration being followed. */
typedef struct {
    DrSteer *steer;
    DrSteerConfig cfg;         /* what steer was made with */
    guint timer;
    DrJobStats first, last;
    GPtrArray *actions;        /* char *: what steering did */
    double bandwidth;          /* bytes/s libvirt was given; 0: unknown */
    DrMigSettings seen;        /* what it runs with, as far as known */
    gboolean seen_by_qmp;      /* QEMU said (multifd and its compression) */
    gboolean unmodelled;       /* a codec the model does not know: no calibration */
    gboolean aborted;          /* we aborted it (max time) */
    guint wait_timer;          /* ... waiting for JOB_COMPLETED */
} Follow;

typedef struct {
    VddDaemon *d;
    char *uuid;
    char *name;
    virDomainPtr dom;          /* NULL while disconnected */
    DrPolicy *policy;
    uint64_t every_ms;
    GCancellable *measuring;   /* while a measurement runs */
    gboolean gone;             /* stopped; kept until its follow ends */
    gboolean incoming;         /* migrating in: started, not yet resumed */
    guint arrival_timer;       /* ... resumed: waiting for the completed job */
    guint arrival_tries;
    gboolean warned_policy;

    gboolean have_meas;
    DrStatusMeasurement meas;  /* the latest (plan owned below) */
    char *plan;
    char *prepared;            /* the setting dom_prepare_cache() set up, when not the plan */
    DrAdvisorResult *result;   /* the latest advice, for predictions */
    gboolean have_published;
    DrStatusMeasurement published;
    char *published_plan;
    char *published_prepared;
    gint64 published_at;

    Follow *follow;
    uint64_t completed, failed;
    double last_total_s, last_predicted_s;
} Dom;

struct _VddDaemon {
    VddConfig *cfg;
    char *schema_dir;          /* (nullable) the policy's; NULL: installed */
    char *config_path;
    char **overrides;
    GMainLoop *loop;
    GThread *event_thread;
    gint quit_events;

    virConnectPtr conn;
    gint gen;                  /* counts connections: stale events are dropped */
    int cb_ids[4];
    guint reconnect_timer;
    uint64_t backoff_ms;

    GHashTable *doms;          /* uuid -> Dom */
    DrSchedule *sched;
    guint sched_timer;
    unsigned int running;      /* measurement tasks not yet returned */
    gint64 behind_warned_at;   /* monotonic µs; 0: never */
    DrCalibration *cal;
    char *cal_path;
    VddHttp *http;
    gboolean quitting;
};

/* ---- logging ---------------------------------------------------------- */

/* A structured log line: the journal gets the fields, stderr the text. */
#define LOG(level, dom_name, ...) \
    do { \
        g_autofree char *msg_ = g_strdup_printf(__VA_ARGS__); \
        g_log_structured(G_LOG_DOMAIN, level, "MESSAGE", "%s", msg_, \
                         "DR_DOMAIN", "%s", (dom_name) ? (dom_name) : ""); \
    } while (0)

/* ---- libvirt's event thread -------------------------------------------- */

static gpointer
event_thread(gpointer opaque)
{
    VddDaemon *d = opaque;

    while (!g_atomic_int_get(&d->quit_events)) {
        if (virEventRunDefaultImpl() < 0) {
            g_autofree char *msg = dr_error_libvirt_last(NULL);
            g_warning("libvirt's event loop: %s", msg);
        }
    }
    return NULL;
}

static void
wake_timeout(int timer, void *opaque)
{
    (void)opaque;
    virEventRemoveTimeout(timer);
}

static void event_free(Event *ev);
static gboolean event_dispatch(gpointer opaque);

static void
post(VddDaemon *d, Event *ev)
{
    GSource *src = g_idle_source_new();

    /* Always queued for the main loop: g_main_context_invoke() would run
     * it here, on libvirt's thread, whenever the context is free. */
    ev->d = d;
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, event_dispatch, ev, (GDestroyNotify)event_free);
    g_source_attach(src, NULL);
    g_source_unref(src);
}

static Event *
event_new(VddDaemon *d, EventKind kind, virDomainPtr dom)
{
    Event *ev = g_new0(Event, 1);

    ev->kind = kind;
    ev->gen = g_atomic_int_get(&d->gen);
    if (dom)
        virDomainGetUUIDString(dom, ev->uuid);
    return ev;
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    Event *ev = event_new(opaque, EV_LIFECYCLE, dom);
    (void)conn;
    ev->event = event;
    ev->detail = detail;
    post(opaque, ev);
    return 0;
}

static void
on_iteration(virConnectPtr conn, virDomainPtr dom, int iteration, void *opaque)
{
    Event *ev = event_new(opaque, EV_ITERATION, dom);
    (void)conn;
    ev->event = iteration;
    post(opaque, ev);
}

static void
on_job_completed(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params, int nparams,
                 void *opaque)
{
    Event *ev = event_new(opaque, EV_JOB_COMPLETED, dom);
    (void)conn;
    /* libvirt frees the parameters when we return: read them now. */
    dr_job_stats_from_params(&ev->job, VIR_DOMAIN_JOB_COMPLETED, params, nparams);
    post(opaque, ev);
}

static void
on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri, void *opaque)
{
    Event *ev = event_new(opaque, EV_METADATA, dom);
    (void)conn;
    ev->event = type;
    ev->nsuri = g_strdup(nsuri);
    post(opaque, ev);
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
    Event *ev = event_new(opaque, EV_CLOSED, NULL);
    (void)conn;
    ev->event = reason;
    post(opaque, ev);
}

static void
event_free(Event *ev)
{
    g_free(ev->nsuri);
    g_free(ev);
}

/* ---- metrics ---------------------------------------------------------- */

static void
metrics_publish(VddDaemon *d)
{
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(DrMetricsDomain));
    g_autofree char *text = NULL;
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, d->doms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Dom *dd = v;
        DrMetricsDomain m = { 0 };

        if (dd->gone && !dd->follow)
            continue;
        m.name = dd->name;
        m.uuid = dd->uuid;
        m.dirty_rate = dd->have_meas ? dd->meas.dirty_rate : NAN;
        m.dirty_rate_low = dd->have_meas ? dd->meas.dirty_rate_low : NAN;
        m.dirty_rate_high = dd->have_meas ? dd->meas.dirty_rate_high : NAN;
        m.wss_bytes = dd->have_meas ? dd->meas.wss_bytes : NAN;
        m.wss_low_bytes = dd->have_meas ? dd->meas.wss_low_bytes : NAN;
        m.wss_high_bytes = dd->have_meas ? dd->meas.wss_high_bytes : NAN;
        m.measured_at = dd->have_meas ? (double)g_date_time_to_unix(dd->meas.time) : NAN;
        m.have_advice = dd->have_meas && dd->plan;
        m.advice_converges = dd->meas.predicted.converges;
        m.advice_total_s = m.have_advice ? dd->meas.predicted.total_ms / 1000.0 : NAN;
        m.migrating = dd->follow != NULL;
        m.migration_remaining = dd->follow ? (double)dd->follow->last.remaining : NAN;
        m.migration_iteration = dd->follow ? (double)dd->follow->last.iteration : NAN;
        m.migration_cache_miss_rate = NAN;
        if (dd->follow && dd->follow->last.xbzrle)
            m.migration_cache_miss_rate = dr_job_stats_miss_rate(&dd->follow->first,
                                                                 &dd->follow->last);
        m.migrations_completed = dd->completed;
        m.migrations_failed = dd->failed;
        m.last_total_s = dd->completed ? dd->last_total_s : NAN;
        m.last_predicted_s = dd->completed && dd->last_predicted_s > 0 ? dd->last_predicted_s : NAN;
        g_array_append_val(rows, m);
    }
    text = dr_metrics_format((const DrMetricsDomain *)(void *)rows->data, rows->len);
    if (d->http)
        vdd_http_set_metrics(d->http, text);
    if (d->cfg->textfile) {
        g_autoptr(GError) err = NULL;
        /* g_file_set_contents writes a temporary file and renames it:
         * node_exporter never reads half a document. */
        if (!g_file_set_contents_full(d->cfg->textfile, text, -1,
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err))
            LOG(G_LOG_LEVEL_WARNING, NULL, _("Cannot write the metrics file: %s"), err->message);
    }
}

/* ---- domains ---------------------------------------------------------- */

static void follow_end(Dom *dd);

static void
dom_free(Dom *dd)
{
    if (dd->arrival_timer)
        g_source_remove(dd->arrival_timer);
    if (dd->measuring)
        g_cancellable_cancel(dd->measuring);
    g_clear_object(&dd->measuring);
    if (dd->follow)
        follow_end(dd);
    if (dd->dom)
        virDomainFree(dd->dom);
    dr_policy_free(dd->policy);
    g_clear_pointer(&dd->meas.time, g_date_time_unref);
    g_clear_pointer(&dd->published.time, g_date_time_unref);
    dr_advisor_result_free(dd->result);
    g_free(dd->plan);
    g_free(dd->prepared);
    g_free(dd->published_plan);
    g_free(dd->published_prepared);
    g_free(dd->uuid);
    g_free(dd->name);
    g_free(dd);
}

static void reschedule(VddDaemon *d);

/* Reads @dd's policy.  FALSE when the domain is not to be monitored: no
 * policy (monitor=policy), or a malformed one (warned once). */
static gboolean
dom_load_policy(Dom *dd)
{
    VddDaemon *d = dd->d;
    g_autofree char *raw = virDomainGetMetadata(dd->dom, VIR_DOMAIN_METADATA_ELEMENT, DR_POLICY_NS,
                                                VIR_DOMAIN_AFFECT_LIVE);
    g_autoptr(GError) err = NULL;
    DrPolicy *p;
    const char *every;
    uint64_t ms = d->cfg->default_every_ms;
    gboolean is_default = TRUE;

    if (!raw) {
        virResetLastError();
        if (d->cfg->monitor == VDD_MONITOR_POLICY)
            return FALSE;
    }
    if (!(p = dr_policy_load(dd->dom, VIR_DOMAIN_AFFECT_LIVE, d->schema_dir, &err))) {
        if (!dd->warned_policy)
            LOG(G_LOG_LEVEL_WARNING, dd->name, _("Domain '%1$s' is skipped: %2$s"), dd->name,
                err->message);
        dd->warned_policy = TRUE;
        return FALSE;
    }
    dd->warned_policy = FALSE;
    dr_policy_free(dd->policy);
    dd->policy = p;
    every = dr_policy_get_effective(p, "measure.every", &is_default);
    if (!is_default || raw)
        dr_units_parse_duration(every, &ms, NULL);
    dd->every_ms = ms;
    return TRUE;
}

static void
dom_unschedule(Dom *dd)
{
    if (dd->measuring)
        g_cancellable_cancel(dd->measuring);
    dr_schedule_remove(dd->d->sched, dd->uuid);
}

static void follow_start(Dom *dd);
static void follow_settings(Dom *dd, Follow *f);

/* A running domain: monitored from now if it qualifies. */
/* Whether @dom is the destination's half of a migration still running:
 * libvirt keeps it "paused (migrating)" until it resumes here, and has
 * no job statistics for it on this side ("available only on the source
 * host"), so its state is what tells. */
static gboolean
dom_arriving(virDomainPtr dom)
{
    int state = 0, reason = 0;

    return virDomainGetState(dom, &state, &reason, 0) == 0 &&
           state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_MIGRATION;
}

/* @dd migrates in: not measured until it runs here, and then its
 * arrival is recorded (arrival_record()). */
static void
dom_set_incoming(Dom *dd)
{
    dd->incoming = TRUE;
    dr_schedule_set_migrating(dd->d->sched, dd->uuid, TRUE);
}

static void
dom_add(VddDaemon *d, virDomainPtr dom)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    Dom *dd;
    DrJobStats js;
    gboolean fresh = FALSE;

    if (virDomainGetUUIDString(dom, uuid) < 0)
        return;
    if (!(dd = g_hash_table_lookup(d->doms, uuid))) {
        dd = g_new0(Dom, 1);
        dd->d = d;
        dd->uuid = g_strdup(uuid);
        fresh = TRUE;
    }
    if (dd->dom)
        virDomainFree(dd->dom);
    virDomainRef(dom);
    dd->dom = dom;
    dd->gone = FALSE;
    g_free(dd->name);
    dd->name = g_strdup(virDomainGetName(dom));
    if (!dom_load_policy(dd)) {
        if (fresh)
            dom_free(dd);
        else
            g_hash_table_remove(d->doms, uuid);
        return;
    }
    if (fresh) {
        g_hash_table_insert(d->doms, dd->uuid, dd);
        LOG(G_LOG_LEVEL_MESSAGE, dd->name, _("Monitoring domain '%1$s' every %2$.0f s"), dd->name,
            dd->every_ms / 1000.0);
    }
    dr_schedule_set(d->sched, dd->uuid, (int64_t)dd->every_ms * 1000, g_get_monotonic_time());
    /* A migration already running (we started, or reconnected, late). */
    if (dr_job_stats_get(dom, 0, &js) && js.active &&
        (js.operation == VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT || js.operation == 0))
        follow_start(dd);
    else if (!dd->incoming && dom_arriving(dom)) {
        /* Started beside it, or reconnected: its start event is past. */
        LOG(G_LOG_LEVEL_MESSAGE, dd->name,
            _("Domain '%1$s' is arriving by migration: its arrival will be recorded, and it is measured once it runs here"),
            dd->name);
        dom_set_incoming(dd);
    }
    virResetLastError();
}

static void
dom_stopped(VddDaemon *d, const char *uuid)
{
    Dom *dd = g_hash_table_lookup(d->doms, uuid);

    if (!dd)
        return;
    if (dd->measuring)
        LOG(G_LOG_LEVEL_MESSAGE, dd->name,
            _("Domain '%s' went away while it was measured: the measurement is dropped"), dd->name);
    dom_unschedule(dd);
    dd->gone = TRUE;
    /* Migrated away: the follow waits for JOB_COMPLETED. */
    if (!dd->follow)
        g_hash_table_remove(d->doms, uuid);
    metrics_publish(d);
}

/* ---- measuring -------------------------------------------------------- */

typedef struct {
    virDomainPtr dom;
    DrPolicy *policy;
    unsigned int wss_max_seconds;
    double bandwidth;
    char *cal_path;
    char *schema_dir;
} MeasureJob;

static void
measure_job_free(MeasureJob *j)
{
    virDomainFree(j->dom);
    dr_policy_free(j->policy);
    g_free(j->cal_path);
    g_free(j->schema_dir);
    g_free(j);
}

static void
measure_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    MeasureJob *j = data;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    g_autoptr(DrMeasurePlan) plan = NULL;
    g_autoptr(DrCalibration) cal = NULL;
    g_autoptr(GError) err = NULL;
    DrDirtyRateRequest req;
    DrAdvisorParams params;
    DrAdvisorResult *r;
    DrJobStats js;
    gboolean no_link = FALSE;

    (void)source;
    if (dr_job_stats_get(j->dom, 0, &js) && js.active) {
        g_task_return_new_error(task, DR_ERROR, DR_ERROR_BUSY,
                                _("a job is running on domain '%s': not measured"),
                                virDomainGetName(j->dom));
        return;
    }
    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    req.period_ms = 1000;
    req.forbid_qmp = strcmp(dr_policy_get_effective(j->policy, "measure.qmp", NULL), "allow") != 0;
    if (!(plan = dr_measurer_plan(m, j->dom, &req, &err))) {
        g_task_return_error(task, g_steal_pointer(&err));
        return;
    }
    /* A broken history is no reason not to measure. */
    if (!(cal = dr_calibration_load(j->cal_path, &err)))
        g_clear_error(&err);
    dr_advisor_params_init(&params);
    params.wss_max_seconds = j->wss_max_seconds;
    params.calibration = cal;
    params.schema_dir = j->schema_dir;
    if (strcmp(dr_policy_get_effective(j->policy, "network.bandwidth", NULL), "measure") == 0) {
        /* No link to advise for: the advice made with a stand-in is
         * dropped, the measurements kept. */
        no_link = j->bandwidth <= 0;
        params.bandwidth = no_link ? 1e9 : j->bandwidth;
    }
    if (!(r = dr_advisor_run(plan, &params, NULL, NULL, cancellable, &err))) {
        g_task_return_error(task, g_steal_pointer(&err));
        return;
    }
    if (no_link)
        g_clear_pointer(&r->advice, dr_advice_free);
    g_task_return_pointer(task, r, (GDestroyNotify)dr_advisor_result_free);
}

static double
rel_change(double now, double before, double floor)
{
    if (isnan(now) != isnan(before))
        return INFINITY;
    if (isnan(now))
        return 0;
    return fabs(now - before) / MAX(fabs(before), floor);
}

/* Whether @dd's latest numbers differ enough from what libvirt holds. */
static gboolean
worth_publishing(Dom *dd)
{
    const DrStatusMeasurement *a = &dd->meas, *b = &dd->published;
    double change = dd->d->cfg->publish_change;

    if (!dd->have_published)
        return TRUE;
    if ((uint64_t)((g_get_monotonic_time() - dd->published_at) / 1000) >=
        dd->d->cfg->publish_max_age_ms)
        return TRUE;
    if (g_strcmp0(dd->plan, dd->published_plan) != 0 ||
        g_strcmp0(dd->prepared, dd->published_prepared) != 0 ||
        a->predicted.converges != b->predicted.converges)
        return TRUE;
    /* The rate counts when it left the interval published, too. */
    if (rel_change(a->dirty_rate, b->dirty_rate, MIB) > change &&
        !(a->dirty_rate >= b->dirty_rate_low && a->dirty_rate <= b->dirty_rate_high))
        return TRUE;
    if (rel_change(a->wss_bytes, b->wss_bytes, MIB) > change)
        return TRUE;
    if (rel_change((double)a->predicted.total_ms, (double)b->predicted.total_ms, 1000) > change)
        return TRUE;
    return FALSE;
}

static void
dom_take_result(Dom *dd, DrAdvisorResult *r)
{
    DrStatusMeasurement *m = &dd->meas;
    const DrWss *w = r->wss;
    DrEstimate rate;

    g_clear_pointer(&m->time, g_date_time_unref);
    memset(m, 0, sizeof(*m));
    m->time = g_date_time_new_now_utc();
    m->dirty_rate = m->dirty_rate_low = m->dirty_rate_high = NAN;
    if (w && dr_wss_rate(w, &rate)) {
        m->dirty_rate = rate.value * MIB;
        m->dirty_rate_low = rate.low * MIB;
        m->dirty_rate_high = rate.high * MIB;
    }
    m->wss_bytes = w ? w->wss_mib * MIB : NAN;
    m->wss_low_bytes = w ? w->wss_low_mib * MIB : NAN;
    m->wss_high_bytes = w ? w->wss_high_mib * MIB : NAN;
    m->wss_model = w ? dr_wss_model_to_string(w->model) : NULL;
    m->xbzrle_ratio = r->compress && r->compress->encoding_rate > 0 ? r->compress->encoding_rate : NAN;
    m->changed = r->compress && r->compress->observations ?
                 (double)r->compress->changed / (double)r->compress->observations : NAN;
    g_clear_pointer(&dd->plan, g_free);
    if (r->advice) {
        const DrAdviceCandidate *c = &r->advice->candidates[r->advice->chosen];
        dd->plan = dr_advice_settings_describe(&c->settings);
        m->bandwidth = r->advice->input.bandwidth;
        dr_status_figures_from_prediction(&m->predicted, &c->prediction);
    }
    m->plan = dd->plan;
    dd->have_meas = TRUE;
    dr_advisor_result_free(dd->result);
    dd->result = r;
}

static void
dom_publish(Dom *dd)
{
    g_autoptr(GError) err = NULL;

    if (!worth_publishing(dd)) {
        g_debug("%s: no meaningful change; status not rewritten", dd->name);
        return;
    }
    if (!dr_status_publish_measurement(dd->dom, &dd->meas, VIR_DOMAIN_AFFECT_LIVE, &err)) {
        LOG(G_LOG_LEVEL_WARNING, dd->name, "%s", err->message);
        return;
    }
    g_clear_pointer(&dd->published.time, g_date_time_unref);
    dd->published = dd->meas;
    dd->published.time = g_date_time_ref(dd->meas.time);
    g_free(dd->published_plan);
    dd->published_plan = g_strdup(dd->plan);
    dd->published.plan = dd->published_plan;
    g_free(dd->published_prepared);
    dd->published_prepared = g_strdup(dd->prepared);
    dd->published.prepared_plan = dd->published_prepared;
    dd->have_published = TRUE;
    dd->published_at = g_get_monotonic_time();
}

/* Plain `virsh migrate --compressed`, Nova's and oVirt's way, starts
 * with the XBZRLE cache the domain has: QEMU's 64 MiB unless it was set.
 * And QEMU does not resize it once the migration runs, whatever libvirt
 * says: migrate_params_apply() stores the new size before
 * xbzrle_cache_resize() compares against it and finds nothing to do
 * (seen on QEMU 7.2 and 10.0).  So the size that the advice predicts
 * to be best is set ahead, between migrations: QEMU allocates it only
 * when a migration with XBZRLE starts. */
static void
dom_prepare_cache(Dom *dd)
{
    VddDaemon *d = dd->d;
    const DrAdvice *a = dd->result ? dd->result->advice : NULL;
    const DrAdviceCandidate *best = NULL;
    unsigned long long have = 0, free_bytes;

    g_clear_pointer(&dd->prepared, g_free);
    dd->meas.prepared_plan = NULL;
    if (!a || !d->cfg->steer || !d->cfg->prepare_cache || dd->follow || !dd->dom ||
        a->limits.xbzrle == DR_ADVICE_XBZRLE_OFF)
        return;
    /* The quickest XBZRLE setting that converges, the smaller cache on a tie. */
    for (size_t i = 0; i < a->ncandidates; i++) {
        const DrAdviceCandidate *c = &a->candidates[i];
        if (c->settings.compression != DR_MIG_COMPRESSION_XBZRLE || c->settings.parallel ||
            c->settings.auto_converge || c->settings.postcopy || !c->prediction.converges)
            continue;
        if (!best || c->prediction.total_s < best->prediction.total_s - 0.05 ||
            (fabs(c->prediction.total_s - best->prediction.total_s) <= 0.05 &&
             c->settings.xbzrle_cache < best->settings.xbzrle_cache))
            best = c;
    }
    if (!best || !best->settings.xbzrle_cache)
        return;
    free_bytes = dr_hostmem_available(d->conn);
    if (virDomainMigrateGetCompressionCache(dd->dom, &have, 0) < 0 ||
        (free_bytes && best->settings.xbzrle_cache > free_bytes / 2)) {
        virResetLastError();
        return;
    }
    if (have != best->settings.xbzrle_cache) {
        if (virDomainMigrateSetCompressionCache(dd->dom, best->settings.xbzrle_cache, 0) < 0) {
            g_autofree char *msg = dr_error_libvirt_last(NULL);
            LOG(G_LOG_LEVEL_WARNING, dd->name, _("Cannot set the XBZRLE cache of '%1$s': %2$s"),
                dd->name, msg);
            return;
        }
        LOG(G_LOG_LEVEL_MESSAGE, dd->name,
            _("%1$s: XBZRLE cache set to %2$.0f MiB for its next migration (was %3$.0f MiB): predicted %4$.1f s with it"),
            dd->name, best->settings.xbzrle_cache / MIB, have / MIB, best->prediction.total_s);
    }
    /* The cache is ready: a plain `virsh migrate --compressed` runs this
     * setting.  Where the plan is another (a throttle, multifd), the
     * status carries this one's prediction beside it, so that the
     * destination's daemon can set a migration started that way against
     * its prediction (arrival_record()). */
    if (&a->candidates[a->chosen] != best) {
        dd->prepared = dr_advice_settings_describe(&best->settings);
        dd->meas.prepared_plan = dd->prepared;
        dr_status_figures_from_prediction(&dd->meas.prepared, &best->prediction);
    }
}

typedef struct {
    VddDaemon *d;
    char *uuid;
    GCancellable *cancellable;
} MeasureCtx;

static void
measure_done(GObject *source, GAsyncResult *res, gpointer opaque)
{
    MeasureCtx *ctx = opaque;
    VddDaemon *d = ctx->d;
    Dom *dd = g_hash_table_lookup(d->doms, ctx->uuid);
    g_autoptr(GError) err = NULL;
    DrAdvisorResult *r;

    (void)source;
    r = g_task_propagate_pointer(G_TASK(res), &err);
    d->running--;
    /* Only the measurement this domain is waiting for counts. */
    if (!dd || dd->measuring != ctx->cancellable) {
        dr_advisor_result_free(r);
        goto out;
    }
    g_clear_object(&dd->measuring);
    dr_schedule_done(d->sched, dd->uuid, g_get_monotonic_time());
    if (!r) {
        if (g_error_matches(err, DR_ERROR, DR_ERROR_CANCELLED) ||
            g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_debug("%s: measurement cancelled", dd->name);
        else if (g_error_matches(err, DR_ERROR, DR_ERROR_NO_DOMAIN))
            LOG(G_LOG_LEVEL_MESSAGE, dd->name, _("Domain '%1$s' went away while it was measured: %2$s"),
                dd->name, err->message);
        else
            LOG(G_LOG_LEVEL_WARNING, dd->name, _("Measuring domain '%1$s' failed: %2$s"), dd->name,
                err->message);
        goto out;
    }
    dom_take_result(dd, r);
    LOG(G_LOG_LEVEL_INFO, dd->name, "%s: dirty rate %.1f MiB/s, working set %.0f MiB, advice %s",
        dd->name, dd->meas.dirty_rate / MIB, dd->meas.wss_bytes / MIB, dd->plan ? dd->plan : "-");
    dom_prepare_cache(dd);
    dom_publish(dd);
    metrics_publish(d);

 out:
    g_object_unref(ctx->cancellable);
    g_free(ctx->uuid);
    g_free(ctx);
#ifdef HAVE_MALLOC_TRIM
    /* A measurement runs in a pool thread with its own malloc arena;
     * what it freed stays mapped until trimmed. */
    if (d->running == 0)
        malloc_trim(0);
#endif
    reschedule(d);
    if (d->quitting && d->running == 0)
        g_main_loop_quit(d->loop);
}

static void
measure_start(VddDaemon *d, Dom *dd)
{
    MeasureJob *j = g_new0(MeasureJob, 1);
    MeasureCtx *ctx = g_new0(MeasureCtx, 1);
    g_autoptr(GTask) task = NULL;

    dd->measuring = g_cancellable_new();
    ctx->d = d;
    ctx->uuid = g_strdup(dd->uuid);
    ctx->cancellable = g_object_ref(dd->measuring);
    virDomainRef(dd->dom);
    j->dom = dd->dom;
    j->policy = dr_policy_copy(dd->policy);
    j->wss_max_seconds = d->cfg->wss_max_seconds;
    j->bandwidth = (double)d->cfg->bandwidth;
    j->cal_path = g_strdup(d->cal_path);
    j->schema_dir = g_strdup(d->schema_dir);
    task = g_task_new(NULL, dd->measuring, measure_done, ctx);
    g_task_set_task_data(task, j, (GDestroyNotify)measure_job_free);
    d->running++;
    g_debug("%s: measuring", dd->name);
    g_task_run_in_thread(task, measure_thread);
}

static gboolean
sched_fire(gpointer opaque)
{
    VddDaemon *d = opaque;
    g_autoptr(GPtrArray) due = NULL;
    unsigned int behind;

    d->sched_timer = 0;
    due = dr_schedule_take_due(d->sched, g_get_monotonic_time());
    behind = dr_schedule_behind(d->sched, g_get_monotonic_time());
    if (behind && (!d->behind_warned_at ||
                   g_get_monotonic_time() - d->behind_warned_at >= BEHIND_WARN_US)) {
        d->behind_warned_at = g_get_monotonic_time();
        LOG(G_LOG_LEVEL_WARNING, NULL,
            _("%1$u domains wait more than half their measure.every past their due time: measure.max-running=%2$u is too few for their intervals"),
            behind, d->cfg->max_measurements);
    }
    for (guint i = 0; i < due->len; i++) {
        Dom *dd = g_hash_table_lookup(d->doms, g_ptr_array_index(due, i));
        if (dd && dd->dom && !dd->measuring && !d->quitting)
            measure_start(d, dd);
        else
            dr_schedule_done(d->sched, g_ptr_array_index(due, i), g_get_monotonic_time());
    }
    reschedule(d);
    return G_SOURCE_REMOVE;
}

static void
reschedule(VddDaemon *d)
{
    int64_t next = dr_schedule_next_due(d->sched);
    int64_t delay_ms;

    if (d->sched_timer)
        g_source_remove(d->sched_timer);
    d->sched_timer = 0;
    if (next == G_MAXINT64 || d->quitting)
        return;
    delay_ms = MAX(0, (next - g_get_monotonic_time()) / 1000);
    /* Capped, so that a clock oddity cannot park the loop for a day. */
    d->sched_timer = g_timeout_add((guint)MIN(delay_ms, 60000) + 1, sched_fire, d);
}

/* ---- migrations ------------------------------------------------------- */

static DrSteerWhenExceeded
when_exceeded(const DrPolicy *p)
{
    const char *w = dr_policy_get_effective(p, "limits.when-exceeded", NULL);

    if (g_strcmp0(w, "suspend") == 0)
        return DR_STEER_WHEN_EXCEEDED_SUSPEND;
    if (g_strcmp0(w, "postcopy") == 0)
        return DR_STEER_WHEN_EXCEEDED_POSTCOPY;
    return DR_STEER_WHEN_EXCEEDED_ABORT;
}

static void
follow_free(Follow *f)
{
    if (f->timer)
        g_source_remove(f->timer);
    if (f->wait_timer)
        g_source_remove(f->wait_timer);
    dr_steer_free(f->steer);
    g_ptr_array_unref(f->actions);
    g_free(f);
}

static void
follow_end(Dom *dd)
{
    g_clear_pointer(&dd->follow, follow_free);
    dr_schedule_set_migrating(dd->d->sched, dd->uuid, FALSE);
}

/* The prediction the latest advice made for a migration run with @seen
 * (its link class, cache, channels and compression), or 0. */
static double
predicted_for(const Dom *dd, const DrMigSettings *seen)
{
    const DrAdvice *a = dd->result ? dd->result->advice : NULL;
    DrMigLinkClass cls = dr_mig_link_class(seen);
    double best = 0;

    for (size_t i = 0; a && i < a->ncandidates; i++) {
        const DrAdviceCandidate *c = &a->candidates[i];
        if (dr_mig_link_class(&c->settings) != cls || c->settings.auto_converge ||
            c->settings.postcopy || c->settings.dirty_limit > 0)
            continue;
        if (cls == DR_MIG_LINK_CLASS_XBZRLE && c->settings.xbzrle_cache != seen->xbzrle_cache)
            continue;
        if ((cls == DR_MIG_LINK_CLASS_MULTIFD || cls == DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED) &&
            (c->settings.parallel != seen->parallel || c->settings.compression != seen->compression))
            continue;
        if (!best || c->prediction.total_s < best)
            best = c->prediction.total_s;
    }
    return best;
}

/* The plan name of a migration the daemon watched but did not plan.
 * Without QMP, libvirt's job statistics tell XBZRLE and its cache, not
 * whether multifd runs. */
static char *
observed_plan(const DrMigSettings *seen, gboolean by_qmp)
{
    g_autofree char *what = NULL;

    if (seen->compression == DR_MIG_COMPRESSION_XBZRLE)
        return g_strdup_printf("observed: xbzrle %.0fMiB", seen->xbzrle_cache / MIB);
    if (!by_qmp)
        return g_strdup("observed: no xbzrle");
    what = dr_advice_settings_describe(seen);
    return g_strdup_printf("observed: %s", what);
}

/* A completed job's figures, as the status element records them. */
static DrStatusFigures
figures_of(const DrJobStats *js, gboolean converged)
{
    DrStatusFigures f = { 0 };

    f.converges = converged;
    f.total_ms = js->elapsed_ms;
    f.downtime_ms = js->downtime_ms;
    f.bytes = js->processed;
    f.rounds = (unsigned int)js->iteration;
    return f;
}

/* Records a migration that ended; @done is the completed job, or NULL. */
static void
follow_record(Dom *dd, const char *outcome, const DrJobStats *done)
{
    VddDaemon *d = dd->d;
    Follow *f = dd->follow;
    DrStatusMigration st = { 0 };
    DrMigSettings none = { 0 };
    const DrMigSettings *seen = f ? &f->seen : &none;
    DrMigLinkClass cls = dr_mig_link_class(seen);
    g_autofree char *plan = NULL;
    g_autoptr(GError) err = NULL;
    double predicted = done ? predicted_for(dd, seen) : 0;
    gboolean completed = strcmp(outcome, "completed") == 0;

    if (f)
        g_ptr_array_add(f->actions, NULL);
    plan = observed_plan(seen, f && f->seen_by_qmp);
    st.plan = plan;
    st.outcome = outcome;
    st.predicted.converges = predicted > 0;
    st.predicted.total_ms = (uint64_t)(predicted * 1000);
    if (done) {
        st.have_actual = TRUE;
        st.actual = figures_of(done, completed);
    }
    st.actions = f ? (const char *const *)f->actions->pdata : NULL;
    if (completed) {
        dd->completed++;
        dd->last_total_s = done ? done->elapsed_ms / 1000.0 : NAN;
        dd->last_predicted_s = predicted;
    } else {
        dd->failed++;
    }
    LOG(G_LOG_LEVEL_MESSAGE, dd->name,
        _("Migration of '%1$s' %2$s: %3$.1f s, predicted %4$.1f s, %5$u steering actions"),
        dd->name, outcome, done ? done->elapsed_ms / 1000.0 : NAN, predicted,
        f ? f->actions->len - 1 : 0);

    /* The guest is still here when it failed; when it left, only a
     * persistent definition is left to hold the record. */
    if (dd->dom) {
        unsigned int flags = completed ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_LIVE;
        if ((!completed || virDomainIsPersistent(dd->dom) == 1) &&
            !dr_status_add_migration(dd->dom, &st, flags, &err))
            LOG(G_LOG_LEVEL_MESSAGE, dd->name, "%s", err->message);
        virResetLastError();
    }

    if (completed && done && f && f->bandwidth > 0 && !f->unmodelled) {
        DrCalibrationSample s = { 0 };
        g_autoptr(GError) cerr = NULL;

        s.link_class = cls;
        s.bandwidth = f->bandwidth;
        s.bytes = (double)done->processed;
        s.total_s = done->elapsed_ms / 1000.0;
        s.predicted_s = predicted;
        s.zero_pages = (double)done->zero_pages;
        if (!dr_calibration_add(d->cal, &s, &cerr))
            LOG(G_LOG_LEVEL_INFO, dd->name, _("Not calibrated from it: %s"), cerr->message);
        else if (!dr_calibration_save(d->cal, d->cal_path, &cerr))
            LOG(G_LOG_LEVEL_WARNING, NULL, _("Cannot save the calibration: %s"), cerr->message);
        else
            LOG(G_LOG_LEVEL_MESSAGE, dd->name,
                _("Calibration: %1$s link factor now %2$.2f from %3$u migrations"),
                dr_mig_link_class_to_string(cls), dr_calibration_link_factor(d->cal, cls),
                dr_calibration_count(d->cal, cls));
    }
}

static void
dom_forget_if_gone(VddDaemon *d, Dom *dd)
{
    if (dd->gone)
        g_hash_table_remove(d->doms, dd->uuid);
    metrics_publish(d);
}

static gboolean
follow_wait_expired(gpointer opaque)
{
    Dom *dd = opaque;
    gboolean here = dd->dom && virDomainIsActive(dd->dom) == 1;

    virResetLastError();
    dd->follow->wait_timer = 0;
    /* No JOB_COMPLETED came: failed if the guest still runs here, else
     * completed without figures. */
    if (here)
        follow_record(dd, dd->follow->aborted ? "timed-out" : "failed", NULL);
    else
        follow_record(dd, "completed", NULL);
    follow_end(dd);
    dom_forget_if_gone(dd->d, dd);
    return G_SOURCE_REMOVE;
}

/* What a followed migration runs with, as far as known. */
static void
follow_log_start(Dom *dd, const Follow *f)
{
    const DrSteerConfig *cfg = &f->cfg;

    LOG(G_LOG_LEVEL_MESSAGE, dd->name,
        _("Following the migration of '%1$s': XBZRLE %2$s, cache %3$.0f MiB (cap %4$.0f MiB), max downtime %5$llu ms (up to %6$" G_GUINT64_FORMAT " ms)"),
        dd->name, cfg->xbzrle ? _("on") : _("off"), cfg->xbzrle_cache / MIB,
        cfg->xbzrle_cache_max / MIB, (unsigned long long)cfg->downtime_ms, cfg->downtime_max_ms);
}

static gboolean
follow_poll(gpointer opaque)
{
    Dom *dd = opaque;
    VddDaemon *d = dd->d;
    Follow *f = dd->follow;
    DrJobStats js;
    DrSteerSample smp = { 0 };
    DrSteerAction action;

    if (!dd->dom || !dr_job_stats_get(dd->dom, 0, &js) || !js.active) {
        /* The job ended: JOB_COMPLETED says how, if it succeeded. */
        virResetLastError();
        f->timer = 0;
        f->wait_timer = g_timeout_add(COMPLETED_WAIT_MS, follow_wait_expired, dd);
        return G_SOURCE_REMOVE;
    }
    f->last = js;
    /* The job's first statistics can come before QEMU reports XBZRLE:
     * where a later poll is the first to, the settings are taken up
     * again, and steering starts over with them. */
    if (js.xbzrle && !f->first.xbzrle) {
        f->first.xbzrle = TRUE;
        f->first.xbzrle_cache = js.xbzrle_cache;
        follow_settings(dd, f);
        f->cfg.xbzrle = TRUE;
        f->cfg.xbzrle_cache = js.xbzrle_cache;
        dr_steer_free(f->steer);
        f->steer = dr_steer_new(&f->cfg);
        follow_log_start(dd, f);
    }
    smp.elapsed_ms = js.elapsed_ms;
    smp.iteration = js.iteration;
    smp.remaining = js.remaining;
    smp.xbzrle_pages = js.xbzrle_pages;
    smp.xbzrle_misses = js.xbzrle_misses;
    if (d->cfg->steer && dr_steer_feed(f->steer, &smp, &action) != DR_STEER_ACTION_NONE) {
        g_autoptr(GError) err = NULL;
        g_autofree char *line = dr_steer_action_describe(&action);
        gboolean ok = dr_steer_apply(dd->dom, &action, &err);

        dr_steer_applied(f->steer, &action, ok);
        if (ok) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                             "MESSAGE", "%s: %s", dd->name, line,
                             "DR_DOMAIN", "%s", dd->name,
                             "DR_ACTION", "%d", (int)action.kind,
                             "DR_ROUND", "%" G_GUINT64_FORMAT, action.round,
                             "DR_FROM", "%" G_GUINT64_FORMAT, action.from,
                             "DR_VALUE", "%" G_GUINT64_FORMAT, action.value,
                             "DR_MISS_RATE", "%.3f", action.miss_rate,
                             "DR_REMAINING", "%" G_GUINT64_FORMAT, action.remaining);
            g_ptr_array_add(f->actions, g_steal_pointer(&line));
            if (action.kind == DR_STEER_ACTION_ABORT)
                f->aborted = TRUE;
        } else {
            LOG(G_LOG_LEVEL_WARNING, dd->name, "%s (%s)", err->message, line);
        }
    }
    metrics_publish(d);
    return G_SOURCE_CONTINUE;
}

/* What the migration runs with.  libvirt's job statistics say whether
 * XBZRLE is on and its cache; whether multifd runs, with how many
 * channels and which compression, only QEMU says, and only where the
 * policy allows QMP (measure.qmp=allow).  Without it a multifd migration
 * counts as a plain one: its prediction and calibration are then those
 * of one stream. */
static void
follow_settings(Dom *dd, Follow *f)
{
    g_autoptr(DrQmp) qmp = NULL;
    g_auto(DrQmpXbzrle) x = { 0 };
    g_autoptr(GError) err = NULL;

    f->seen.compression = f->first.xbzrle ? DR_MIG_COMPRESSION_XBZRLE : DR_MIG_COMPRESSION_NONE;
    f->seen.xbzrle_cache = f->first.xbzrle ? f->first.xbzrle_cache : 0;
    if (!dd->policy || strcmp(dr_policy_get_effective(dd->policy, "measure.qmp", NULL), "allow") != 0)
        return;
    qmp = dr_qmp_new_for_domain(dd->dom);
    if (!dr_qmp_xbzrle_query(qmp, &x, &err)) {
        LOG(G_LOG_LEVEL_INFO, dd->name, _("Cannot read the migration settings of '%1$s': %2$s"),
            dd->name, err->message);
        return;
    }
    f->seen_by_qmp = TRUE;
    if (x.multifd && !x.capability) {
        f->seen.parallel = x.multifd_channels ? x.multifd_channels : 2;
        if (g_strcmp0(x.multifd_compression, "zstd") == 0)
            f->seen.compression = DR_MIG_COMPRESSION_ZSTD;
        else if (g_strcmp0(x.multifd_compression, "zlib") == 0)
            f->seen.compression = DR_MIG_COMPRESSION_ZLIB;
        else if (x.multifd_compression && strcmp(x.multifd_compression, "none") != 0)
            f->unmodelled = TRUE;
    }
    {
        g_autofree char *what = dr_advice_settings_describe(&f->seen);
        LOG(G_LOG_LEVEL_INFO, dd->name, _("Migration of '%1$s' runs with %2$s%3$s%4$s (QMP)"),
            dd->name, what, f->unmodelled ? " " : "",
            f->unmodelled ? x.multifd_compression : "");
    }
}

static void
follow_start(Dom *dd)
{
    VddDaemon *d = dd->d;
    DrAdviceLimits limits;
    DrSteerConfig cfg = { 0 };
    g_autoptr(GError) err = NULL;
    unsigned long long downtime = 0;
    unsigned long speed = 0;
    unsigned long long free_bytes;
    Follow *f;

    if (dd->follow || !dd->dom)
        return;
    if (!dr_advice_limits_from_policy(&limits, dd->policy,
                                      (uint64_t)virDomainGetMaxMemory(dd->dom) * 1024, &err)) {
        LOG(G_LOG_LEVEL_WARNING, dd->name, _("Not steering domain '%1$s': %2$s"), dd->name,
            err->message);
        return;
    }
    f = g_new0(Follow, 1);
    f->actions = g_ptr_array_new_with_free_func(g_free);
    dr_job_stats_get(dd->dom, 0, &f->first);
    f->last = f->first;
    follow_settings(dd, f);
    cfg.xbzrle = f->first.xbzrle;
    cfg.xbzrle_cache = f->first.xbzrle_cache;
    cfg.xbzrle_cache_max = limits.xbzrle_max_cache;
    free_bytes = dr_hostmem_available(d->conn);
    if (free_bytes)
        cfg.xbzrle_cache_max = MIN(cfg.xbzrle_cache_max, free_bytes / 2);
    cfg.downtime_max_ms = limits.max_downtime_ms;
    if (virDomainMigrateGetMaxDowntime(dd->dom, &downtime, 0) == 0)
        cfg.downtime_ms = downtime;
    else
        cfg.downtime_ms = limits.max_downtime_ms; /* unknown: never raised */
    cfg.postcopy = limits.postcopy;
    cfg.max_time_ms = limits.max_time_ms;
    cfg.when_exceeded = when_exceeded(dd->policy);
    f->cfg = cfg;
    f->steer = dr_steer_new(&cfg);
    if (virDomainMigrateGetMaxSpeed(dd->dom, &speed, 0) == 0 && speed > 0 &&
        (double)speed < METRICS_MAX_SPEED_MIB)
        f->bandwidth = (double)speed * MIB;
    virResetLastError();
    dd->follow = f;
    if (dd->measuring)
        g_cancellable_cancel(dd->measuring);
    dr_schedule_set_migrating(d->sched, dd->uuid, TRUE);
    follow_log_start(dd, f);
    f->timer = g_timeout_add((guint)d->cfg->steer_poll_ms, follow_poll, dd);
}

/* A migration into this host completed: the guest resumed here.  The
 * destination has no job stats while it runs ("only on the source host")
 * and no JOB_COMPLETED event; it has the completed job's, which the
 * source sent with the last step.  The source's daemon records it
 * in the source's definition, which is gone with --undefinesource (Nova's
 * way) and never existed for a transient domain; here it is recorded in
 * the domain's live status, and its definition when it has one.  The
 * prediction is the advice that travelled with the domain, when the
 * migration used the advised settings; what the source's daemon did is
 * in that daemon's log. */
static gboolean
arrival_record(gpointer opaque)
{
    Dom *dd = opaque;
    DrJobStats job;
    const DrJobStats *js = &job;
    g_autofree char *status = NULL;
    g_autofree char *advised = NULL;
    g_autofree char *observed = NULL;
    g_autofree char *plan = NULL;
    g_autoptr(GError) err = NULL;
    DrStatusMigration st = { 0 };
    DrStatusFigures predicted;
    DrMigSettings used = { 0 };
    gboolean matched, prepared = FALSE;

    if (!dd->dom) {
        dd->arrival_timer = 0;
        return G_SOURCE_REMOVE;
    }
    /* The resume is announced before the finishing job has stored the
     * completed job's figures. */
    /* KEEP_COMPLETED: without it libvirt deletes them once read, and
     * whoever started the migration would find none. */
    if (!dr_job_stats_get(dd->dom, VIR_DOMAIN_JOB_STATS_COMPLETED |
                          VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, &job) || !job.elapsed_ms) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        virResetLastError();
        if (++dd->arrival_tries < ARRIVAL_TRIES)
            return G_SOURCE_CONTINUE;
        LOG(G_LOG_LEVEL_MESSAGE, dd->name,
            _("Migration of '%1$s' arrived; no figures to record: %2$s"), dd->name,
            msg ? msg : _("libvirt has no completed job"));
        dd->arrival_timer = 0;
        return G_SOURCE_REMOVE;
    }
    dd->arrival_timer = 0;
    status = virDomainGetMetadata(dd->dom, VIR_DOMAIN_METADATA_ELEMENT, DR_STATUS_NS,
                                  VIR_DOMAIN_AFFECT_LIVE);
    virResetLastError();
    used.compression = js->xbzrle ? DR_MIG_COMPRESSION_XBZRLE : DR_MIG_COMPRESSION_NONE;
    used.xbzrle_cache = js->xbzrle ? js->xbzrle_cache : 0;
    observed = dr_advice_settings_describe(&used);
    matched = dr_status_read_advice(status, &advised, &predicted) &&
              strcmp(advised, observed) == 0;
    if (!matched) {
        g_clear_pointer(&advised, g_free);
        prepared = dr_status_read_prepared(status, &advised, &predicted) &&
                   strcmp(advised, observed) == 0;
        if (!prepared)
            memset(&predicted, 0, sizeof(predicted));
    }
    plan = observed_plan(&used, FALSE);
    st.plan = plan;
    st.outcome = "completed";
    st.predicted = predicted;
    st.have_actual = TRUE;
    st.actual = figures_of(js, TRUE);
    dd->completed++;
    dd->last_total_s = js->elapsed_ms / 1000.0;
    dd->last_predicted_s = predicted.total_ms / 1000.0;
    LOG(G_LOG_LEVEL_MESSAGE, dd->name,
        _("Migration of '%1$s' arrived: %2$.1f s, %3$llu ms downtime, predicted %4$.1f s (%5$s)"),
        dd->name, js->elapsed_ms / 1000.0, (unsigned long long)js->downtime_ms, predicted.total_ms / 1000.0,
        matched ? _("the advice it carried") :
        prepared ? _("the setting prepared for it") : _("not the advised settings"));
    if (!dr_status_add_migration(dd->dom, &st, VIR_DOMAIN_AFFECT_LIVE, &err) ||
        (virDomainIsPersistent(dd->dom) == 1 &&
         !dr_status_add_migration(dd->dom, &st, VIR_DOMAIN_AFFECT_CONFIG, &err)))
        LOG(G_LOG_LEVEL_WARNING, dd->name, "%s", err->message);
    virResetLastError();
    metrics_publish(dd->d);
    return G_SOURCE_REMOVE;
}

static void
job_completed(VddDaemon *d, Dom *dd, const Event *ev)
{
    const DrJobStats js = ev->job;

    if (js.operation != VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT && js.operation != 0)
        return;
    if (!dd->follow)
        return; /* not a migration we saw start */
    follow_record(dd, "completed", &js);
    follow_end(dd);
    dom_forget_if_gone(d, dd);
}

/* ---- the connection --------------------------------------------------- */

static void connection_drop(VddDaemon *d);
static gboolean connection_open(gpointer opaque);

static void
connection_retry(VddDaemon *d)
{
    if (d->quitting || d->reconnect_timer)
        return;
    LOG(G_LOG_LEVEL_MESSAGE, NULL, _("Reconnecting to libvirt in %.0f s"), d->backoff_ms / 1000.0);
    d->reconnect_timer = g_timeout_add((guint)d->backoff_ms, connection_open, d);
    d->backoff_ms = MIN(d->backoff_ms * 2, d->cfg->reconnect_max_ms);
}

static gboolean
connection_open(gpointer opaque)
{
    VddDaemon *d = opaque;
    virDomainPtr *list = NULL;
    int n;
    GHashTableIter it;
    gpointer v;

    d->reconnect_timer = 0;
    if (!(d->conn = virConnectOpen(d->cfg->uri))) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        LOG(G_LOG_LEVEL_WARNING, NULL, _("Cannot connect to libvirt (%1$s): %2$s"),
            d->cfg->uri ? d->cfg->uri : _("its default URI"), msg);
        connection_retry(d);
        return G_SOURCE_REMOVE;
    }
    g_atomic_int_inc(&d->gen);
    virConnectRegisterCloseCallback(d->conn, on_close, d, NULL);
    d->cb_ids[0] = virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), d, NULL);
    d->cb_ids[1] = virConnectDomainEventRegisterAny(d->conn, NULL,
                                                    VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                                    VIR_DOMAIN_EVENT_CALLBACK(on_iteration), d, NULL);
    d->cb_ids[2] = virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                                    VIR_DOMAIN_EVENT_CALLBACK(on_job_completed), d, NULL);
    d->cb_ids[3] = virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                                    VIR_DOMAIN_EVENT_CALLBACK(on_metadata), d, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(d->cb_ids); i++) {
        if (d->cb_ids[i] < 0) {
            g_autofree char *msg = dr_error_libvirt_last(NULL);
            LOG(G_LOG_LEVEL_WARNING, NULL, _("libvirt refused an event registration: %s"), msg);
        }
    }
    {
        g_autofree char *uri = virConnectGetURI(d->conn);
        LOG(G_LOG_LEVEL_MESSAGE, NULL, _("Connected to libvirt at %s"), uri);
    }
    d->backoff_ms = 1000;

    /* Domains known before a reconnect that did not come back are gone. */
    g_hash_table_iter_init(&it, d->doms);
    while (g_hash_table_iter_next(&it, NULL, &v))
        ((Dom *)v)->gone = TRUE;
    if ((n = virConnectListAllDomains(d->conn, &list, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        LOG(G_LOG_LEVEL_WARNING, NULL, _("Cannot list the domains: %s"), msg);
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        dom_add(d, list[i]);
        virDomainFree(list[i]);
    }
    free(list);
    g_hash_table_iter_init(&it, d->doms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Dom *dd = v;
        if (dd->gone && !dd->follow) {
            dr_schedule_remove(d->sched, dd->uuid);
            g_hash_table_iter_remove(&it);
        }
    }
    metrics_publish(d);
    reschedule(d);
    return G_SOURCE_REMOVE;
}

static void
connection_drop(VddDaemon *d)
{
    GHashTableIter it;
    gpointer v;

    if (!d->conn)
        return;
    g_atomic_int_inc(&d->gen);
    g_hash_table_iter_init(&it, d->doms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Dom *dd = v;
        dom_unschedule(dd);
        if (dd->follow)
            follow_end(dd);
        /* Reconnected, dom_add() looks again at whether it arrives. */
        dd->incoming = FALSE;
        g_clear_pointer(&dd->dom, virDomainFree);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(d->cb_ids); i++) {
        if (d->cb_ids[i] >= 0)
            virConnectDomainEventDeregisterAny(d->conn, d->cb_ids[i]);
        d->cb_ids[i] = -1;
    }
    virConnectUnregisterCloseCallback(d->conn, on_close);
    virResetLastError();
    virConnectClose(d->conn);
    d->conn = NULL;
}

/* ---- events in the main loop ----------------------------------------- */

static gboolean
event_dispatch(gpointer opaque)
{
    Event *ev = opaque;
    VddDaemon *d = ev->d;
    Dom *dd;
    virDomainPtr dom;

    /* From a connection since closed, or after quit. */
    if (ev->gen != g_atomic_int_get(&d->gen) || d->quitting || !d->conn)
        return G_SOURCE_REMOVE;
    if (ev->kind == EV_CLOSED) {
        LOG(G_LOG_LEVEL_WARNING, NULL, _("libvirt closed the connection (reason %d)"), ev->event);
        connection_drop(d);
        metrics_publish(d);
        connection_retry(d);
        return G_SOURCE_REMOVE;
    }
    dd = g_hash_table_lookup(d->doms, ev->uuid);
    switch (ev->kind) {
    case EV_LIFECYCLE:
        if (ev->event == VIR_DOMAIN_EVENT_STARTED ||
            (ev->event == VIR_DOMAIN_EVENT_RESUMED && !dd)) {
            if ((dom = virDomainLookupByUUIDString(d->conn, ev->uuid))) {
                dom_add(d, dom);
                virDomainFree(dom);
                /* Migrating in: not measured until it runs here. */
                if (ev->event == VIR_DOMAIN_EVENT_STARTED &&
                    ev->detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED &&
                    (dd = g_hash_table_lookup(d->doms, ev->uuid)) && !dd->incoming)
                    dom_set_incoming(dd);
                reschedule(d);
            }
            virResetLastError();
        } else if (ev->event == VIR_DOMAIN_EVENT_RESUMED && dd->incoming) {
            /* RESUMED_MIGRATED, or RESUMED_POSTCOPY: it runs here now;
             * a postcopy's figures may come later than the poll waits. */
            dd->incoming = FALSE;
            dr_schedule_set_migrating(d->sched, dd->uuid, FALSE);
            dd->arrival_tries = 0;
            if (!dd->arrival_timer)
                dd->arrival_timer = g_timeout_add(ARRIVAL_POLL_MS, arrival_record, dd);
        } else if (ev->event == VIR_DOMAIN_EVENT_STOPPED) {
            dom_stopped(d, ev->uuid);
        }
        break;
    case EV_ITERATION:
        if (dd && !dd->follow)
            follow_start(dd);
        break;
    case EV_JOB_COMPLETED:
        if (dd)
            job_completed(d, dd, ev);
        break;
    case EV_METADATA:
        /* Our own status writes come back as events too: only a policy
         * change matters. */
        if (g_strcmp0(ev->nsuri, DR_POLICY_NS) != 0)
            break;
        if (dd) {
            dr_schedule_remove(d->sched, dd->uuid);
            if (!dom_load_policy(dd) && !dd->follow)
                g_hash_table_remove(d->doms, ev->uuid);
            else if (!dd->follow)
                dr_schedule_set(d->sched, dd->uuid, (int64_t)dd->every_ms * 1000,
                                g_get_monotonic_time());
        } else if ((dom = virDomainLookupByUUIDString(d->conn, ev->uuid))) {
            if (virDomainIsActive(dom) == 1)
                dom_add(d, dom);
            virDomainFree(dom);
        }
        virResetLastError();
        reschedule(d);
        metrics_publish(d);
        break;
    case EV_CLOSED:
        break;
    }
    return G_SOURCE_REMOVE;
}

/* ---- the daemon ------------------------------------------------------- */

/* Takes @cfg in place of the one in force. */
static void
apply_config(VddDaemon *d, VddConfig *cfg)
{
    if (d->cfg) {
        /* Settings that need a restart of a piece are applied in place;
         * the connection URI and the endpoint need a restart. */
        if (g_strcmp0(d->cfg->uri, cfg->uri) != 0 || g_strcmp0(d->cfg->listen, cfg->listen) != 0 ||
            g_strcmp0(d->cfg->state_dir, cfg->state_dir) != 0)
            LOG(G_LOG_LEVEL_WARNING, NULL,
                _("libvirt.uri, metrics.listen and daemon.state-dir change only at a restart"));
        g_free(cfg->uri);
        cfg->uri = g_strdup(d->cfg->uri);
        g_free(cfg->listen);
        cfg->listen = g_strdup(d->cfg->listen);
        g_free(cfg->state_dir);
        cfg->state_dir = g_strdup(d->cfg->state_dir);
        vdd_config_free(d->cfg);
    }
    d->cfg = cfg;
}

VddDaemon *
vdd_daemon_new(VddConfig *cfg, const char *config_path, char **overrides,
               const char *schema_dir, GError **error)
{
    g_autoptr(VddDaemon) d = g_new0(VddDaemon, 1);
    g_autoptr(GError) err = NULL;

    d->schema_dir = g_strdup(schema_dir);
    d->config_path = g_strdup(config_path);
    d->overrides = g_strdupv(overrides);
    d->doms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)dom_free);
    for (size_t i = 0; i < G_N_ELEMENTS(d->cb_ids); i++)
        d->cb_ids[i] = -1;
    d->backoff_ms = 1000;
    apply_config(d, cfg);
    d->sched = dr_schedule_new(cfg->max_measurements, cfg->jitter, 0);
    if (g_mkdir_with_parents(cfg->state_dir, 0755) < 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Cannot create the state directory %1$s: %2$s"),
                    cfg->state_dir, g_strerror(errno));
        return NULL;
    }
    d->cal_path = g_build_filename(cfg->state_dir, CALIBRATION_FILE, NULL);
    if (!(d->cal = dr_calibration_load(d->cal_path, &err))) {
        /* Kept aside, not lost: a new history starts. */
        g_autofree char *aside = g_strconcat(d->cal_path, ".bad", NULL);
        LOG(G_LOG_LEVEL_WARNING, NULL, _("%1$s; it is moved to %2$s"), err->message, aside);
        g_rename(d->cal_path, aside);
        d->cal = dr_calibration_new();
    }
    return g_steal_pointer(&d);
}

void
vdd_daemon_reload(VddDaemon *d)
{
    g_autoptr(VddConfig) cfg = vdd_config_copy(d->cfg);
    g_autoptr(GError) err = NULL;

    if (d->config_path && !vdd_config_load(cfg, d->config_path, FALSE, &err)) {
        LOG(G_LOG_LEVEL_WARNING, NULL, _("Configuration not reloaded: %s"), err->message);
        return;
    }
    for (size_t i = 0; d->overrides && d->overrides[i]; i++) {
        const char *eq = strchr(d->overrides[i], '=');
        g_autofree char *key = g_strndup(d->overrides[i], (gsize)(eq - d->overrides[i]));
        if (!vdd_config_set(cfg, key, eq + 1, &err)) {
            LOG(G_LOG_LEVEL_WARNING, NULL, _("Configuration not reloaded: %s"), err->message);
            return;
        }
    }
    apply_config(d, g_steal_pointer(&cfg));
    LOG(G_LOG_LEVEL_MESSAGE, NULL, _("Configuration reloaded"));
    /* New intervals and monitoring rules: take the domains afresh. */
    if (d->conn) {
        connection_drop(d);
        g_hash_table_remove_all(d->doms);
        dr_schedule_free(d->sched);
        d->sched = dr_schedule_new(d->cfg->max_measurements, d->cfg->jitter, 0);
        connection_open(d);
    }
}

gboolean
vdd_daemon_run(VddDaemon *d, GError **error)
{
    if (d->cfg->listen && strcmp(d->cfg->listen, "none") != 0 &&
        !(d->http = vdd_http_start(d->cfg->listen, error)))
        return FALSE;
    if (virEventRegisterDefaultImpl() < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT, _("libvirt's event loop could not be set up: %s"),
                    msg);
        return FALSE;
    }
    d->event_thread = g_thread_new("libvirt-events", event_thread, d);
    d->loop = g_main_loop_new(NULL, FALSE);
    metrics_publish(d);
    connection_open(d);
    LOG(G_LOG_LEVEL_MESSAGE, NULL, _("virt-dirtyrated %s started"), PACKAGE_VERSION);
    g_main_loop_run(d->loop);

    /* Quitting: measurements were cancelled and have returned. */
    connection_drop(d);
    g_hash_table_remove_all(d->doms);
    g_atomic_int_set(&d->quit_events, 1);
    virEventAddTimeout(0, wake_timeout, NULL, NULL);
    g_thread_join(d->event_thread);
    d->event_thread = NULL;
    /* Events posted before the thread stopped are dropped unread. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    LOG(G_LOG_LEVEL_MESSAGE, NULL, _("virt-dirtyrated stopped"));
    return TRUE;
}

void
vdd_daemon_quit(VddDaemon *d)
{
    GHashTableIter it;
    gpointer v;

    if (d->quitting)
        return;
    d->quitting = TRUE;
    if (d->reconnect_timer)
        g_source_remove(d->reconnect_timer);
    d->reconnect_timer = 0;
    if (d->sched_timer)
        g_source_remove(d->sched_timer);
    d->sched_timer = 0;
    g_hash_table_iter_init(&it, d->doms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Dom *dd = v;
        if (dd->measuring)
            g_cancellable_cancel(dd->measuring);
    }
    if (d->running == 0)
        g_main_loop_quit(d->loop);
}

void
vdd_daemon_free(VddDaemon *d)
{
    if (!d)
        return;
    if (d->doms)
        g_hash_table_unref(d->doms);
    dr_schedule_free(d->sched);
    dr_calibration_free(d->cal);
    vdd_http_stop(d->http);
    if (d->loop)
        g_main_loop_unref(d->loop);
    vdd_config_free(d->cfg);
    g_free(d->cal_path);
    g_free(d->config_path);
    g_free(d->schema_dir);
    g_strfreev(d->overrides);
    g_free(d);
}
