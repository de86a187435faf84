/*
 * dr-advice.c: the decision engine
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-advice.h"
#include "dr-error.h"
#include "dr-units.h"

#define MIB (1024.0 * 1024.0)

static gboolean
get_duration(const DrPolicy *p, const char *key, uint64_t *ms, GError **error)
{
    return dr_units_parse_duration(dr_policy_get_effective(p, key, NULL), ms, error);
}

static gboolean
get_percent(const DrPolicy *p, const char *key, unsigned int *pct, GError **error)
{
    double v;
    if (!dr_units_parse_percent(dr_policy_get_effective(p, key, NULL), &v, error))
        return FALSE;
    *pct = (unsigned int)llround(v);
    return TRUE;
}

gboolean
dr_advice_limits_from_policy(DrAdviceLimits *l, const DrPolicy *p, uint64_t ram_bytes,
                             GError **error)
{
    const char *use = dr_policy_get_effective(p, "xbzrle.use", NULL);
    const char *cache = dr_policy_get_effective(p, "xbzrle.cache", NULL);
    const char *cap = dr_policy_get_effective(p, "xbzrle.max-cache", NULL);

    memset(l, 0, sizeof(*l));
    if (!get_duration(p, "limits.max-downtime", &l->max_downtime_ms, error) ||
        !get_duration(p, "limits.max-time", &l->max_time_ms, error) ||
        !get_percent(p, "escalate.auto-converge-initial", &l->auto_converge_initial, error) ||
        !get_percent(p, "escalate.auto-converge-increment", &l->auto_converge_increment, error))
        return FALSE;
    l->xbzrle = strcmp(use, "on") == 0 ? DR_ADVICE_XBZRLE_ON :
                strcmp(use, "off") == 0 ? DR_ADVICE_XBZRLE_OFF : DR_ADVICE_XBZRLE_AUTO;
    if (strcmp(cache, "auto") != 0 && !dr_units_parse_size(cache, &l->xbzrle_cache, error))
        return FALSE;
    if (strchr(cap, '%')) {
        double pct;
        if (!dr_units_parse_percent(cap, &pct, error))
            return FALSE;
        l->xbzrle_max_cache = (uint64_t)((double)ram_bytes * MIN(pct, 100.0) / 100.0);
    } else if (!dr_units_parse_size(cap, &l->xbzrle_max_cache, error)) {
        return FALSE;
    }
    l->auto_converge = strcmp(dr_policy_get_effective(p, "escalate.auto-converge", NULL), "yes") == 0;
    l->postcopy = strcmp(dr_policy_get_effective(p, "escalate.postcopy", NULL), "yes") == 0 ||
                  strcmp(dr_policy_get_effective(p, "limits.when-exceeded", NULL), "postcopy") == 0;
    l->qmp = strcmp(dr_policy_get_effective(p, "measure.qmp", NULL), "allow") == 0;
    return TRUE;
}

void
dr_advice_free(DrAdvice *a)
{
    if (!a)
        return;
    g_free(a->candidates);
    g_strfreev(a->reasons);
    g_free(a);
}

char *
dr_advice_settings_describe(const DrMigSettings *s)
{
    GString *out = g_string_new(NULL);

    if (s->postcopy)
        g_string_append(out, "postcopy");
    else if (s->parallel)
        g_string_append_printf(out, "multifd %u", s->parallel);
    if (s->compression == DR_MIG_COMPRESSION_XBZRLE) {
        g_autofree char *size = dr_units_format_size(s->xbzrle_cache);
        g_string_append_printf(out, "xbzrle %s", size);
    } else if (s->compression != DR_MIG_COMPRESSION_NONE) {
        g_string_append_printf(out, " %s", dr_mig_compression_to_string(s->compression));
    }
    if (s->auto_converge)
        g_string_append_printf(out, "%sauto-converge", out->len ? " + " : "");
    if (s->dirty_limit > 0)
        g_string_append_printf(out, "%sdirty-limit %.0fMiB/s", out->len ? " + " : "",
                               s->dirty_limit / MIB);
    if (!out->len)
        g_string_append(out, "none");
    return g_string_free(out, FALSE);
}

/* How much a setting asks of the guest and the host, to break near-ties. */
static unsigned int
cost_rank(const DrMigSettings *s)
{
    unsigned int r = 0;
    if (s->parallel)
        r += 1;
    if (s->compression == DR_MIG_COMPRESSION_ZSTD || s->compression == DR_MIG_COMPRESSION_ZLIB)
        r += 1;
    if (s->compression == DR_MIG_COMPRESSION_XBZRLE)
        r += 2;
    if (s->auto_converge)
        r += 4;
    if (s->dirty_limit > 0)
        r += 4;
    if (s->postcopy)
        r += 8; /* a failure in postcopy loses the guest */
    return r;
}

