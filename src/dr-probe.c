/*
 * dr-probe.c: what a domain can measure, found before anything is sent
 *
 * Facts learned the hard way on QEMU 7.2 (see tests/qmp/): on a TCG
 * guest, calc-dirty-rate in dirty-bitmap or dirty-ring mode aborts QEMU
 * and kills the guest.  QEMU does not refuse them; we do.  QEMU 10.0
 * (the Debian 13 bed) no longer aborts in dirty-bitmap mode, but reports
 * 0 MB/s while the guest writes: a silently wrong number, refused too,
 * with that reason.  Versions between were not tried; they get 7.2's.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-probe.h"
#include "dr-xml.h"

#define V(maj, min) ((unsigned long)(maj) * 1000000UL + (unsigned long)(min) * 1000UL)

void
dr_probe_free(DrProbe *probe)
{
    if (!probe)
        return;
    g_free(probe->name);
    g_free(probe->driver);
    g_free(probe);
}

static void
infer_qmp_args(DrProbe *p)
{
    /* calc-dirty-rate came in QEMU 5.2, sample-pages in 6.1, mode in
     * 6.2, calc-time-unit in 8.2. */
    p->qmp_args.has_command = p->qemu_version >= V(5, 2);
    p->qmp_args.has_sample_pages = p->qemu_version >= V(6, 1);
    p->qmp_args.has_mode = p->qemu_version >= V(6, 2);
    p->qmp_args.has_calc_time_unit = p->qemu_version >= V(8, 2);
}

DrProbe *
dr_probe_new_from_facts(const char *domain_xml, unsigned long libvirt_version,
                        unsigned long qemu_version, uint64_t ram_bytes,
                        unsigned int nvcpus, GError **error)
{
    g_autoptr(DrProbe) p = g_new0(DrProbe, 1);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *type = NULL;
    g_autofree char *ring = NULL;
    g_autofree char *ring_size = NULL;

    if (!(doc = dr_xml_read_libvirt(domain_xml, &ctxt, error)))
        return NULL;
    p->name = dr_xml_xpath_string(ctxt, "string(/domain/name)");
    p->driver = g_strdup("QEMU");
    type = dr_xml_xpath_string(ctxt, "string(/domain/@type)");
    if (type && strcmp(type, "kvm") == 0)
        p->accel = DR_PROBE_ACCEL_KVM;
    else if (type && strcmp(type, "qemu") == 0)
        p->accel = DR_PROBE_ACCEL_TCG;
    else
        p->accel = DR_PROBE_ACCEL_OTHER;
    ring = dr_xml_xpath_string(ctxt, "string(/domain/features/kvm/dirty-ring/@state)");
    ring_size = dr_xml_xpath_string(ctxt, "string(/domain/features/kvm/dirty-ring/@size)");
    p->dirty_ring = p->accel == DR_PROBE_ACCEL_KVM && ring && strcmp(ring, "on") == 0;
    if (ring_size)
        p->dirty_ring_size = (unsigned int)g_ascii_strtoull(ring_size, NULL, 10);
    p->libvirt_version = libvirt_version;
    p->qemu_version = qemu_version;
    p->ram_bytes = ram_bytes;
    p->nvcpus = nvcpus;
#if HAVE_DECL_VIRDOMAINSTARTDIRTYRATECALC
    p->native_api = libvirt_version >= V(7, 2);
#endif
#if HAVE_DECL_VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING
    p->native_modes = libvirt_version >= V(8, 1);
#endif
    infer_qmp_args(p);
    return g_steal_pointer(&p);
}

DrProbe *
dr_probe_new(virDomainPtr dom, GError **error)
{
    virConnectPtr conn = virDomainGetConnect(dom);
    unsigned long lv = 0, qv = 0;
    virDomainInfo info;
    g_autofree char *xml = NULL;
    const char *type;
    DrProbe *p;
    char *raw;

    if (virConnectGetLibVersion(conn, &lv) < 0 || virConnectGetVersion(conn, &qv) < 0 ||
        virDomainGetInfo(dom, &info) < 0 || !(raw = virDomainGetXMLDesc(dom, 0))) {
        int code;
        g_autofree char *msg = dr_error_libvirt_last(&code);
        g_debug("probing %s failed: %s", virDomainGetName(dom), msg);
        g_set_error(error, DR_ERROR,
                    code == VIR_ERR_NO_DOMAIN ? DR_ERROR_NO_DOMAIN : DR_ERROR_LIBVIRT,
                    _("Cannot probe domain '%1$s': %2$s"), virDomainGetName(dom), msg);
        return NULL;
    }
    xml = g_strdup(raw);
    free(raw);
    /* The guest's RAM as QEMU counts it for sampled rates: the boot
     * size (maxMem), not what the balloon currently leaves it. */
    p = dr_probe_new_from_facts(xml, lv, qv, (uint64_t)info.maxMem * 1024,
                                info.nrVirtCpu, error);
    if (p && (type = virConnectGetType(conn))) {
        g_free(p->driver);
        p->driver = g_strdup(type);
    }
    if (p)
        g_debug("probe of %s: driver %s, libvirt %lu, hypervisor %lu, accel %d, dirty ring %d, "
                "%" G_GUINT64_FORMAT " bytes, %u vCPUs, native API %d, native modes %d",
                virDomainGetName(dom), p->driver ? p->driver : "?", lv, qv, (int)p->accel,
                p->dirty_ring, (guint64)p->ram_bytes, p->nvcpus, p->native_api, p->native_modes);
    return p;
}

