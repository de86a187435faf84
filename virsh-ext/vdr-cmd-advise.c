/*
 * vdr-cmd-advise.c: domdirtyrate-advise
 */
#include <config.h>

#include <unistd.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "dr-advisor.h"
#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-migparams.h"
#include "dr-units.h"
#include "vdr-advise.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"
#include "vdr-printers.h"

#define MIB 1048576.0

static const VdrOptDef opts_advise[] = {
    VDR_OPT_DEF_DOMAIN,
    VDR_ADVISE_OPTS,
    VDR_OPT_DEF_JSON,
    { NULL }
};

/* ---- printing ---------------------------------------------------------- */

static void
json_settings(JsonBuilder *b, const DrMigSettings *s, double bandwidth)
{
    json_builder_set_member_name(b, "settings");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "compression");
    json_builder_add_string_value(b, dr_mig_compression_to_string(s->compression));
    vdr_json_add_int(b, "xbzrle_cache_bytes", (gint64)s->xbzrle_cache);
    vdr_json_add_int(b, "parallel_connections", s->parallel);
    json_builder_set_member_name(b, "auto_converge");
    json_builder_add_boolean_value(b, s->auto_converge);
    if (s->auto_converge) {
        vdr_json_add_int(b, "auto_converge_initial", s->auto_converge_initial);
        vdr_json_add_int(b, "auto_converge_increment", s->auto_converge_increment);
    }
    json_builder_set_member_name(b, "postcopy");
    json_builder_add_boolean_value(b, s->postcopy);
    if (s->dirty_limit > 0)
        vdr_json_add_double(b, "dirty_limit_bytes_per_s", s->dirty_limit);
    vdr_json_add_int(b, "max_downtime_ms", (gint64)s->max_downtime_ms);
    vdr_json_add_double(b, "bandwidth_bytes_per_s", bandwidth);
    json_builder_end_object(b);
}

static void
json_prediction(JsonBuilder *b, const DrMigPrediction *p)
{
    static const char *const unc[] = { "throttle", "placement", "xbzrle", "page_ratio",
                                       "encoder", "postcopy", "link", "wss" };
    json_builder_set_member_name(b, "prediction");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "converges");
    json_builder_add_boolean_value(b, p->converges);
    vdr_json_add_double(b, "total_s", p->total_s);
    vdr_json_add_double(b, "downtime_s", p->downtime_s);
    vdr_json_add_int(b, "bytes", (gint64)MIN(p->bytes, (uint64_t)G_MAXINT64));
    vdr_json_add_int(b, "rounds", p->rounds);
    vdr_json_add_double(b, "pending_bytes", p->pending_bytes);
    vdr_json_add_double(b, "cache_miss_rate", p->cache_miss_rate);
    vdr_json_add_double(b, "throttle", p->throttle);
    vdr_json_add_int(b, "source_memory_bytes", (gint64)p->source_memory);
    vdr_json_add_double(b, "source_cpu_s", p->source_cpu_s);
    if (p->postcopy_s > 0)
        vdr_json_add_double(b, "postcopy_s", p->postcopy_s);
    json_builder_set_member_name(b, "uncertain");
    json_builder_begin_array(b);
    for (size_t i = 0; i < G_N_ELEMENTS(unc); i++) {
        if (p->uncertain & (1u << i))
            json_builder_add_string_value(b, unc[i]);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void
json_libvirt(JsonBuilder *b, const DrMigParams *mp, const DrMigSettings *s)
{
    g_auto(GStrv) flags = dr_mig_params_flag_names(mp->flags);

    json_builder_set_member_name(b, "libvirt");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "flags");
    json_builder_begin_array(b);
    for (char **f = flags; *f; f++)
        json_builder_add_string_value(b, *f);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "params");
    json_builder_begin_object(b);
    for (int i = 0; i < mp->nparams; i++) {
        const virTypedParameter *t = &mp->params[i];
        json_builder_set_member_name(b, t->field);
        if (t->type == VIR_TYPED_PARAM_STRING)
            json_builder_add_string_value(b, t->value.s);
        else if (t->type == VIR_TYPED_PARAM_ULLONG)
            json_builder_add_int_value(b, (gint64)MIN(t->value.ul, (unsigned long long)G_MAXINT64));
        else
            json_builder_add_int_value(b, t->value.i);
    }
    json_builder_end_object(b);
    vdr_json_add_int(b, "max_downtime_ms", (gint64)s->max_downtime_ms);
    json_builder_set_member_name(b, "postcopy_after_precopy");
    json_builder_add_boolean_value(b, s->postcopy);
    json_builder_end_object(b);
}

