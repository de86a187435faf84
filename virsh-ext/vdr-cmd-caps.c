/*
 * vdr-cmd-caps.c: domdirtyrate-caps, what a domain can be measured with
 */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "dr-error.h"
#include "dr-measurer.h"
#include "dr-probe.h"
#include "vdr-domain.h"
#include "vdr-groups.h"
#include "vdr-output.h"

static const VdrOptDef opts_caps[] = {
    VDR_OPT_DEF_DOMAIN,
    VDR_OPT_DEF_JSON,
    { NULL }
};

static const char *
accel_name(DrProbeAccel a)
{
    switch (a) {
    case DR_PROBE_ACCEL_TCG:
        return "tcg";
    case DR_PROBE_ACCEL_KVM:
        return "kvm";
    case DR_PROBE_ACCEL_OTHER:
        break;
    }
    return "other";
}

static gboolean
cmd_caps(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrMeasurer) m = dr_measurer_new();
    const DrProbe *p;
    gboolean json = vdr_cmd_has(cmd, "json");
    g_autoptr(JsonBuilder) b = json_builder_new();

    if (!(dom = vdr_domain_lookup(ctl, vdr_cmd_get_string(cmd, "domain"), error)) ||
        !(p = dr_measurer_probe(m, dom, error)))
        return FALSE;

    if (json) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, virDomainGetName(dom));
        json_builder_set_member_name(b, "driver");
        json_builder_add_string_value(b, p->driver);
        json_builder_set_member_name(b, "accel");
        json_builder_add_string_value(b, accel_name(p->accel));
        json_builder_set_member_name(b, "dirty_ring");
        json_builder_add_boolean_value(b, p->dirty_ring);
        vdr_json_add_int(b, "libvirt_version", (gint64)p->libvirt_version);
        vdr_json_add_int(b, "hypervisor_version", (gint64)p->qemu_version);
        vdr_json_add_int(b, "ram_bytes", (gint64)p->ram_bytes);
        json_builder_set_member_name(b, "modes");
        json_builder_begin_object(b);
    } else {
        fprintf(ctl->out, _("Domain: '%1$s'\n"), virDomainGetName(dom));
        fprintf(ctl->out, "  %-16s %s, %" G_GUINT64_FORMAT " MiB, %u vCPUs, dirty ring %s\n",
                _("guest:"), p->accel == DR_PROBE_ACCEL_KVM ? "KVM" :
                p->accel == DR_PROBE_ACCEL_TCG ? "TCG" : _("other"),
                p->ram_bytes >> 20, p->nvcpus, p->dirty_ring ? _("on") : _("off"));
        fprintf(ctl->out, "  %-16s libvirt %lu.%lu.%lu, %s %lu.%lu.%lu\n", _("versions:"),
                p->libvirt_version / 1000000, (p->libvirt_version / 1000) % 1000,
                p->libvirt_version % 1000, p->driver, p->qemu_version / 1000000,
                (p->qemu_version / 1000) % 1000, p->qemu_version % 1000);
    }
    for (DrDirtyRateMode mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING; mode < DR_DIRTYRATE_MODE_LAST; mode++) {
        g_autofree char *why_native = dr_probe_mode_why_not(p, mode, DR_DIRTYRATE_BACKEND_NATIVE);
        g_autofree char *why_qmp = dr_probe_mode_why_not(p, mode, DR_DIRTYRATE_BACKEND_QMP);
        if (json) {
            json_builder_set_member_name(b, dr_dirtyrate_mode_to_string(mode));
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "native");
            json_builder_add_boolean_value(b, !why_native);
            json_builder_set_member_name(b, "qmp");
            json_builder_add_boolean_value(b, !why_qmp);
            if (why_native || why_qmp) {
                json_builder_set_member_name(b, "why_not");
                json_builder_add_string_value(b, why_native ? why_native : why_qmp);
            }
            json_builder_end_object(b);
            continue;
        }
        fprintf(ctl->out, "  %-16s native %s, qmp %s\n", dr_dirtyrate_mode_to_string(mode),
                why_native ? _("no") : _("yes"), why_qmp ? _("no") : _("yes"));
        if (why_native && why_qmp && strcmp(why_native, why_qmp) == 0)
            fprintf(ctl->out, "  %-16s   %s\n", "", why_native);
        else {
            if (why_native)
                fprintf(ctl->out, "  %-16s   native: %s\n", "", why_native);
            if (why_qmp)
                fprintf(ctl->out, "  %-16s   qmp: %s\n", "", why_qmp);
        }
    }
    if (json) {
        json_builder_end_object(b);
        /* Where each answer came from (see caps_sources below). */
        json_builder_set_member_name(b, "sources");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "accel_and_dirty_ring");
        json_builder_add_string_value(b, "domain-xml");
        json_builder_set_member_name(b, "native_api");
        json_builder_add_string_value(b, "libvirt-version");
        json_builder_set_member_name(b, "qmp_arguments");
        json_builder_add_string_value(b, p->qmp_schema_read ? "qmp-schema" : "qemu-version");
        json_builder_set_member_name(b, "tcg_behaviour");
        json_builder_add_string_value(b, "qemu-version");
        json_builder_end_object(b);
        json_builder_set_member_name(b, "qmp_calc_time_unit");
        json_builder_add_boolean_value(b, p->qmp_args.has_calc_time_unit);
        json_builder_set_member_name(b, "qmp_sample_pages");
        json_builder_add_boolean_value(b, p->qmp_args.has_sample_pages);
        json_builder_end_object(b);
        {
            g_autoptr(JsonNode) root = json_builder_get_root(b);
            vdr_json_print(ctl->out, root);
        }
        return TRUE;
    }
    fprintf(ctl->out, "  %-16s native: 1 to 60 s; qmp: %s\n", _("periods:"),
            p->qmp_args.has_calc_time_unit ? _("50 ms to 60 s") :
            _("1 to 60 s (from 50 ms needs QEMU 8.2)"));
    fprintf(ctl->out, "  %-16s %s\n", _("sample pages:"),
            p->qmp_args.has_sample_pages ? _("128 to 16384 per GiB, qmp only (native uses QEMU's 512)")
                                         : _("QEMU's 512 per GiB only"));
    fprintf(ctl->out, "  %-16s %s\n", _("per-vCPU rates:"),
            p->dirty_ring ? _("yes, in dirty-ring mode") : _("no (they need dirty-ring mode)"));
    fprintf(ctl->out, "  %-16s %s\n", _("taint:"),
            _("the native backend taints nothing; the qmp backend taints the domain (custom-monitor)"));
    fprintf(ctl->out, "  %-16s %s\n", _("sources:"),
            _("KVM or TCG and the dirty ring: the domain XML; the native API: libvirt's version"));
    fprintf(ctl->out, "  %-16s %s\n", "",
            p->qmp_schema_read ? _("QMP arguments (periods, sample pages): QEMU's QMP schema")
                               : _("QMP arguments (periods, sample pages): QEMU's version, since reading its QMP schema would taint the domain"));
    fprintf(ctl->out, "  %-16s %s\n", "",
            _("what TCG does in dirty-bitmap and dirty-ring modes: QEMU's version, as the test beds showed (no schema says it)"));
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_caps = {
    .name = "domdirtyrate-caps",
    .summary = N_("show which dirty-rate modes and backends a domain can use"),
    .description = N_("Probes the domain (KVM or TCG, dirty ring, libvirt and QEMU versions)\n"
                      "without QMP passthrough, and says for each mode and backend whether it\n"
                      "can be used, and why not."),
    .opts = opts_caps,
    .handler = cmd_caps,
    .conn = VDR_CONN_READONLY,
};
