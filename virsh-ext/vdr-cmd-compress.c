/*
 * vdr-cmd-compress.c: domdirtyrate-compress
 */
#include <config.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "dr-compress.h"
#include "dr-error.h"
#include "vdr-groups.h"
#include "vdr-domain.h"
#include "vdr-output.h"
#include "vdr-printers.h"

static const VdrOptDef opts_compress[] = {
    VDR_OPT_DEF_DOMAIN,
    { .name = "pages", .type = VDR_OPT_UINT, .min = DR_COMPRESS_PAGES_MIN, .max = DR_COMPRESS_PAGES_MAX,
      .help = N_("random guest pages to sample, 16 to 16384 (default 256)") },
    { .name = "seconds", .type = VDR_OPT_UINT,
      .min = (DR_COMPRESS_INTERVAL_MS_MIN + 999) / 1000, .max = DR_COMPRESS_INTERVAL_MS_MAX / 1000,
      .help = N_("seconds between two reads of a page, 1 to 60 (default 2)") },
    { .name = "milliseconds", .type = VDR_OPT_UINT,
      .min = DR_COMPRESS_INTERVAL_MS_MIN, .max = DR_COMPRESS_INTERVAL_MS_MAX,
      .help = N_("the same in milliseconds, 100 to 60000") },
    { .name = "rounds", .type = VDR_OPT_UINT, .min = DR_COMPRESS_ROUNDS_MIN, .max = DR_COMPRESS_ROUNDS_MAX,
      .help = N_("intervals to observe, 1 to 100 (default 3)") },
    { .name = "seed", .type = VDR_OPT_UINT, .help = N_("seed for the choice of pages (default: random)") },
    VDR_OPT_DEF_JSON,
    { NULL }
};

/* "2.31:1", or "-" when not measured. */
static char *
ratio_text(double r)
{
    return r > 0 ? g_strdup_printf("%.2f:1", r) : g_strdup("-");
}

/* What multifd with this codec would make of whole pages. */
static void
print_page_codec(FILE *out, const DrCompressEstimate *e, DrPageCodecKind c)
{
    g_autofree char *label = g_strdup_printf(_("Whole pages, %1$s:"), dr_page_codec_kind_to_string(c));
    g_autofree char *first = ratio_text(e->first_ratio[c]);
    g_autofree char *changed = ratio_text(e->changed_ratio[c]);

    fprintf(out, "%-22s ", label);
    fprintf(out, _("first pass %1$s, changed pages %2$s"), first, changed);
    if (e->codec_speed[c] > 0)
        fprintf(out, _("; %1$.0f MB/s a thread"), e->codec_speed[c] / 1e6);
    /* Each set timed alone: a codec's speed depends on the bytes. */
    if (e->codec_speed_first[c] > 0 && e->codec_speed_changed[c] > 0 &&
        (e->codec_speed_first[c] != e->codec_speed[c] ||
         e->codec_speed_changed[c] != e->codec_speed[c]))
        fprintf(out, _(" (first pass %1$.0f, changed pages %2$.0f)"),
                e->codec_speed_first[c] / 1e6, e->codec_speed_changed[c] / 1e6);
    fputc('\n', out);
}