typedef struct {
    GArray *cands;
    const DrMigInput *in;
    const DrAdviceLimits *limits;
} Grid;

static gboolean
grid_add(Grid *g, const DrMigSettings *s, GError **error)
{
    DrAdviceCandidate c = { 0 };
    DrMigInput at_limit = *g->in;

    c.settings = *s;
    c.settings.max_downtime_ms = g->limits->max_downtime_ms;
    c.settings.max_time_ms = g->limits->max_time_ms;
    if (!dr_mig_predict(g->in, &c.settings, &c.prediction, error))
        return FALSE;
    c.rank_s = c.prediction.total_s;
    c.rank_converges = c.prediction.converges;
    /* Not chosen for a pace past the limit that the link may not give:
     * as if calibrated at the limit. */
    if (c.prediction.uncertain & DR_MIG_UNCERTAIN_LINK) {
        DrMigPrediction p;
        at_limit.link_factor[dr_mig_link_class(s)] = 1.0;
        if (!dr_mig_predict(&at_limit, &c.settings, &p, error))
            return FALSE;
        c.rank_s = p.total_s;
        c.rank_converges = p.converges;
    }
    if (c.prediction.converges) {
        DrMigInput stressed = at_limit;
        DrMigPrediction p;
        /* A small set is seen by few samples: its interval's upper end
         * can be far above the margin. */
        stressed.wss_bytes = MAX(stressed.wss_bytes * DR_ADVICE_MARGIN,
                                 MIN(g->in->wss_bytes_high, (double)g->in->ram_bytes));
        stressed.wss_rate = MAX(stressed.wss_rate * DR_ADVICE_MARGIN, g->in->wss_rate_high);
        stressed.dirty_rate *= DR_ADVICE_MARGIN;
        /* The codecs are sampled too: their ratios and speeds may be
         * as far off. */
        for (unsigned int k = 0; k < DR_PAGE_CODEC_LAST; k++) {
            if (stressed.page_ratio_first[k] > 0)
                stressed.page_ratio_first[k] = MAX(1.0, stressed.page_ratio_first[k] / DR_ADVICE_MARGIN);
            if (stressed.page_ratio[k] > 0)
                stressed.page_ratio[k] = MAX(1.0, stressed.page_ratio[k] / DR_ADVICE_MARGIN);
            stressed.page_codec_speed[k] /= DR_ADVICE_MARGIN;
            stressed.page_codec_speed_first[k] /= DR_ADVICE_MARGIN;
        }
        stressed.xbzrle_encode_speed /= DR_ADVICE_MARGIN;
        stressed.xbzrle_encoded = MIN(stressed.xbzrle_encoded * DR_ADVICE_MARGIN,
                                      (double)stressed.page_size);
        if (!dr_mig_predict(&stressed, &c.settings, &p, error))
            return FALSE;
        c.robust = p.converges;
    }
    g_array_append_val(g->cands, c);
    return TRUE;
}

