/*
 * vdr-cmd-xbzrle.c: domxbzrle
 */
#include <config.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-policy.h"
#include "dr-qmpxbzrle.h"
#include "dr-units.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"
#include "vdr-printers.h"

static const VdrOptDef opts_xbzrle[] = {
    VDR_OPT_DEF_DOMAIN,
    VDR_OPT_DEF_JSON,
    { NULL }
};

void
vdr_xbzrle_print(FILE *out, const char *name, const DrQmpXbzrle *x, gboolean json)
{
    g_autofree char *cache = dr_units_format_size(x->cache_size);

    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, name);
        json_builder_set_member_name(b, "capability");
        json_builder_add_boolean_value(b, x->capability);
        vdr_json_add_int(b, "cache_size_bytes", (gint64)MIN(x->cache_size, (uint64_t)G_MAXINT64));
        json_builder_set_member_name(b, "migration_status");
        if (x->status)
            json_builder_add_string_value(b, x->status);
        else
            json_builder_add_null_value(b);
        if (x->have_stats) {
            json_builder_set_member_name(b, "stats");
            json_builder_begin_object(b);
            vdr_json_add_int(b, "cache_size_bytes", (gint64)MIN(x->stats_cache_size, (uint64_t)G_MAXINT64));
            vdr_json_add_int(b, "bytes", (gint64)MIN(x->bytes, (uint64_t)G_MAXINT64));
            vdr_json_add_int(b, "pages", (gint64)MIN(x->pages, (uint64_t)G_MAXINT64));
            vdr_json_add_int(b, "cache_miss", (gint64)MIN(x->cache_miss, (uint64_t)G_MAXINT64));
            vdr_json_add_int(b, "overflow", (gint64)MIN(x->overflow, (uint64_t)G_MAXINT64));
            vdr_json_add_double(b, "cache_miss_rate", x->cache_miss_rate);
            if (x->have_encoding_rate)
                vdr_json_add_double(b, "encoding_rate", x->encoding_rate);
            json_builder_end_object(b);
        }
        json_builder_set_member_name(b, "tainted");
        json_builder_add_boolean_value(b, TRUE);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        vdr_json_print(out, root);
        return;
    }
    fprintf(out, _("Domain: '%1$s'\n"), name);
    fprintf(out, "%-20s %s\n", _("XBZRLE:"), x->capability ? _("on") : _("off"));
    fprintf(out, "%-20s %s\n", _("Cache size:"), cache);
    fprintf(out, "%-20s %s\n", _("Migration:"), x->status ? x->status : _("none yet"));
    if (x->have_stats) {
        fprintf(out, _("%1$-20s %2$.1f%% (QEMU's, over its last period)\n"), _("Cache-miss rate:"),
                x->cache_miss_rate * 100);
        fprintf(out, "%-20s %" G_GUINT64_FORMAT "\n", _("Cache misses:"), x->cache_miss);
        fprintf(out, "%-20s %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " bytes)\n",
                _("XBZRLE pages:"), x->pages, x->bytes);
        fprintf(out, "%-20s %" G_GUINT64_FORMAT "\n", _("Overflow:"), x->overflow);
        if (x->have_encoding_rate)
            fprintf(out, "%-20s %.1f\n", _("Encoding rate:"), x->encoding_rate);
    }
    fprintf(out, "%s\n", _("Note: read through QMP passthrough, which marks the domain tainted (custom-monitor)."));
}

static gboolean
cmd_xbzrle(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrPolicy) policy = NULL;
    g_autoptr(DrQmp) qmp = NULL;
    g_auto(DrQmpXbzrle) x = { 0 };

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)))
        return FALSE;
    if (virDomainIsActive(dom) != 1) {
        g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                    _("Domain '%1$s' is not running: QEMU has no XBZRLE state to show"),
                    virDomainGetName(dom));
        return FALSE;
    }
    /* QMP taints: only where the policy allows it. */
    if (!(policy = dr_policy_load(dom, VIR_DOMAIN_AFFECT_LIVE, vdr_policy_schema_dir(), error)))
        return FALSE;
    if (strcmp(dr_policy_get_effective(policy, "measure.qmp", NULL), "allow") != 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Domain '%1$s': domxbzrle needs QMP passthrough, which taints the domain, and its policy forbids it (measure.qmp=forbid); 'domdirtyrate-policy %1$s --set measure.qmp=allow' allows it"),
                    virDomainGetName(dom));
        return FALSE;
    }
    qmp = dr_qmp_new_for_domain(dom);
    if (!dr_qmp_xbzrle_query(qmp, &x, error))
        return FALSE;
    vdr_xbzrle_print(ctl->out, virDomainGetName(dom), &x, vdr_cmd_has(cmd, "json"));
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_xbzrle = {
    .name = "domxbzrle",
    .summary = N_("show XBZRLE as QEMU sees it: capability, cache, and a migration's counters"),
    .description = N_("Asks QEMU through QMP passthrough (libvirt-qemu) whether the xbzrle\n"
                      "migration capability is on, the cache size, and, during or after a\n"
                      "migration, query-migrate's XBZRLE counters: cache-miss rate, encoding\n"
                      "rate, overflow, pages and bytes.  QMP passthrough marks the domain\n"
                      "tainted, so the domain's policy must allow it (measure.qmp=allow).\n"
                      "QMP passthrough needs a read-write connection."),
    .opts = opts_xbzrle,
    .handler = cmd_xbzrle,
    .conn = VDR_CONN_READWRITE,
};
