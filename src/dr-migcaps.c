/*
 * dr-migcaps.c: what a migration between two hosts can use
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-migcaps.h"

#define V(a, b, c) ((unsigned long)(a) * 1000000UL + (unsigned long)(b) * 1000UL + (unsigned long)(c))

typedef struct {
    unsigned int cap;
    const char *name;
    unsigned long qemu_min; /* 0: no QEMU requirement */
    unsigned long lib_min;
} CapRule;

static const CapRule rules[] = {
    { DR_MIG_CAP_XBZRLE, "xbzrle", V(1, 6, 0), V(1, 0, 3) },
    { DR_MIG_CAP_AUTO_CONVERGE, "auto-converge", V(1, 6, 0), V(1, 2, 3) },
    { DR_MIG_CAP_POSTCOPY, "postcopy", V(2, 6, 0), V(1, 3, 3) },
    { DR_MIG_CAP_MULTIFD, "multifd", V(4, 0, 0), V(5, 2, 0) },
    { DR_MIG_CAP_MULTIFD_ZSTD, "multifd-zstd", V(5, 0, 0), V(9, 4, 0) },
    { DR_MIG_CAP_MULTIFD_ZLIB, "multifd-zlib", V(5, 0, 0), V(9, 4, 0) },
};

static char *
version_string(unsigned long v)
{
    return g_strdup_printf("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* Whether the domain XML has a node at @xpath. */
static gboolean
xml_has(const char *xml, const char *xpath)
{
    xmlDoc *doc;
    xmlXPathContext *ctx;
    xmlXPathObject *obj;
    gboolean yes = FALSE;

    if (!xml)
        return FALSE;
    doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return FALSE;
    ctx = xmlXPathNewContext(doc);
    obj = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
    yes = obj && obj->nodesetval && obj->nodesetval->nodeNr > 0;
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return yes;
}

unsigned int
dr_mig_caps_compute(const DrMigCapsEnd *src, const DrMigCapsEnd *dst, const char *domain_xml,
                    char ***notes)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    unsigned int caps = 0;
    const DrMigCapsEnd *ends[2] = { src, dst ? dst : src };
    const char *end_names[2] = { N_("source"), N_("destination") };

    for (size_t i = 0; i < G_N_ELEMENTS(rules); i++) {
        const CapRule *r = &rules[i];
        const char *missing = NULL;
        g_autofree char *need = NULL;

        for (int e = 0; e < 2 && !missing; e++) {
            if (ends[e]->hv_version < r->qemu_min) {
                g_autofree char *v = version_string(r->qemu_min);
                missing = end_names[e];
                need = g_strdup_printf("QEMU >= %s", v);
            } else if (ends[e]->lib_version < r->lib_min) {
                missing = end_names[e];
                g_autofree char *v = version_string(r->lib_min);
                need = g_strdup_printf("libvirt >= %s", v);
            }
        }
        if (!missing) {
            caps |= r->cap;
            g_ptr_array_add(lines, g_strdup_printf(_("%1$s: yes (libvirt and QEMU versions of %2$s)"),
                                                   r->name, dst ? _("both ends") : _("the source")));
        } else {
            g_ptr_array_add(lines, g_strdup_printf(_("%1$s: no: the %2$s lacks %3$s"),
                                                   r->name, _(missing), need));
        }
    }
    if (src->hv_version >= V(8, 1, 0) && (!dst || dst->hv_version >= V(8, 1, 0)) &&
        xml_has(domain_xml, "/domain[@type='kvm']/features/kvm/dirty-ring[@state='on']")) {
        caps |= DR_MIG_CAP_DIRTY_LIMIT;
        g_ptr_array_add(lines, g_strdup(_("dirty-limit: yes (QEMU >= 8.1, KVM with the dirty ring in the domain XML); through QMP only")));
    } else {
        g_ptr_array_add(lines, g_strdup(_("dirty-limit: no: needs QEMU >= 8.1 at both ends and KVM with the dirty ring")));
    }
    /* A behaviour of the source alone (DrMigMultifdAccounting). */
    if (src->hv_version >= V(8, 1, 0)) {
        caps |= DR_MIG_CAP_MULTIFD_COUNTS_SENT;
        g_ptr_array_add(lines, g_strdup(_("multifd pace: the source's QEMU (>= 8.1) counts a packet against the bandwidth limit once sent, so multifd may run past the limit")));
    } else {
        g_ptr_array_add(lines, g_strdup(_("multifd pace: the source's QEMU (< 8.1) counts a packet's raw pages against the bandwidth limit, so zstd and zlib shrink the bytes but not the time")));
    }
    /* Under TCG, QEMU before 9.0 syncs the dirty bitmap without resetting
     * the TLB's dirty tracking, so stores go unlogged (QEMU commit
     * 03bfc2188f).  On this project's Debian 12 test bed about one guest
     * in a hundred crashed on arrival, even with pti=on in the guest. */
    if (xml_has(domain_xml, "/domain[@type='qemu']")) {
        if (src->hv_version < V(9, 0, 0)) {
            caps |= DR_MIG_CAP_TCG_LOSES_STORES;
            g_ptr_array_add(lines, g_strdup(_("TCG: the source's QEMU (< 9.0) can lose the guest's writes during a live migration under TCG (a QEMU bug, fixed in 9.0 by commit 03bfc2188f); the guest may crash on arrival")));
        } else {
            g_ptr_array_add(lines, g_strdup(_("TCG: the source's QEMU (>= 9.0) has the fix for writes lost during a migration under TCG")));
        }
    }
    if (!dst)
        g_ptr_array_add(lines, g_strdup(_("destination: not checked (no --dest): taken to be like the source")));
    if (notes) {
        g_ptr_array_add(lines, NULL);
        *notes = (char **)g_ptr_array_free(g_steal_pointer(&lines), FALSE);
    }
    return caps;
}

DrMigMultifdAccounting
dr_mig_caps_multifd_accounting(unsigned int caps)
{
    return (caps & DR_MIG_CAP_MULTIFD_COUNTS_SENT) ? DR_MIG_MULTIFD_ACCOUNTING_SENT
                                                   : DR_MIG_MULTIFD_ACCOUNTING_QUEUED;
}

static gboolean
read_end(virConnectPtr conn, const char *which, DrMigCapsEnd *end, GError **error)
{
    if (virConnectGetLibVersion(conn, &end->lib_version) < 0 ||
        virConnectGetVersion(conn, &end->hv_version) < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("Cannot read the %1$s's libvirt and QEMU versions: %2$s"), which, msg);
        return FALSE;
    }
    return TRUE;
}

gboolean
dr_mig_caps_probe(virDomainPtr dom, virConnectPtr dest, unsigned int *caps, char ***notes,
                  GError **error)
{
    DrMigCapsEnd src, dst;
    g_autofree char *xml = NULL;
    g_autofree char *other = NULL;

    if (!read_end(virDomainGetConnect(dom), _("source"), &src, error))
        return FALSE;
    if (dest && !read_end(dest, _("destination"), &dst, error))
        return FALSE;
    xml = virDomainGetXMLDesc(dom, 0);
    *caps = dr_mig_caps_compute(&src, dest ? &dst : NULL, xml, notes);
    other = dest ? g_strdup_printf("libvirt %lu QEMU %lu", dst.lib_version, dst.hv_version)
                 : g_strdup("not checked");
    g_debug("migration capabilities 0x%x (source libvirt %lu QEMU %lu, destination %s)%s", *caps,
            src.lib_version, src.hv_version, other,
            (*caps & DR_MIG_CAP_TCG_LOSES_STORES) ? "; TCG on a QEMU that loses stores in a migration" : "");
    return TRUE;
}