/* Adds @s, and @s with auto-converge when the policy and both ends allow it. */
static gboolean
grid_add_both(Grid *g, unsigned int caps, DrMigSettings s, GError **error)
{
    if (!grid_add(g, &s, error))
        return FALSE;
    if (g->limits->auto_converge && (caps & DR_MIG_CAP_AUTO_CONVERGE)) {
        s.auto_converge = TRUE;
        s.auto_converge_initial = g->limits->auto_converge_initial;
        s.auto_converge_increment = g->limits->auto_converge_increment;
        if (!grid_add(g, &s, error))
            return FALSE;
    }
    return TRUE;
}

static uint64_t
pow2_floor(uint64_t v)
{
    return v ? 1ULL << (63 - __builtin_clzll(v)) : 0;
}

static gboolean
build_grid(Grid *g, unsigned int caps, GError **error)
{
    const DrMigInput *in = g->in;
    const DrAdviceLimits *l = g->limits;
    DrMigSettings base = { 0 };

    if (l->xbzrle != DR_ADVICE_XBZRLE_ON) {
        if (!grid_add_both(g, caps, base, error))
            return FALSE;
    }

    if (l->xbzrle != DR_ADVICE_XBZRLE_OFF && (caps & DR_MIG_CAP_XBZRLE)) {
        uint64_t cap = l->xbzrle_max_cache;
        uint64_t ram_pow2 = pow2_floor(in->ram_bytes);
        uint64_t lo, hi;

        if (ram_pow2 < in->ram_bytes)
            ram_pow2 *= 2;
        if (in->host_free_bytes)
            cap = MIN(cap, in->host_free_bytes / 2);
        hi = pow2_floor(MIN(cap, ram_pow2));
        lo = MIN((uint64_t)DR_ADVICE_CACHE_MIN, hi);
        if (l->xbzrle_cache)
            lo = hi = l->xbzrle_cache;
        for (uint64_t c = lo; c && c <= hi; c *= 2) {
            DrMigSettings s = base;
            if (c < in->page_size)
                continue;
            s.compression = DR_MIG_COMPRESSION_XBZRLE;
            s.xbzrle_cache = c;
            if (!grid_add_both(g, caps, s, error))
                return FALSE;
        }
    }

    if (l->xbzrle != DR_ADVICE_XBZRLE_ON && (caps & DR_MIG_CAP_MULTIFD) && in->host_cpus >= 2) {
        for (unsigned int n = 2; n <= MIN(in->host_cpus, DR_ADVICE_PARALLEL_MAX); n *= 2) {
            static const struct { DrMigCompression c; unsigned int cap; } comps[] = {
                { DR_MIG_COMPRESSION_NONE, DR_MIG_CAP_MULTIFD },
                { DR_MIG_COMPRESSION_ZSTD, DR_MIG_CAP_MULTIFD_ZSTD },
                { DR_MIG_COMPRESSION_ZLIB, DR_MIG_CAP_MULTIFD_ZLIB },
            };
            for (size_t i = 0; i < G_N_ELEMENTS(comps); i++) {
                DrMigSettings s = base;
                if (!(caps & comps[i].cap))
                    continue;
                s.parallel = n;
                s.compression = comps[i].c;
                if (!grid_add_both(g, caps, s, error))
                    return FALSE;
            }
        }
    }

    if (l->postcopy && (caps & DR_MIG_CAP_POSTCOPY)) {
        DrMigSettings s = base;
        s.postcopy = TRUE;
        if (!grid_add(g, &s, error))
            return FALSE;
    }

    if (l->qmp && (caps & DR_MIG_CAP_DIRTY_LIMIT) && in->dirty_rate > 0) {
        DrMigSettings s = base;
        /* Hold the guest to a quarter of the link: rounds then shrink
         * geometrically. */
        s.dirty_limit = MAX(MIB, in->bandwidth / 4 / in->vcpus);
        if (s.dirty_limit * in->vcpus < in->dirty_rate && !grid_add(g, &s, error))
            return FALSE;
    }
    return TRUE;
}