void
vdr_advice_inputs_json(JsonBuilder *b, const DrAdvisorResult *r)
{
    const DrMigInput *in = &r->advice->input;

    json_builder_set_member_name(b, "inputs");
    json_builder_begin_object(b);
    vdr_json_add_int(b, "ram_bytes", (gint64)in->ram_bytes);
    vdr_json_add_int(b, "vcpus", in->vcpus);
    vdr_json_add_double(b, "vcpu_busy", in->vcpu_busy);
    vdr_json_add_double(b, "dirty_rate_bytes_per_s", in->dirty_rate);
    json_builder_set_member_name(b, "wss_model");
    json_builder_add_string_value(b, dr_wss_model_to_string(in->wss_model));
    vdr_json_add_double(b, "wss_bytes", in->wss_bytes);
    vdr_json_add_double(b, "wss_rate_bytes_per_s", in->wss_rate);
    vdr_json_add_double(b, "wss_bytes_high", in->wss_bytes_high);
    vdr_json_add_double(b, "wss_span_s", in->wss_span_s);
    json_builder_set_member_name(b, "wss_open");
    json_builder_add_boolean_value(b, in->wss_open);
    json_builder_set_member_name(b, "placement");
    json_builder_begin_array(b);
    for (size_t i = 0; i < DR_MIG_PLACEMENT_BINS; i++)
        json_builder_add_double_value(b, in->placement[i]);
    json_builder_end_array(b);
    vdr_json_add_double(b, "zero_fraction", in->zero_fraction);
    vdr_json_add_double(b, "hot_fraction", in->hot_fraction);
    vdr_json_add_double(b, "xbzrle_mean_delta_bytes", in->xbzrle_encoded);
    vdr_json_add_double(b, "overflow_fraction", in->overflow_fraction);
    vdr_json_add_int(b, "host_cpus", in->host_cpus);
    vdr_json_add_double(b, "host_other_cpus", in->host_other_cpus);
    vdr_json_add_int(b, "host_free_bytes", (gint64)in->host_free_bytes);
    vdr_json_add_double(b, "xbzrle_encoder_bytes_per_s", in->xbzrle_encode_speed);
    /* multifd's codecs on whole pages; 0: not measured */
    json_builder_set_member_name(b, "whole_page");
    json_builder_begin_object(b);
    for (DrPageCodecKind k = 0; k < DR_PAGE_CODEC_LAST; k++) {
        json_builder_set_member_name(b, dr_page_codec_kind_to_string(k));
        json_builder_begin_object(b);
        vdr_json_add_double(b, "first_pass_ratio", in->page_ratio_first[k]);
        vdr_json_add_double(b, "changed_ratio", in->page_ratio[k]);
        vdr_json_add_double(b, "bytes_per_s", in->page_codec_speed[k]);
        vdr_json_add_double(b, "first_pass_bytes_per_s", in->page_codec_speed_first[k]);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    vdr_json_add_double(b, "bandwidth_bytes_per_s", in->bandwidth);
    /* how the source's QEMU sets multifd against the limit */
    json_builder_set_member_name(b, "multifd_accounting");
    json_builder_add_string_value(b, dr_mig_multifd_accounting_to_string(in->multifd_accounting));
    /* what this host's migrations of each kind moved per second of their
     * bandwidth (--calibration); 0: not calibrated, taken as 1 */
    json_builder_set_member_name(b, "link_factors");
    json_builder_begin_object(b);
    for (DrMigLinkClass k = 0; k < DR_MIG_LINK_CLASS_LAST; k++)
        vdr_json_add_double(b, dr_mig_link_class_to_string(k), in->link_factor[k]);
    json_builder_end_object(b);
    vdr_json_add_double(b, "measure_s", r->measure_s);
    /* the working-set curve the model ran on: memory dirtied against period */
    json_builder_set_member_name(b, "wss_points");
    json_builder_begin_array(b);
    for (size_t i = 0; r->wss && i < r->wss->npoints; i++) {
        const DrWssPoint *p = &r->wss->points[i];
        json_builder_begin_object(b);
        vdr_json_add_double(b, "period_s", p->period_s);
        vdr_json_add_double(b, "dirtied_mib", p->dirtied_mib);
        vdr_json_add_double(b, "low_mib", p->dirtied.low);
        vdr_json_add_double(b, "high_mib", p->dirtied.high);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static JsonNode *
advice_json(const char *name, const DrAdvisorResult *r, const DrMigParams *mp)
{
    const DrAdvice *a = r->advice;
    const DrAdviceCandidate *c = &a->candidates[a->chosen];
    const DrMigInput *in = &a->input;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *chosen = dr_advice_settings_describe(&c->settings);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "converges");
    json_builder_add_boolean_value(b, a->converges);

    json_builder_set_member_name(b, "plan");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, chosen);
    json_settings(b, &c->settings, in->bandwidth);
    json_prediction(b, &c->prediction);
    json_libvirt(b, mp, &c->settings);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "alternatives");
    json_builder_begin_array(b);
    for (size_t i = 0; i < a->ncandidates; i++) {
        g_autofree char *n = NULL;
        if (i == a->chosen)
            continue;
        n = dr_advice_settings_describe(&a->candidates[i].settings);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, n);
        json_settings(b, &a->candidates[i].settings, in->bandwidth);
        json_prediction(b, &a->candidates[i].prediction);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "reasons");
    json_builder_begin_array(b);
    for (char **l = a->reasons; *l; l++)
        json_builder_add_string_value(b, *l);
    json_builder_end_array(b);

    if (!a->converges) {
        json_builder_set_member_name(b, "would_converge");
        json_builder_begin_object(b);
        vdr_json_add_int(b, "max_downtime_ms", (gint64)a->needed_downtime_ms);
        vdr_json_add_double(b, "bandwidth_bytes_per_s", a->needed_bandwidth);
        if (a->postcopy_would)
            vdr_json_add_double(b, "postcopy_total_s", a->postcopy_total_s);
        json_builder_end_object(b);
    }

    vdr_advice_inputs_json(b, r);

    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    for (char **l = r->cap_notes; l && *l; l++)
        json_builder_add_string_value(b, *l);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static char *