static void
print_estimate(FILE *out, const char *name, const DrCompressEstimate *e)
{
    const double MiB = 1048576.0;

    fprintf(out, "%-22s %s\n", _("Domain:"), name);
    fprintf(out, "%-22s %u of %.0f MiB of RAM, %u rounds\n", _("Pages sampled:"),
            e->pages, (double)e->ram_bytes / MiB, e->rounds);
    fprintf(out, "%-22s %.2f s per round (%.1f s in all)\n", _("Interval:"),
            e->interval_s, e->elapsed_s);
    /* Reading the pages takes time of its own: on a busy host each page's
     * two reads can be further apart than asked.  The estimates are per
     * interval achieved, and the output says so. */
    if (e->interval_s > e->requested_interval_s * VDR_INTERVAL_SLACK)
        fprintf(out, _("%1$-22s %2$.2f s was asked for; reading the pages took longer, and the figures below are per %3$.2f s\n"),
                "", e->requested_interval_s, e->interval_s);
    fprintf(out, "%-22s %.1f%% per %.2f s interval (95%% CI %.1f%% to %.1f%%)\n",
            _("Dirty fraction:"), 100 * e->dirty_fraction.value, e->interval_s,
            100 * e->dirty_fraction.low, 100 * e->dirty_fraction.high);
    fprintf(out, "%-22s %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " page reads\n",
            _("Changed pages:"), e->changed, e->observations);
    fprintf(out, _("%1$-22s %2$.1f%% of %3$" G_GUINT64_FORMAT " pages first read (95%% CI %4$.1f%% to %5$.1f%%)\n"),
            _("Zero pages:"), 100 * e->zero_fraction.value, e->first_read_pages,
            100 * e->zero_fraction.low, 100 * e->zero_fraction.high);
    for (DrPageCodecKind c = 0; c < DR_PAGE_CODEC_LAST; c++)
        print_page_codec(out, e, c);
    if (e->changed == 0) {
        fprintf(out, "%-22s %s\n", _("XBZRLE:"),
                _("no sampled page changed: nothing to compress; sample longer or more pages"));
    } else {
        fprintf(out, "%-22s %.1f%% of the full-page bytes (95%% CI %.1f%% to %.1f%%)\n",
                _("XBZRLE sends:"), 100 * e->xbzrle_share.value,
                100 * e->xbzrle_share.low, 100 * e->xbzrle_share.high);
        fprintf(out, "%-22s %.1f%% of changed pages (95%% CI %.1f%% to %.1f%%)\n",
                _("Overflow:"), 100 * e->overflow_fraction.value,
                100 * e->overflow_fraction.low, 100 * e->overflow_fraction.high);
        fprintf(out, "%-22s %.0f bytes (95%% CI %.0f to %.0f)\n", _("Mean delta:"),
                e->mean_encoded.value, e->mean_encoded.low, e->mean_encoded.high);
        fprintf(out, "%-22s %.1f\n", _("Encoding rate:"), e->encoding_rate);
        fprintf(out, "%-22s", _("Delta sizes:"));
        for (DrCompressSizeClass c = 0; c < DR_COMPRESS_SIZE_LAST; c++)
            fprintf(out, " %s:%" G_GUINT64_FORMAT, dr_compress_size_class_name(c),
                    e->size_classes[c]);
        fputc('\n', out);
    }
    if (e->written_span_s > 0)
        fprintf(out, _("%1$-22s %2$.0f MiB over %3$.1f s, from %4$" G_GUINT64_FORMAT " pages (95%% CI %5$.0f to %6$.0f MiB)\n"),
                _("Written set:"), e->written_set_bytes.value / MiB, e->written_span_s,
                e->written_read_pages, e->written_set_bytes.low / MiB,
                e->written_set_bytes.high / MiB);
    else
        fprintf(out, _("%1$-22s %2$.0f MiB from %3$" G_GUINT64_FORMAT " pages (95%% CI %4$.0f to %5$.0f MiB)\n"),
                _("Written set:"), e->written_set_bytes.value / MiB, e->written_read_pages,
                e->written_set_bytes.low / MiB, e->written_set_bytes.high / MiB);
    fprintf(out, "%-22s %.0f MiB changed in every round (95%% CI %.0f to %.0f MiB)\n",
            _("Hot set:"), e->hot_set_bytes.value / MiB, e->hot_set_bytes.low / MiB,
            e->hot_set_bytes.high / MiB);
    fprintf(out, "%-22s", _("Temperature:"));
    for (unsigned int c = 0; c <= e->rounds; c++)
        fprintf(out, " %u/%u:%" G_GUINT64_FORMAT, c, e->rounds, e->temperature[c]);
    fputc('\n', out);
}

