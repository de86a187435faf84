/*
 * vdr-cmd-migrate.c: domdirtyrate-migrate
 *
 * Advise, then migrate with the plan's typed parameters, follow the job,
 * act on it where the plan allows (a larger XBZRLE cache when it misses,
 * the switch to postcopy), and compare the outcome with the prediction.
 */
#include <config.h>

#include <signal.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "dr-advisor.h"
#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-jobstats.h"
#include "dr-migparams.h"
#include "dr-status.h"
#include "dr-steer.h"
#include "vdr-advise.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"
#include "vdr-printers.h"

#define MIB 1048576.0
#define POLL_MS 250
#define COMPLETED_TRIES 12

static const VdrOptDef opts_migrate[] = {
    VDR_OPT_DEF_DOMAIN,
    { .name = "desturi", .type = VDR_OPT_STRING,
      .flags = VDR_OPT_FLAG_REQUIRED | VDR_OPT_FLAG_POSITIONAL,
      .help = N_("the destination's libvirt URI") },
    { .name = "migrateuri", .type = VDR_OPT_STRING,
      .help = N_("the migration stream's URI, e.g. tcp://host:port") },
    VDR_ADVISE_OPTS,
    { .name = "dry-run", .type = VDR_OPT_BOOL,
      .help = N_("advise and print what would be passed to libvirt; migrate nothing") },
    { .name = "verbose", .type = VDR_OPT_BOOL,
      .help = N_("show the migration's progress (on a terminal it is shown anyway)") },
    { .name = "persistent", .type = VDR_OPT_BOOL,
      .help = N_("keep the domain defined on the destination") },
    { .name = "undefinesource", .type = VDR_OPT_BOOL,
      .help = N_("undefine the domain on the source") },
    { .name = "p2p", .type = VDR_OPT_BOOL, .help = N_("peer-to-peer migration") },
    { .name = "tunnelled", .type = VDR_OPT_BOOL,
      .help = N_("tunnel the data through libvirt (needs --p2p)") },
    VDR_OPT_DEF_JSON,
    { NULL }
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct {
    virDomainPtr dom;
    virConnectPtr dconn;   /* NULL with --p2p */
    const char *desturi;
    DrMigParams *mp;
    virDomainPtr result;   /* the domain on the destination */
    GError *error;
    gboolean done;
    /* Ctrl-C: abort_thread()'s outcome, reported by report_abort(). */
    gboolean abort_tried;
    gboolean aborted;
    char *abort_error;     /* the first refusal, when none succeeded */
    GMutex lock;
} MigrateJob;

static gpointer
migrate_thread(gpointer opaque)
{
    MigrateJob *j = opaque;
    virDomainPtr r = NULL;
    int rc = 0;

    if (j->dconn)
        r = virDomainMigrate3(j->dom, j->dconn, j->mp->params, (unsigned int)j->mp->nparams,
                              j->mp->flags);
    else
        rc = virDomainMigrateToURI3(j->dom, j->desturi, j->mp->params,
                                    (unsigned int)j->mp->nparams, j->mp->flags);
    g_mutex_lock(&j->lock);
    if ((j->dconn && !r) || rc < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(&j->error, DR_ERROR, DR_ERROR_LIBVIRT, _("Migration failed: %s"), msg);
    }
    j->result = r;
    j->done = TRUE;
    g_mutex_unlock(&j->lock);
    return NULL;
}

static gboolean
job_done(MigrateJob *j)
{
    gboolean d;
    g_mutex_lock(&j->lock);
    d = j->done;
    g_mutex_unlock(&j->lock);
    return d;
}

/* Ctrl-C aborts the job from a thread of its own, so that a libvirt
 * call the follower is waiting on does not hold the abort up.  libvirt
 * refuses an abort before its job has begun, and one that reaches it
 * between two phases of the migration may not stop the next, so the
 * abort is tried again until the migration has ended: soon after a
 * refusal, a few seconds after a success. */
#define ABORT_POLL_MS 50
#define ABORT_RETRY_MS 500
#define ABORT_AGAIN_MS 5000

/* Waits up to @ms for the migration to end; TRUE if it has. */
static gboolean
job_wait(MigrateJob *j, unsigned int ms)
{
    for (unsigned int t = 0; t < ms; t += ABORT_POLL_MS) {
        if (job_done(j))
            return TRUE;
        g_usleep(ABORT_POLL_MS * 1000);
    }
    return job_done(j);
}

static gpointer
abort_thread(gpointer opaque)
{
    MigrateJob *j = opaque;

    while (!interrupted) {
        if (job_wait(j, ABORT_POLL_MS))
            return NULL;
    }
    for (;;) {
        int rc = virDomainAbortJob(j->dom);
        g_mutex_lock(&j->lock);
        j->abort_tried = TRUE;
        if (rc == 0)
            j->aborted = TRUE;
        else if (!j->abort_error)
            j->abort_error = dr_error_libvirt_last(NULL);
        g_mutex_unlock(&j->lock);
        if (job_wait(j, rc == 0 ? ABORT_AGAIN_MS : ABORT_RETRY_MS))
            return NULL;
    }
}

typedef struct {
    VdrControl *ctl;
    gboolean progress;
    gboolean json;
    GPtrArray *actions;    /* what was done during the migration */
    const char *when_exceeded; /* the policy's: abort, suspend or postcopy */
    gboolean timed_out;    /* max time passed, and we aborted */
    gboolean suspended;    /* max time passed, and we paused the guest */
} Follow;

static void
act(Follow *f, char *line)
{
    if (!f->json)
        fprintf(f->ctl->err, "%s%s\n", f->progress ? "\r\033[K" : "", line);
    g_ptr_array_add(f->actions, line);
}

static DrSteerWhenExceeded
when_exceeded(const char *policy)
{
    if (g_strcmp0(policy, "suspend") == 0)
        return DR_STEER_WHEN_EXCEEDED_SUSPEND;
    if (g_strcmp0(policy, "postcopy") == 0)
        return DR_STEER_WHEN_EXCEEDED_POSTCOPY;
    return DR_STEER_WHEN_EXCEEDED_ABORT;
}

/* Carries out what the steering rules asked for; TRUE if it took. */
static gboolean
steer_apply(Follow *f, virDomainPtr dom, const DrSteerAction *action)
{
    g_autoptr(GError) err = NULL;

    if (!dr_steer_apply(dom, action, &err)) {
        g_debug("%s", err->message);
        return FALSE;
    }
    if (action->kind == DR_STEER_ACTION_SUSPEND)
        f->suspended = TRUE;
    if (action->kind == DR_STEER_ACTION_ABORT)
        f->timed_out = TRUE;
    act(f, dr_steer_action_describe(action));
    return TRUE;
}

/* Says what Ctrl-C came to, once the migration and abort_thread() have
 * both ended. */
static void
report_abort(Follow *f, const MigrateJob *j)
{
    if (!j->abort_tried)
        return; /* the migration ended first */
    if (!j->error)
        act(f, g_strdup_printf(_("Interrupted, but the migration completed before the abort took effect%1$s%2$s"),
                               j->abort_error ? ": " : "", j->abort_error ? j->abort_error : ""));
    else if (j->aborted)
        act(f, g_strdup(_("Interrupted: migration aborted; the guest stays on the source")));
    else
        act(f, g_strdup_printf(_("Interrupted, but the abort failed: %s"),
                               j->abort_error ? j->abort_error : ""));
}

/* Follows the job until the thread ends, steering it by dr-steer.h's
 * rules; Ctrl-C stops the steering (abort_thread() aborts). */
static void
follow(Follow *f, MigrateJob *j, const DrAdvice *a, DrJobStats *last)
{
    const DrMigSettings *s = &a->candidates[a->chosen].settings;
    gboolean downtime_set = FALSE, postcopy_started = FALSE, aborting = FALSE;
    DrJobStats prev = { 0 };
    DrSteerConfig cfg = { 0 };
    DrSteerSample smp = { 0 };
    g_autoptr(DrSteer) steer = NULL;
    gint64 start = g_get_monotonic_time();

    cfg.xbzrle = s->compression == DR_MIG_COMPRESSION_XBZRLE;
    cfg.xbzrle_cache = s->xbzrle_cache;
    cfg.xbzrle_cache_max = a->limits.xbzrle_max_cache;
    if (a->input.host_free_bytes)
        cfg.xbzrle_cache_max = MIN(cfg.xbzrle_cache_max, a->input.host_free_bytes / 2);
    cfg.downtime_ms = s->max_downtime_ms;
    cfg.downtime_max_ms = a->limits.max_downtime_ms;
    cfg.postcopy = s->postcopy;
    cfg.max_time_ms = a->limits.max_time_ms;
    cfg.when_exceeded = when_exceeded(f->when_exceeded);
    steer = dr_steer_new(&cfg);

    while (!job_done(j)) {
        DrSteerAction action;
        DrJobStats snap;
        gboolean have_snap;

        g_usleep(POLL_MS * 1000);
        /* Ctrl-C: no more steering; abort_thread() aborts. */
        if (interrupted)
            aborting = TRUE;
        have_snap = dr_job_stats_get(j->dom, 0, &snap) && snap.active;
        /* Max time is kept by the wall clock, stats or not. */
        smp.elapsed_ms = (uint64_t)((g_get_monotonic_time() - start) / 1000);
        if (have_snap) {
            smp.iteration = snap.iteration;
            smp.remaining = snap.remaining;
            smp.xbzrle_pages = snap.xbzrle_pages;
            smp.xbzrle_misses = snap.xbzrle_misses;
        }
        if (!aborting && dr_steer_feed(steer, &smp, &action) != DR_STEER_ACTION_NONE) {
            gboolean ok = steer_apply(f, j->dom, &action);
            dr_steer_applied(steer, &action, ok);
            if (ok && action.kind == DR_STEER_ACTION_POSTCOPY)
                postcopy_started = TRUE;
            if (ok && action.kind == DR_STEER_ACTION_ABORT)
                aborting = TRUE;
        }
        if (!have_snap)
            continue;
        *last = snap;
        if (!downtime_set) {
            if (virDomainMigrateSetMaxDowntime(j->dom, s->max_downtime_ms, 0) == 0) {
                downtime_set = TRUE;
                g_debug("max downtime set to %" G_GUINT64_FORMAT " ms", s->max_downtime_ms);
            }
        }
        if (s->postcopy && !postcopy_started && snap.iteration >= 2) {
            if (virDomainMigrateStartPostCopy(j->dom, 0) == 0) {
                DrSteerAction pc = { .kind = DR_STEER_ACTION_POSTCOPY };
                postcopy_started = TRUE;
                dr_steer_applied(steer, &pc, TRUE);
                act(f, g_strdup_printf(_("Round %llu: switched to postcopy, as planned"),
                                       snap.iteration));
            }
        }
        if (f->progress && !f->json) {
            double done = snap.total ? 100.0 * (double)(snap.total - MIN(snap.remaining, snap.total)) /
                                       (double)snap.total : 0;
            fputc('\r', f->ctl->err);
            if (cfg.xbzrle) {
                /* libvirt has no rate: deltas of its counters per poll. */
                double miss = dr_job_stats_miss_rate(&prev, &snap);
                fprintf(f->ctl->err, _("Migration: [%1$3.0f %%] round %2$llu, XBZRLE cache misses %3$.0f%% "),
                        done, snap.iteration, miss * 100);
            } else {
                fprintf(f->ctl->err, _("Migration: [%1$3.0f %%] round %2$llu "), done, snap.iteration);
            }
            fflush(f->ctl->err);
        }
        prev = snap;
    }
    if (f->progress && !f->json) {
        fputs("\r\033[K", f->ctl->err);
        fflush(f->ctl->err);
    }
}

static void
print_outcome(FILE *out, const DrMigPrediction *p, const DrJobStats *actual, gboolean have_actual,
              double wall_s)
{
    fprintf(out, "%s\n", _("Predicted against actual:"));
    fprintf(out, "  %-10s %12s %12s\n", "", _("predicted"), _("actual"));
    if (!have_actual) {
        fprintf(out, _("  (libvirt kept no completed statistics; wall time %.1f s)\n"), wall_s);
        return;
    }
    fprintf(out, "  %-10s %10.1f s %10.1f s\n", _("total"), p->total_s, actual->elapsed_ms / 1000.0);
    fprintf(out, "  %-10s %9.0f ms %9llu ms\n", _("downtime"), p->downtime_s * 1000, actual->downtime_ms);
    fprintf(out, "  %-10s %8.0f MiB %8.0f MiB\n", _("sent"), (double)p->bytes / MIB,
            (double)actual->processed / MIB);
    fprintf(out, "  %-10s %12u %12llu\n", _("rounds"), p->rounds, actual->iteration);
}

static JsonNode *
outcome_json(const char *name, const DrAdvisorResult *r, const DrMigParams *mp, gboolean migrated,
             const char *outcome, const DrJobStats *actual, gboolean have_actual, GPtrArray *actions)
{
    const DrAdvice *a = r->advice;
    const DrAdviceCandidate *c = &a->candidates[a->chosen];
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *plan = dr_advice_settings_describe(&c->settings);
    g_auto(GStrv) flags = dr_mig_params_flag_names(mp->flags);
    g_auto(GStrv) params = dr_mig_params_to_strv(mp);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "plan");
    json_builder_add_string_value(b, plan);
    json_builder_set_member_name(b, "migrated");
    json_builder_add_boolean_value(b, migrated);
    json_builder_set_member_name(b, "outcome");
    json_builder_add_string_value(b, outcome);
    json_builder_set_member_name(b, "flags");
    json_builder_begin_array(b);
    for (char **p = flags; *p; p++)
        json_builder_add_string_value(b, *p);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "params");
    json_builder_begin_array(b);
    for (char **p = params; *p; p++)
        json_builder_add_string_value(b, *p);
    json_builder_end_array(b);
    vdr_json_add_int(b, "max_downtime_ms", (gint64)c->settings.max_downtime_ms);
    json_builder_set_member_name(b, "predicted");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "converges");
    json_builder_add_boolean_value(b, c->prediction.converges);
    vdr_json_add_double(b, "total_s", c->prediction.total_s);
    vdr_json_add_double(b, "downtime_s", c->prediction.downtime_s);
    vdr_json_add_int(b, "bytes", (gint64)MIN(c->prediction.bytes, (uint64_t)G_MAXINT64));
    vdr_json_add_int(b, "rounds", c->prediction.rounds);
    json_builder_end_object(b);
    if (have_actual) {
        json_builder_set_member_name(b, "actual");
        json_builder_begin_object(b);
        vdr_json_add_double(b, "total_s", actual->elapsed_ms / 1000.0);
        vdr_json_add_double(b, "downtime_s", actual->downtime_ms / 1000.0);
        vdr_json_add_int(b, "bytes", (gint64)actual->processed);
        vdr_json_add_int(b, "rounds", (gint64)actual->iteration);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "actions");
    json_builder_begin_array(b);
    for (guint i = 0; actions && i < actions->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(actions, i));
    json_builder_end_array(b);
    vdr_advice_inputs_json(b, r);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static gboolean