/* Between two near-tied settings that ask as much: the one that takes
 * less of the source host's memory, then clearly less of its CPU (zstd
 * against zlib: their times are within noise of each other, their CPU
 * costs are not), then the faster. */
static gboolean
less_host(const DrAdviceCandidate *a, const DrAdviceCandidate *b)
{
    const DrMigPrediction *pa = &a->prediction, *pb = &b->prediction;

    if (pa->source_memory != pb->source_memory)
        return pa->source_memory < pb->source_memory;
    if (pa->source_cpu_s * DR_ADVICE_CPU_SLACK < pb->source_cpu_s)
        return TRUE;
    if (pb->source_cpu_s * DR_ADVICE_CPU_SLACK < pa->source_cpu_s)
        return FALSE;
    return a->rank_s < b->rank_s;
}

static size_t
choose(const DrAdviceCandidate *c, size_t n, gboolean *converges)
{
    size_t best = 0;
    gboolean any = FALSE, any_robust = FALSE;
    double fastest = INFINITY;

    /* dirty-limit is weighed and reported, never chosen: libvirt cannot
     * set it in a migration. */
    for (size_t i = 0; i < n; i++) {
        if (c[i].settings.dirty_limit > 0)
            continue;
        any |= c[i].prediction.converges;
        any_robust |= c[i].robust;
    }
    for (size_t i = 0; i < n; i++) {
        if (c[i].settings.dirty_limit == 0 && c[i].prediction.converges &&
            (c[i].robust || !any_robust))
            fastest = MIN(fastest, c[i].rank_s);
    }
    *converges = any;
    if (any) {
        gboolean have = FALSE;
        for (size_t i = 0; i < n; i++) {
            const DrMigPrediction *p = &c[i].prediction;
            unsigned int r, rb;
            if (!p->converges || (any_robust && !c[i].robust) || c[i].settings.dirty_limit > 0 ||
                c[i].rank_s > fastest * DR_ADVICE_SLACK)
                continue;
            if (!have) {
                best = i;
                have = TRUE;
                continue;
            }
            r = cost_rank(&c[i].settings);
            rb = cost_rank(&c[best].settings);
            if (r < rb || (r == rb && less_host(&c[i], &c[best])))
                best = i;
        }
        return best;
    }
    /* None converges: the one that would stop the guest for least. */
    for (size_t i = 1; i < n; i++) {
        if (c[i].settings.dirty_limit == 0 &&
            c[i].prediction.downtime_s < c[best].prediction.downtime_s)
            best = i;
    }
    return best;
}

/* The best of the candidates that match @pred, or NULL. */
static const DrAdviceCandidate *
best_where(const DrAdvice *a, gboolean (*pred)(const DrMigSettings *))
{
    const DrAdviceCandidate *best = NULL;
    for (size_t i = 0; i < a->ncandidates; i++) {
        const DrAdviceCandidate *c = &a->candidates[i];
        if (!pred(&c->settings))
            continue;
        if (!best ||
            (c->prediction.converges && !best->prediction.converges) ||
            (c->prediction.converges == best->prediction.converges &&
             (c->prediction.converges ? c->prediction.total_s < best->prediction.total_s
                                      : c->prediction.downtime_s < best->prediction.downtime_s)))
            best = c;
    }
    return best;
}

static gboolean is_plain(const DrMigSettings *s)
{ return !s->parallel && !s->postcopy && !s->auto_converge && !s->dirty_limit &&
         s->compression == DR_MIG_COMPRESSION_NONE; }
static gboolean is_xbzrle(const DrMigSettings *s)
{ return s->compression == DR_MIG_COMPRESSION_XBZRLE && !s->auto_converge; }
static gboolean is_multifd(const DrMigSettings *s)
{ return s->parallel && !s->auto_converge; }

static char *
outcome(const DrMigPrediction *p)
{
    if (p->converges)
        return g_strdup_printf(_("converges in %.1f s with %.0f ms downtime"),
                               p->total_s, p->downtime_s * 1000);
    return g_strdup_printf(_("does not converge in %.0f s (%.0f MiB still dirty)"),
                           p->total_s, p->pending_bytes / MIB);
}