prediction_line(const DrMigPrediction *p)
{
    if (p->converges)
        return g_strdup_printf(_("converges in %1$.1f s, %2$.0f ms downtime, %3$.0f MiB sent, %4$u rounds"),
                               p->total_s, p->downtime_s * 1000, (double)p->bytes / MIB, p->rounds);
    return g_strdup_printf(_("does not converge by %1$.0f s: %2$.0f MiB still dirty; forced, %3$.1f s downtime"),
                           p->total_s, p->pending_bytes / MIB, p->downtime_s);
}

void
vdr_advice_print(FILE *out, const char *name, const DrAdvisorResult *r, const DrMigParams *mp,
                 gboolean json)
{
    const DrAdvice *a = r->advice;
    const DrAdviceCandidate *c = &a->candidates[a->chosen];
    const DrMigLinkClass cls = dr_mig_link_class(&c->settings);
    const DrMigInput *in = &a->input;
    g_autofree char *chosen = NULL;
    g_autofree char *line = NULL;
    g_auto(GStrv) flags = NULL;
    g_auto(GStrv) params = NULL;
    g_autofree char *fl = NULL;
    g_autofree char *pa = NULL;

    if (json) {
        g_autoptr(JsonNode) root = advice_json(name, r, mp);
        vdr_json_print(out, root);
        return;
    }
    chosen = dr_advice_settings_describe(&c->settings);
    line = prediction_line(&c->prediction);
    flags = dr_mig_params_flag_names(mp->flags);
    params = dr_mig_params_to_strv(mp);
    fl = g_strjoinv("|", flags);
    pa = g_strjoinv(" ", params);

    fprintf(out, _("Domain: '%1$s'\n"), name);
    fprintf(out, "%s\n", _("Measured:"));
    fprintf(out, _("  dirty rate %1$.1f MiB/s; working set %2$.0f MiB (%3$s), new pages %4$.1f MiB/s\n"),
            in->dirty_rate / MIB, in->wss_bytes / MIB, dr_wss_model_to_string(in->wss_model),
            in->wss_rate / MIB);
    if (in->have_xbzrle)
        fprintf(out, _("  XBZRLE deltas %1$.0f bytes, %2$.0f%% overflow; zero pages %3$.0f%%; vCPUs %4$.0f%% busy\n"),
                in->xbzrle_encoded, in->overflow_fraction * 100, in->zero_fraction * 100,
                in->vcpu_busy * 100);
    else
        fprintf(out, _("  no sampled page changed; zero pages %1$.0f%%; vCPUs %2$.0f%% busy\n"),
                in->zero_fraction * 100, in->vcpu_busy * 100);
    if (in->page_ratio_first[DR_PAGE_CODEC_ZSTD] > 0 && in->page_ratio[DR_PAGE_CODEC_ZSTD] <= 0)
        fprintf(out, _("  zstd on whole pages: %1$.2f:1 for the first pass; no changed page sampled\n"),
                in->page_ratio_first[DR_PAGE_CODEC_ZSTD]);
    else if (in->page_ratio_first[DR_PAGE_CODEC_ZSTD] > 0)
        fprintf(out, _("  zstd on whole pages: %1$.2f:1 for the first pass, %2$.2f:1 for changed pages\n"),
                in->page_ratio_first[DR_PAGE_CODEC_ZSTD], in->page_ratio[DR_PAGE_CODEC_ZSTD]);
    fprintf(out, _("  host: %1$u CPUs, %2$.1f busy with other work, %3$.0f MiB available; XBZRLE encoder %4$.0f MB/s; link %5$.1f MiB/s\n"),
            in->host_cpus, in->host_other_cpus, (double)in->host_free_bytes / MIB,
            in->xbzrle_encode_speed / 1e6, in->bandwidth / MIB);
    if (in->link_factor[cls] > 0)
        fprintf(out, _("  link calibrated: this host's migrations of this kind (%1$s) moved %2$.2f times their bandwidth\n"),
                dr_mig_link_class_to_string(cls), in->link_factor[cls]);
    fprintf(out, "%-14s %s\n", _("Plan:"), chosen);
    fprintf(out, "%-14s %s\n", _("Predicted:"), line);
    if (c->prediction.source_memory || c->prediction.source_cpu_s > 0.05)
        fprintf(out, _("%1$-14s %2$.0f MiB of cache, %3$.1f s of CPU on the source\n"), _("Costs:"),
                (double)c->prediction.source_memory / MIB, c->prediction.source_cpu_s);
    fprintf(out, "%-14s %s\n", _("Flags:"), fl);
    fprintf(out, "%-14s %s\n", _("Parameters:"), pa);
    fprintf(out, _("%1$-14s %2$llu ms (virDomainMigrateSetMaxDowntime)\n"),
            _("Max downtime:"), (unsigned long long)c->settings.max_downtime_ms);

    fprintf(out, "%s\n", _("Alternatives:"));
    for (size_t i = 0; i < a->ncandidates; i++) {
        g_autofree char *n = NULL;
        g_autofree char *p = NULL;
        if (i == a->chosen)
            continue;
        n = dr_advice_settings_describe(&a->candidates[i].settings);
        p = prediction_line(&a->candidates[i].prediction);
        fprintf(out, "  %-30s %s\n", n, p);
    }
    fprintf(out, "%s\n", _("Reasons:"));
    for (char **l = a->reasons; *l; l++)
        fprintf(out, "  - %s\n", *l);
    fprintf(out, "%s\n", _("Capabilities:"));
    for (char **l = r->cap_notes; l && *l; l++)
        fprintf(out, "  - %s\n", *l);
}

