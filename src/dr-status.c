/*
 * dr-status.c: what happened to a domain, kept beside its policy
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-status.h"

static void
set_u64(xmlNode *n, const char *name, uint64_t v)
{
    char buf[32];
    g_snprintf(buf, sizeof(buf), "%" G_GUINT64_FORMAT, v);
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)buf);
}

static void
figures(xmlNode *parent, const char *name, const DrStatusFigures *f, gboolean with_converges)
{
    xmlNode *n = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
    if (with_converges)
        xmlSetProp(n, (const xmlChar *)"converges", (const xmlChar *)(f->converges ? "yes" : "no"));
    set_u64(n, "total-ms", f->total_ms);
    set_u64(n, "downtime-ms", f->downtime_ms);
    set_u64(n, "bytes", f->bytes);
    set_u64(n, "rounds", f->rounds);
}

/* Puts @n and its descendants in @ns. */
static void
set_namespace(xmlNode *n, xmlNs *ns)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!n->ns)
            xmlSetNs(n, ns);
        set_namespace(n->children, ns);
    }
}

char *
dr_status_append(const char *old, const DrStatusMigration *m)
{
    xmlDoc *doc = NULL;
    xmlNode *root = NULL, *mig;
    xmlNs *ns;
    xmlChar *out = NULL;
    int len = 0, count = 0;
    g_autoptr(GDateTime) now = m->time ? g_date_time_ref(m->time) : g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    char *ret;

    if (old) {
        doc = xmlReadMemory(old, (int)strlen(old), "status.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        /* libvirt hands metadata back without its namespace (the prefix
         * declared, no element in it): it was stored under our URI, so it
         * is ours.  Without this the history was replaced every time. */
        if (root && !root->ns && strcmp((const char *)root->name, "status") == 0) {
            xmlNs *ours = xmlSearchNsByHref(doc, root, BAD_CAST DR_STATUS_NS);
            if (!ours)
                ours = xmlNewNs(root, BAD_CAST DR_STATUS_NS, NULL);
            if (ours) {
                xmlSetNs(root, ours);
                set_namespace(root->children, ours);
            }
        }
        if (!root || !root->ns || strcmp((const char *)root->ns->href, DR_STATUS_NS) != 0 ||
            strcmp((const char *)root->name, "status") != 0) {
            g_debug("status element not readable: replaced");
            xmlFreeDoc(doc);
            doc = NULL;
            root = NULL;
        }
    }
    if (!doc) {
        doc = xmlNewDoc((const xmlChar *)"1.0");
        root = xmlNewNode(NULL, (const xmlChar *)"status");
        ns = xmlNewNs(root, (const xmlChar *)DR_STATUS_NS, NULL);
        xmlSetNs(root, ns);
        xmlDocSetRootElement(doc, root);
    }
    ns = root->ns;
    mig = xmlNewChild(root, ns, (const xmlChar *)"migration", NULL);
    xmlSetProp(mig, (const xmlChar *)"time", (const xmlChar *)stamp);
    xmlSetProp(mig, (const xmlChar *)"plan", (const xmlChar *)(m->plan ? m->plan : ""));
    xmlSetProp(mig, (const xmlChar *)"outcome", (const xmlChar *)(m->outcome ? m->outcome : ""));
    if (m->from)
        xmlSetProp(mig, (const xmlChar *)"from", (const xmlChar *)m->from);
    figures(mig, "predicted", &m->predicted, TRUE);
    if (m->have_actual)
        figures(mig, "actual", &m->actual, FALSE);

    /* Keep the newest. */
    for (xmlNode *c = root->children; c; c = c->next)
        count += c->type == XML_ELEMENT_NODE;
    for (xmlNode *c = root->children, *next; c && count > DR_STATUS_MIGRATIONS_MAX; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        count--;
    }
    {
        xmlBuffer *buf = xmlBufferCreate();
        xmlNodeDump(buf, doc, root, 0, 0);
        out = xmlStrdup(xmlBufferContent(buf));
        len = xmlBufferLength(buf);
        xmlBufferFree(buf);
    }
    ret = g_strndup((const char *)out, (gsize)len);
    xmlFree(out);
    xmlFreeDoc(doc);
    return ret;
}

gboolean
dr_status_add_migration(virDomainPtr dom, const DrStatusMigration *m, unsigned int flags,
                        GError **error)
{
    g_autofree char *old = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, DR_STATUS_NS, flags);
    g_autofree char *xml = NULL;

    if (!old) {
        int code = 0;
        g_autofree char *msg = dr_error_libvirt_last(&code);
        if (code != VIR_ERR_NO_DOMAIN_METADATA) {
            g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                        _("Cannot read the status of domain '%1$s': %2$s"),
                        virDomainGetName(dom), msg);
            return FALSE;
        }
    }
    xml = dr_status_append(old, m);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, DR_STATUS_PREFIX,
                             DR_STATUS_NS, flags) < 0) {
        dr_error_set_libvirt_domain(error, dom, _("its status was written"));
        return FALSE;
    }
    return TRUE;
}