static void
explain(DrAdvice *a)
{
    g_autoptr(GPtrArray) r = g_ptr_array_new_with_free_func(g_free);
    const DrMigInput *in = &a->input;
    const DrAdviceCandidate *chosen = &a->candidates[a->chosen];
    g_autofree char *name = dr_advice_settings_describe(&chosen->settings);
    g_autofree char *what = outcome(&chosen->prediction);
    const DrAdviceCandidate *c;

    g_ptr_array_add(r, g_strdup_printf(
        _("The guest dirties %1$.1f MiB/s over a working set of %2$.0f MiB; the link carries %3$.1f MiB/s, %4$.0f MiB per %5$llu ms of downtime."),
        in->dirty_rate / MIB, in->wss_bytes / MIB, in->bandwidth / MIB,
        in->bandwidth * (double)a->limits.max_downtime_ms / 1000.0 / MIB,
        (unsigned long long)a->limits.max_downtime_ms));
    g_ptr_array_add(r, g_strdup_printf(_("Chosen: %1$s, which %2$s."), name, what));

    if ((c = best_where(a, is_plain)) && c != chosen) {
        g_autofree char *o = outcome(&c->prediction);
        g_ptr_array_add(r, g_strdup_printf(_("Without compression or throttling it %s."), o));
    }
    if (a->limits.xbzrle == DR_ADVICE_XBZRLE_OFF) {
        g_ptr_array_add(r, g_strdup(_("XBZRLE: off, as the policy says.")));
    } else if (!(a->caps & DR_MIG_CAP_XBZRLE)) {
        g_ptr_array_add(r, g_strdup(_("XBZRLE: not supported by both ends.")));
    } else if ((c = chosen->settings.compression == DR_MIG_COMPRESSION_XBZRLE ? chosen
                                                                             : best_where(a, is_xbzrle))) {
        g_autofree char *n = dr_advice_settings_describe(&c->settings);
        g_autofree char *o = outcome(&c->prediction);
        g_ptr_array_add(r, g_strdup_printf(
            _("XBZRLE: %1$s misses %2$.0f%% of pages in the model and %3$s; %4$.0f%% of changed pages overflow."),
            n, c->prediction.cache_miss_rate * 100, o, in->overflow_fraction * 100));
    }
    if (chosen->settings.auto_converge) {
        g_ptr_array_add(r, g_strdup_printf(
            _("Auto-converge: needed; the throttle reaches %.0f%%.%s"),
            chosen->prediction.throttle * 100,
            in->vcpu_busy < 0 ? _(" vCPU use was not measured, so how far it slows the guest's writes is a guess.") :
            "") );
        if (in->vcpu_busy >= 0)
            g_ptr_array_add(r, g_strdup_printf(
                _("The vCPUs are %.0f%% busy: a throttle below %.0f%% leaves the guest's writes as they are."),
                in->vcpu_busy * 100, (1 - in->vcpu_busy) * 100));
    } else if (a->limits.auto_converge && (a->caps & DR_MIG_CAP_AUTO_CONVERGE)) {
        g_ptr_array_add(r, g_strdup(a->converges ? _("Auto-converge: not needed, so the guest is not slowed.")
                                                 : _("Auto-converge: does not help enough.")));
    }
    if ((c = best_where(a, is_multifd)) && c != chosen) {
        g_autofree char *n = dr_advice_settings_describe(&c->settings);
        g_autofree char *o = outcome(&c->prediction);
        g_ptr_array_add(r, g_strdup_printf(_("multifd: the best, %1$s, %2$s; on a link this slow, parallel connections send the same bytes no faster."), n, o));
    }
    for (size_t i = 0; i < a->ncandidates; i++) {
        const DrAdviceCandidate *d = &a->candidates[i];
        if (d->settings.dirty_limit > 0) {
            g_autofree char *n = dr_advice_settings_describe(&d->settings);
            g_autofree char *o = outcome(&d->prediction);
            g_ptr_array_add(r, g_strdup_printf(_("%1$s %2$s; it needs QMP, and libvirt cannot set it in a migration, so it is not chosen."),
                                               n, o));
        }
    }
    if (a->caps & DR_MIG_CAP_TCG_LOSES_STORES)
        g_ptr_array_add(r, g_strdup(_("Warning: the guest runs under TCG on a QEMU older than 9.0, which can lose the guest's writes during a live migration (a QEMU bug, fixed by commit 03bfc2188f); the guest may crash on arrival. Upgrade QEMU, or migrate with the guest paused.")));
    if (chosen->prediction.uncertain & DR_MIG_UNCERTAIN_PLACEMENT)
        g_ptr_array_add(r, g_strdup(_("Uncertain: where the working set lies in RAM was not measured; it was taken to be one piece, which QEMU's cache holds best.")));
    if (chosen->prediction.uncertain & DR_MIG_UNCERTAIN_PAGE_RATIO)
        g_ptr_array_add(r, g_strdup(_("Uncertain: how well whole pages compress was not measured; no gain was counted.")));
    if ((chosen->prediction.uncertain & DR_MIG_UNCERTAIN_LINK) && chosen->rank_converges)
        g_ptr_array_add(r, g_strdup_printf(_("Uncertain: how far multifd runs past the bandwidth limit. QEMU counts a packet once sent, so each 100 ms lets out about half a packet, and one more per connection, beyond the limit; the time is taken for a link that carries them. On a link no faster than the limit it would be %1$.1f s. The daemon's calibration measures it."),
                                           chosen->rank_s));
    else if (chosen->prediction.uncertain & DR_MIG_UNCERTAIN_LINK)
        g_ptr_array_add(r, g_strdup(_("Uncertain: how far multifd runs past the bandwidth limit. QEMU counts a packet once sent, so each 100 ms lets out about half a packet, and one more per connection, beyond the limit; the time is taken for a link that carries them. On a link no faster than the limit it would not converge. The daemon's calibration measures it.")));
    if (chosen->prediction.uncertain & DR_MIG_UNCERTAIN_WSS)
        g_ptr_array_add(r, g_strdup_printf(_("Uncertain: the working set was still growing at the longest period measured (%1$.0f s), and the first pass takes longer; what the guest dirties meanwhile is the fitted curve carried past its data."),
                                           in->wss_span_s));
    if (chosen->prediction.uncertain & DR_MIG_UNCERTAIN_POSTCOPY)
        g_ptr_array_add(r, g_strdup(_("Postcopy: the guest runs on the destination while its pages still arrive, slowed by each fault; if the link fails then, the guest is lost.")));

    if (!a->converges) {
        if (a->needed_downtime_ms)
            g_ptr_array_add(r, g_strdup_printf(_("Nothing the policy allows converges. A max downtime of %llu ms would."),
                                               (unsigned long long)a->needed_downtime_ms));
        else
            g_ptr_array_add(r, g_strdup(_("Nothing the policy allows converges.")));
        if (a->postcopy_would)
            g_ptr_array_add(r, g_strdup_printf(_("Postcopy, which the policy forbids, would finish in %.0f s."),
                                               a->postcopy_total_s));
        if (a->needed_bandwidth > 0) {
            g_autofree char *with = dr_advice_settings_describe(&a->needed_bandwidth_settings);
            g_ptr_array_add(r, g_strdup_printf(_("A link of %.1f MiB/s would converge with %s."),
                                               a->needed_bandwidth / MIB, with));
        }
    }
    g_ptr_array_add(r, NULL);
    a->reasons = (char **)g_ptr_array_free(g_steal_pointer(&r), FALSE);
}