static JsonNode *
estimate_json(const char *name, const DrCompressEstimate *e)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_add_string_value(b, name);
    vdr_json_add_int(b, "pages", e->pages);
    vdr_json_add_int(b, "rounds", e->rounds);
    vdr_json_add_double(b, "interval_s", e->interval_s);
    vdr_json_add_double(b, "requested_interval_s", e->requested_interval_s);
    vdr_json_add_double(b, "elapsed_s", e->elapsed_s);
    vdr_json_add_int(b, "ram_bytes", (gint64)e->ram_bytes);
    vdr_json_add_int(b, "observations", (gint64)e->observations);
    vdr_json_add_int(b, "changed", (gint64)e->changed);
    vdr_json_add_estimate(b, "dirty_fraction", &e->dirty_fraction);
    vdr_json_add_estimate(b, "overflow_fraction", &e->overflow_fraction);
    vdr_json_add_estimate(b, "mean_encoded_bytes", &e->mean_encoded);
    vdr_json_add_estimate(b, "xbzrle_share", &e->xbzrle_share);
    vdr_json_add_double(b, "encoding_rate", e->encoding_rate);
    json_builder_set_member_name(b, "size_classes");
    json_builder_begin_object(b);
    for (DrCompressSizeClass c = 0; c < DR_COMPRESS_SIZE_LAST; c++)
        vdr_json_add_int(b, dr_compress_size_class_name(c), (gint64)e->size_classes[c]);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "temperature");
    json_builder_begin_array(b);
    for (unsigned int c = 0; c <= e->rounds; c++)
        json_builder_add_int_value(b, (gint64)e->temperature[c]);
    json_builder_end_array(b);
    vdr_json_add_estimate(b, "written_set_bytes", &e->written_set_bytes);
    vdr_json_add_int(b, "written_read_pages", (gint64)e->written_read_pages);
    vdr_json_add_double(b, "written_span_s", e->written_span_s);
    vdr_json_add_estimate(b, "hot_set_bytes", &e->hot_set_bytes);
    vdr_json_add_estimate(b, "zero_fraction", &e->zero_fraction);
    vdr_json_add_int(b, "first_read_pages", (gint64)e->first_read_pages);
    /* 0: not measured */
    json_builder_set_member_name(b, "whole_page");
    json_builder_begin_object(b);
    for (DrPageCodecKind c = 0; c < DR_PAGE_CODEC_LAST; c++) {
        json_builder_set_member_name(b, dr_page_codec_kind_to_string(c));
        json_builder_begin_object(b);
        vdr_json_add_double(b, "first_pass_ratio", e->first_ratio[c]);
        vdr_json_add_double(b, "changed_ratio", e->changed_ratio[c]);
        vdr_json_add_double(b, "bytes_per_s", e->codec_speed[c]);
        vdr_json_add_double(b, "first_pass_bytes_per_s", e->codec_speed_first[c]);
        vdr_json_add_double(b, "changed_bytes_per_s", e->codec_speed_changed[c]);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    json_builder_set_member_name(b, "placement");
    json_builder_begin_array(b);
    for (size_t i = 0; i < DR_COMPRESS_PLACEMENT_BINS; i++) {
        json_builder_begin_object(b);
        vdr_json_add_int(b, "sampled", e->bin_sampled[i]);
        vdr_json_add_int(b, "written", e->bin_written[i]);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

void
vdr_compress_print(FILE *out, const char *name, const DrCompressEstimate *e, gboolean json)
{
    if (json) {
        g_autoptr(JsonNode) root = estimate_json(name, e);
        vdr_json_print(out, root);
    } else {
        print_estimate(out, name, e);
    }
}

static const char *const interval_options[] = { "seconds", "milliseconds", NULL };

static gboolean
cmd_compress(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrCompressEstimate) est = NULL;
    DrCompressParams params;
    unsigned int seconds = 0, seed = 0;

    dr_compress_params_init(&params);
    if (!vdr_cmd_check_exclusive(cmd, interval_options, error))
        return FALSE;
    vdr_cmd_get_uint(cmd, "pages", &params.pages);
    vdr_cmd_get_uint(cmd, "seconds", &seconds);
    vdr_cmd_get_uint(cmd, "milliseconds", &params.interval_ms);
    vdr_cmd_get_uint(cmd, "rounds", &params.rounds);
    vdr_cmd_get_uint(cmd, "seed", &seed);
    if (vdr_cmd_has(cmd, "seconds"))
        params.interval_ms = seconds * 1000;
    params.seed = seed;
    /* Refuse bad values before touching the domain. */
    if (!dr_compress_params_check(&params, error))
        return FALSE;

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    if (!(est = dr_compress_estimate(dom, &params, NULL, error)))
        return FALSE;

    vdr_compress_print(ctl->out, virDomainGetName(dom), est, vdr_cmd_has(cmd, "json"));
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_compress = {
    .name = "domdirtyrate-compress",
    .summary = N_("estimate how well XBZRLE compresses a guest"),
    .description = N_("Samples random guest pages with virDomainMemoryPeek, which does not taint\n"
                      "the domain, reads them again after an interval, and encodes the delta of\n"
                      "each changed page with the XBZRLE codec QEMU uses for migration.  Prints\n"
                      "the dirty fraction, the distribution of delta sizes, the overflow share,\n"
                      "the bytes XBZRLE would send against whole pages, and how often pages are\n"
                      "re-dirtied, each with a 95% confidence interval.\n"
                      "\n"
                      "Memory peeking needs a read-write connection."),
    .opts = opts_compress,
    .handler = cmd_compress,
    .conn = VDR_CONN_READWRITE,
};