cmd_migrate(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virConnect) dconn = NULL;
    g_autoptr(virDomain) ddom = NULL;
    g_autoptr(DrAdvisorResult) r = NULL;
    g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(DrCalibration) cal = NULL;
    DrAdvisorParams params;
    DrMigParams mp = { 0 };
    const char *desturi = vdr_cmd_get_string(cmd, "desturi");
    gboolean p2p = vdr_cmd_has(cmd, "p2p"), json = vdr_cmd_has(cmd, "json");
    unsigned int flags = 0;
    const DrAdviceCandidate *c;
    MigrateJob job = { 0 };
    GThread *thread, *aborter;
    DrJobStats last = { 0 }, done = { 0 };
    gboolean have_actual = FALSE;
    Follow fol = { ctl, FALSE, json, actions, NULL, FALSE, FALSE };
    struct sigaction sa = { 0 }, old_sa;
    virDomainJobInfo info;
    gint64 t0;
    double wall;

    if (vdr_cmd_has(cmd, "tunnelled") && !p2p) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Option --tunnelled needs --p2p"));
        return FALSE;
    }
    if (!vdr_advise_params_from_options(cmd, &params, &cal, error))
        return FALSE;
    if (vdr_cmd_has(cmd, "persistent"))
        flags |= VIR_MIGRATE_PERSIST_DEST;
    if (vdr_cmd_has(cmd, "undefinesource"))
        flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
    if (p2p)
        flags |= VIR_MIGRATE_PEER2PEER;
    if (vdr_cmd_has(cmd, "tunnelled"))
        flags |= VIR_MIGRATE_TUNNELLED;

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    if (virDomainGetJobInfo(dom, &info) == 0 && info.type != VIR_DOMAIN_JOB_NONE) {
        g_set_error(error, DR_ERROR, DR_ERROR_BUSY,
                    _("Domain '%1$s' has a job in progress (a migration, or another): nothing was started"),
                    virDomainGetName(dom));
        return FALSE;
    }
    /* The destination: for what it supports, and, without --p2p, to
     * migrate to; it must be read-write for the status element. */
    if (!(dconn = virConnectOpen(desturi))) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("Cannot connect to the destination '%1$s': %2$s"), desturi, msg);
        return FALSE;
    }
    params.dest = dconn;
    if (!(r = vdr_advise_run(ctl, dom, &params, json, NULL, error)))
        return FALSE;
    c = &r->advice->candidates[r->advice->chosen];
    if (!dr_mig_params_build(&c->settings, r->advice->input.bandwidth,
                             vdr_cmd_get_string(cmd, "migrateuri"), flags, &mp, error))
        return FALSE;

    if (vdr_cmd_has(cmd, "dry-run") || !r->advice->converges) {
        if (json) {
            g_autoptr(JsonNode) root = outcome_json(virDomainGetName(dom), r, &mp, FALSE,
                                                    vdr_cmd_has(cmd, "dry-run") ? "dry-run" : "refused",
                                                    NULL, FALSE, NULL);
            vdr_json_print(ctl->out, root);
        } else {
            vdr_advice_print(ctl->out, virDomainGetName(dom), r, &mp, FALSE);
        }
        if (!r->advice->converges) {
            g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                        _("No setting that the policy allows converges: nothing was migrated (see the reasons; --downtime or --bandwidth change the limits)"));
            dr_mig_params_clear(&mp);
            return FALSE;
        }
        if (!json)
            fprintf(ctl->out, "%s\n", _("Dry run: nothing was migrated."));
        dr_mig_params_clear(&mp);
        return TRUE;
    }

    /* The advice's reasons say it too, but a migration prints only its plan. */
    if (r->advice->caps & DR_MIG_CAP_TCG_LOSES_STORES)
        fprintf(ctl->err, "%s\n",
                _("warning: this QEMU (< 9.0) can lose the guest's writes during a live migration under TCG (QEMU commit 03bfc2188f fixes it); the guest may crash on arrival"));

    if (!json) {
        g_autofree char *plan = dr_advice_settings_describe(&c->settings);
        fprintf(ctl->out, _("Plan: %1$s; predicted: %2$s in %3$.1f s with %4$.0f ms downtime\n"),
                plan, c->prediction.converges ? _("converges") : _("does not converge"),
                c->prediction.total_s, c->prediction.downtime_s * 1000);
        fflush(ctl->out);
    }

    /* Ctrl-C aborts the job instead of killing us mid-migration. */
    interrupted = 0;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);

    fol.when_exceeded = dr_policy_get_effective(r->policy, "limits.when-exceeded", NULL);
    job.dom = dom;
    job.dconn = p2p ? NULL : dconn;
    job.desturi = desturi;
    job.mp = &mp;
    g_mutex_init(&job.lock);
    fol.progress = vdr_cmd_has(cmd, "verbose") || (!ctl->quiet && isatty(fileno(ctl->err)));
    t0 = g_get_monotonic_time();
    thread = g_thread_new("migrate", migrate_thread, &job);
    aborter = g_thread_new("abort", abort_thread, &job);
    follow(&fol, &job, r->advice, &last);
    g_thread_join(thread);
    g_thread_join(aborter);
    if (interrupted)
        report_abort(&fol, &job);
    g_free(job.abort_error);
    wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    sigaction(SIGINT, &old_sa, NULL);
    g_mutex_clear(&job.lock);

    if (job.error) {
        g_autofree char *plan = dr_advice_settings_describe(&c->settings);
        DrStatusMigration st = { 0 };
        if (json) {
            g_autoptr(JsonNode) root = outcome_json(virDomainGetName(dom), r, &mp, FALSE,
                                                    interrupted ? "aborted" :
                                                    fol.timed_out ? "timed-out" : "failed",
                                                    NULL, FALSE, actions);
            vdr_json_print(ctl->out, root);
        }
        dr_mig_params_clear(&mp);
        /* Recorded on the source, where the guest still is. */
        st.plan = plan;
        st.outcome = interrupted ? "aborted" : fol.timed_out ? "timed-out" : "failed";
        dr_status_figures_from_prediction(&st.predicted, &c->prediction);
        if (virDomainIsActive(dom) == 1)
            (void)dr_status_add_migration(dom, &st, VIR_DOMAIN_AFFECT_LIVE, NULL);
        if (interrupted) {
            g_set_error(error, DR_ERROR, DR_ERROR_CANCELLED,
                        _("Migration of domain '%1$s' aborted: the guest is still running on the source"),
                        virDomainGetName(dom));
            g_clear_error(&job.error);
            return FALSE;
        }
        if (fol.timed_out) {
            g_set_error(error, DR_ERROR, DR_ERROR_TIMEOUT,
                        _("Migration of domain '%1$s' did not finish within the policy's max time of %2$llu ms and was aborted: the guest is still running on the source"),
                        virDomainGetName(dom), (unsigned long long)r->advice->limits.max_time_ms);
            g_clear_error(&job.error);
            return FALSE;
        }
        g_propagate_error(error, job.error);
        return FALSE;
    }

    /* The completed job, as the destination saw it. */
    ddom = job.result;
    if (!ddom)
        ddom = virDomainLookupByName(dconn, virDomainGetName(dom));
    if (ddom && fol.suspended && virDomainResume(ddom) == 0)
        act(&fol, g_strdup(_("Guest resumed on the destination")));
    /* The destination may still be closing its side of the job when the
     * call returns: its completed statistics can take a moment to appear.
     * They are kept for other clients (KEEP_COMPLETED). */
    for (int i = 0; ddom && i < COMPLETED_TRIES && !have_actual; i++) {
        if (i > 0)
            g_usleep(POLL_MS * 1000);
        have_actual = dr_job_stats_get(ddom, VIR_DOMAIN_JOB_STATS_COMPLETED |
                               VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, &done) && done.elapsed_ms;
    }
    if (!have_actual)
        g_debug("the destination gave no completed job statistics");
    if (have_actual) {
        /* The destination counts what it received; rounds are the source's. */
        if (!done.iteration)
            done.iteration = last.iteration;
        if (!done.processed)
            done.processed = last.processed;
    }
    if (ddom) {
        g_autofree char *plan = dr_advice_settings_describe(&c->settings);
        g_autofree char *host = virConnectGetHostname(virDomainGetConnect(dom));
        DrStatusMigration st = { 0 };
        g_autoptr(GError) serr = NULL;
        st.plan = plan;
        st.outcome = fol.suspended ? "forced" : "completed";
        st.from = host;
        dr_status_figures_from_prediction(&st.predicted, &c->prediction);
        st.have_actual = have_actual;
        st.actual.converges = TRUE;
        st.actual.total_ms = done.elapsed_ms;
        st.actual.downtime_ms = done.downtime_ms;
        st.actual.bytes = done.processed;
        st.actual.rounds = (unsigned int)done.iteration;
        if (!dr_status_add_migration(ddom, &st, VIR_DOMAIN_AFFECT_LIVE, &serr))
            act(&fol, g_strdup_printf(_("The status could not be written on the destination: %s"),
                                      serr->message));
        else if ((flags & VIR_MIGRATE_PERSIST_DEST) &&
                 !dr_status_add_migration(ddom, &st, VIR_DOMAIN_AFFECT_CONFIG, &serr))
            act(&fol, g_strdup_printf(_("The status could not be written in the destination's config: %s"),
                                      serr->message));
    }

    if (json) {
        g_autoptr(JsonNode) root = outcome_json(virDomainGetName(dom), r, &mp, TRUE,
                                                fol.suspended ? "forced" : "completed",
                                                &done, have_actual, actions);
        vdr_json_print(ctl->out, root);
    } else {
        fprintf(ctl->out, _("Migration of domain '%1$s' to %2$s: %3$s\n"),
                virDomainGetName(dom), desturi,
                fol.suspended ? _("completed with the guest paused at the max time") : _("completed"));
        print_outcome(ctl->out, &c->prediction, &done, have_actual, wall);
    }
    dr_mig_params_clear(&mp);
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_migrate = {
    .name = "domdirtyrate-migrate",
    .summary = N_("migrate a domain as domdirtyrate-advise decides, and compare with the prediction"),
    .description = N_("Advises as domdirtyrate-advise does (checking what the destination\n"
                      "supports), then migrates live with the plan's typed parameters: XBZRLE\n"
                      "and its cache, parallel connections, auto-converge and its steps,\n"
                      "postcopy, the bandwidth (--bandwidth, else the policy's) and the max\n"
                      "downtime.  Without --p2p it uses virDomainMigrate3 over a connection to\n"
                      "DESTURI; with --p2p, virDomainMigrateToURI3.  While it runs it shows\n"
                      "the progress and XBZRLE's cache-miss rate (from libvirt's counters), may\n"
                      "double the XBZRLE cache when most pages miss (within the policy's cap),\n"
                      "may raise the max downtime up to the policy's when rounds stop shrinking,\n"
                      "and switches to postcopy after the first pass when that is the plan.\n"
                      "Ctrl-C aborts the migration; the guest keeps running on the source.\n"
                      "At the end it prints predicted against actual and records both in a\n"
                      "status element in the domain's metadata on the destination.  Where\n"
                      "nothing the policy allows converges, it migrates nothing."),
    .opts = opts_migrate,
    .handler = cmd_migrate,
    .conn = VDR_CONN_READWRITE,
};