/* Where nothing converges: the downtime, the bandwidth and postcopy that would. */
static gboolean
what_would(DrAdvice *a, GError **error)
{
    DrMigSettings s = a->candidates[a->chosen].settings;
    DrMigPrediction p;
    DrMigInput in = a->input;
    double lo = in.bandwidth, hi = in.bandwidth;

    /* The downtime: what is left at the end, sent at the link's speed. */
    s.max_downtime_ms = (uint64_t)ceil(a->candidates[a->chosen].prediction.pending_bytes /
                                       in.bandwidth * 1000.0 * 1.05) + 1;
    if (s.max_downtime_ms > a->limits.max_downtime_ms && s.max_downtime_ms <= 60000) {
        if (!dr_mig_predict(&in, &s, &p, error))
            return FALSE;
        if (p.converges)
            a->needed_downtime_ms = s.max_downtime_ms;
    }
    s = a->candidates[a->chosen].settings;

    /* The bandwidth, for the chosen setting and for the largest XBZRLE
     * cache weighed: doubling, then halving the gap. */
    {
        DrMigSettings tries[2];
        size_t ntries = 0;
        tries[ntries++] = s;
        for (size_t i = a->ncandidates; i-- > 0;) {
            const DrMigSettings *c = &a->candidates[i].settings;
            if (c->compression == DR_MIG_COMPRESSION_XBZRLE && !c->auto_converge) {
                if (i != a->chosen)
                    tries[ntries++] = *c;
                break;
            }
        }
        for (size_t t = 0; t < ntries; t++) {
            gboolean found = FALSE;
            lo = hi = a->input.bandwidth;
            for (int i = 0; i < 10 && !found; i++) {
                in.bandwidth = hi *= 2;
                if (!dr_mig_predict(&in, &tries[t], &p, error))
                    return FALSE;
                if (p.converges)
                    found = TRUE;
                else
                    lo = hi;
            }
            if (!found)
                continue;
            for (int i = 0; i < 12; i++) {
                in.bandwidth = (lo + hi) / 2;
                if (!dr_mig_predict(&in, &tries[t], &p, error))
                    return FALSE;
                if (p.converges)
                    hi = in.bandwidth;
                else
                    lo = in.bandwidth;
            }
            if (a->needed_bandwidth == 0 || hi < a->needed_bandwidth) {
                a->needed_bandwidth = hi;
                a->needed_bandwidth_settings = tries[t];
            }
        }
    }

    if (!a->limits.postcopy && (a->caps & DR_MIG_CAP_POSTCOPY)) {
        DrMigSettings pc = { 0 };
        pc.postcopy = TRUE;
        pc.max_downtime_ms = a->limits.max_downtime_ms;
        pc.max_time_ms = a->limits.max_time_ms;
        if (!dr_mig_predict(&a->input, &pc, &p, error))
            return FALSE;
        a->postcopy_would = p.converges;
        a->postcopy_total_s = p.total_s;
    }
    return TRUE;
}

DrAdvice *
dr_advise(const DrMigInput *in, const DrAdviceLimits *limits, unsigned int caps, GError **error)
{
    g_autoptr(DrAdvice) a = g_new0(DrAdvice, 1);
    g_autoptr(GArray) cands = g_array_new(FALSE, TRUE, sizeof(DrAdviceCandidate));
    Grid g = { cands, in, limits };

    if (limits->max_downtime_ms == 0 || limits->max_time_ms == 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The max downtime and max time must be above zero"));
        return NULL;
    }
    a->input = *in;
    a->limits = *limits;
    a->caps = caps;
    if (!build_grid(&g, caps, error))
        return NULL;
    if (cands->len == 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("The policy allows no way to migrate that both ends support (xbzrle.use=on, but XBZRLE is not supported)"));
        return NULL;
    }
    a->ncandidates = cands->len;
    a->candidates = (DrAdviceCandidate *)(void *)g_array_free(g_steal_pointer(&cands), FALSE);
    a->chosen = choose(a->candidates, a->ncandidates, &a->converges);
    if (!a->converges && !what_would(a, error))
        return NULL;
    explain(a);
    return g_steal_pointer(&a);
}