static gboolean
cmd_advise(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virConnect) dest = NULL;
    g_autoptr(DrAdvisorResult) r = NULL;
    g_autoptr(DrCalibration) cal = NULL;
    DrAdvisorParams params;
    DrMigParams mp = { 0 };
    const char *dest_uri = vdr_cmd_get_string(cmd, "dest");
    const DrAdviceCandidate *c;

    if (!vdr_advise_params_from_options(cmd, &params, &cal, error))
        return FALSE;
    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    if (dest_uri) {
        /* Only versions are read there. */
        if (!(dest = virConnectOpenReadOnly(dest_uri))) {
            g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                        _("Cannot connect to the destination '%1$s' (--dest)"), dest_uri);
            return FALSE;
        }
        params.dest = dest;
    }
    if (!(r = vdr_advise_run(ctl, dom, &params, vdr_cmd_has(cmd, "json"), NULL, error)))
        return FALSE;
    c = &r->advice->candidates[r->advice->chosen];
    if (!dr_mig_params_build(&c->settings, r->advice->input.bandwidth, NULL, 0, &mp, error))
        return FALSE;
    vdr_advice_print(ctl->out, virDomainGetName(dom), r, &mp, vdr_cmd_has(cmd, "json"));
    dr_mig_params_clear(&mp);
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_advise = {
    .name = "domdirtyrate-advise",
    .summary = N_("decide how to migrate a domain, and predict the outcome"),
    .description = N_("Measures what the decision engine needs, within the domain's policy: the\n"
                      "working-set curve (page sampling, no taint), how well changed pages\n"
                      "compress and where the written set lies (memory peeks, no taint), and the\n"
                      "vCPUs' use; reads the host's free memory and CPUs and what both ends\n"
                      "support.  Then weighs every setting the policy allows (no compression,\n"
                      "XBZRLE with each cache size, multifd, auto-converge, postcopy) with a\n"
                      "round-by-round model of QEMU's pre-copy, and prints the plan, its\n"
                      "predicted outcome, the alternatives and the reasons.  Nothing is changed.\n"
                      "\n"
                      "--json prints a document with libvirt's flags and typed parameters for\n"
                      "virDomainMigrateToURI3 (see xml/advice-to-migrate.py).\n"
                      "\n"
                      "Memory peeking needs a read-write connection."),
    .opts = opts_advise,
    .handler = cmd_advise,
    .conn = VDR_CONN_READWRITE,
};