gboolean
dr_probe_read_qmp_schema(DrProbe *probe, DrQmp *qmp, GError **error)
{
    DrQmpCalcDirtyRateArgs args;

    if (!dr_qmp_probe_calc_dirty_rate(qmp, &args, error))
        return FALSE;
    probe->qmp_args = args;
    probe->qmp_schema_read = TRUE;
    return TRUE;
}

static char *
version_string(unsigned long v)
{
    return g_strdup_printf("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

char *
dr_probe_mode_why_not(const DrProbe *p, DrDirtyRateMode mode, DrDirtyRateBackend backend)
{
    g_autofree char *qv = version_string(p->qemu_version);
    g_autofree char *lv = version_string(p->libvirt_version);

    if (p->driver && g_ascii_strcasecmp(p->driver, "QEMU") != 0)
        return g_strdup_printf(_("Domain '%1$s' is not run by QEMU (libvirt driver '%2$s'): only QEMU measures dirty rates"),
                               p->name ? p->name : "?", p->driver);
    if (!p->qmp_args.has_command)
        return g_strdup_printf(_("QEMU %1$s has no calc-dirty-rate command; it needs QEMU 5.2 or newer"), qv);
    if (backend == DR_DIRTYRATE_BACKEND_NATIVE && !p->native_api)
        return g_strdup_printf(_("libvirt %1$s has no dirty-rate API (it came in 7.2); only the QMP backend, which taints the domain, can measure"), lv);

    switch (mode) {
    case DR_DIRTYRATE_MODE_AUTO:
    case DR_DIRTYRATE_MODE_PAGE_SAMPLING:
        return NULL;
    case DR_DIRTYRATE_MODE_DIRTY_BITMAP:
        if (p->accel != DR_PROBE_ACCEL_KVM && p->qemu_version >= V(10, 0))
            return g_strdup_printf(_("Dirty-bitmap mode needs a KVM guest: on a TCG guest QEMU %1$s reports 0 MB/s whatever the guest writes, a wrong number; use page-sampling"), qv);
        if (p->accel != DR_PROBE_ACCEL_KVM)
            return g_strdup(_("Dirty-bitmap mode needs a KVM guest: on a TCG guest QEMU 7.2 aborts and the guest is lost; use page-sampling"));
        break;
    case DR_DIRTYRATE_MODE_DIRTY_RING:
        if (p->accel != DR_PROBE_ACCEL_KVM && p->qemu_version >= V(10, 0))
            return g_strdup(_("Dirty-ring mode needs a KVM guest with the dirty ring on: a TCG guest has no dirty ring; use page-sampling"));
        if (p->accel != DR_PROBE_ACCEL_KVM)
            return g_strdup(_("Dirty-ring mode needs a KVM guest with the dirty ring on: on a TCG guest QEMU 7.2 aborts and the guest is lost; use page-sampling"));
        if (!p->dirty_ring)
            return g_strdup(_("Dirty-ring mode needs the KVM dirty ring, which this domain does not enable (<features><kvm><dirty-ring state='on'/>); use page-sampling or dirty-bitmap"));
        break;
    case DR_DIRTYRATE_MODE_LAST:
        return g_strdup("?");
    }
    if (!p->qmp_args.has_mode)
        return g_strdup_printf(_("QEMU %1$s measures in page-sampling mode only; the other modes need QEMU 6.2"), qv);
    if (backend == DR_DIRTYRATE_BACKEND_NATIVE && !p->native_modes)
        return g_strdup_printf(_("libvirt %1$s cannot choose the mode (that came in 8.1); only the QMP backend, which taints the domain, can"), lv);
    return NULL;
}

gboolean
dr_probe_resolve(const DrProbe *p, const DrDirtyRateRequest *req,
                 DrDirtyRateRequest *out, GError **error)
{
    g_autofree char *why_native = NULL;
    g_autofree char *why_qmp = NULL;
    gboolean native_ok, sub_second;

    *out = *req;
    if (out->period_ms == 0)
        out->period_ms = DR_DIRTYRATE_PERIOD_MS_DEFAULT;
    if (out->mode == DR_DIRTYRATE_MODE_AUTO)
        out->mode = req->vcpus ? DR_DIRTYRATE_MODE_DIRTY_RING : DR_DIRTYRATE_MODE_PAGE_SAMPLING;

    /* Ranges first: they do not depend on the domain. */
    if (out->period_ms < DR_DIRTYRATE_PERIOD_MS_MIN_QMP ||
        out->period_ms > DR_DIRTYRATE_PERIOD_MS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A period of %1$u ms is out of range: use 1 to 60 seconds, or from 50 ms with the QMP backend on QEMU 8.2 or newer"),
                    out->period_ms);
        return FALSE;
    }
    if (out->sample_pages &&
        (out->sample_pages < DR_DIRTYRATE_SAMPLE_PAGES_MIN ||
         out->sample_pages > DR_DIRTYRATE_SAMPLE_PAGES_MAX)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("%1$u sample pages is out of range: use 128 to 16384 pages per GiB"),
                    out->sample_pages);
        return FALSE;
    }
    if (out->sample_pages && out->mode != DR_DIRTYRATE_MODE_PAGE_SAMPLING) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Sample pages apply to page-sampling mode only, not to %1$s"),
                    dr_dirtyrate_mode_to_string(out->mode));
        return FALSE;
    }
    if (req->vcpus && out->mode != DR_DIRTYRATE_MODE_DIRTY_RING) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Per-vCPU rates come from dirty-ring mode only, not from %1$s"),
                    dr_dirtyrate_mode_to_string(out->mode));
        return FALSE;
    }

    sub_second = out->period_ms % 1000 != 0;
    why_native = dr_probe_mode_why_not(p, out->mode, DR_DIRTYRATE_BACKEND_NATIVE);
    if (!why_native && sub_second)
        why_native = g_strdup(_("libvirt's dirty-rate API takes whole seconds; periods under a second need the QMP backend, which taints the domain"));
    if (!why_native && out->sample_pages &&
        out->sample_pages != DR_DIRTYRATE_SAMPLE_PAGES_QEMU_DEFAULT)
        why_native = g_strdup(_("libvirt's dirty-rate API cannot set sample pages; that needs the QMP backend, which taints the domain"));
    native_ok = why_native == NULL;

    why_qmp = dr_probe_mode_why_not(p, out->mode, DR_DIRTYRATE_BACKEND_QMP);
    if (!why_qmp && sub_second &&
        (!p->qmp_args.has_calc_time_unit || out->period_ms < DR_DIRTYRATE_PERIOD_MS_MIN_QMP)) {
        g_autofree char *qv = version_string(p->qemu_version);
        why_qmp = g_strdup_printf(_("QEMU %1$s measures whole seconds only (periods from 50 ms need QEMU 8.2)"), qv);
    }
    if (!why_qmp && out->sample_pages && !p->qmp_args.has_sample_pages) {
        g_autofree char *qv = version_string(p->qemu_version);
        why_qmp = g_strdup_printf(_("QEMU %1$s cannot set sample pages (that needs QEMU 6.1)"), qv);
    }
    if (!why_qmp && req->forbid_qmp)
        why_qmp = g_strdup(_("QMP passthrough is forbidden for this request"));

    switch (req->backend) {
    case DR_DIRTYRATE_BACKEND_AUTO:
        if (native_ok) {
            out->backend = DR_DIRTYRATE_BACKEND_NATIVE;
            return TRUE;
        }
        if (!why_qmp) {
            out->backend = DR_DIRTYRATE_BACKEND_QMP;
            return TRUE;
        }
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Cannot measure %1$s on domain '%2$s': %3$s"),
                    dr_dirtyrate_mode_to_string(out->mode), p->name ? p->name : "?",
                    req->forbid_qmp && why_native ? why_native : why_qmp);
        return FALSE;
    case DR_DIRTYRATE_BACKEND_NATIVE:
        if (native_ok)
            return TRUE;
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Cannot measure %1$s on domain '%2$s' with the native backend: %3$s"),
                    dr_dirtyrate_mode_to_string(out->mode), p->name ? p->name : "?", why_native);
        return FALSE;
    case DR_DIRTYRATE_BACKEND_QMP:
        if (!why_qmp)
            return TRUE;
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Cannot measure %1$s on domain '%2$s' with the QMP backend: %3$s"),
                    dr_dirtyrate_mode_to_string(out->mode), p->name ? p->name : "?", why_qmp);
        return FALSE;
    case DR_DIRTYRATE_BACKEND_LAST:
        break;
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Unknown backend"));
    return FALSE;
}
