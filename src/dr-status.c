/*
 * dr-status.c: what happened to a domain, kept beside its policy
 */
#include <config.h>

#include <math.h>
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

/* @f as @n's attributes: converges (with @with_converges), then the figures. */
static void
set_figures(xmlNode *n, const DrStatusFigures *f, gboolean with_converges)
{
    if (with_converges)
        xmlSetProp(n, (const xmlChar *)"converges", (const xmlChar *)(f->converges ? "yes" : "no"));
    set_u64(n, "total-ms", f->total_ms);
    set_u64(n, "downtime-ms", f->downtime_ms);
    set_u64(n, "bytes", f->bytes);
    set_u64(n, "rounds", f->rounds);
}

static void
figures(xmlNode *parent, const char *name, const DrStatusFigures *f, gboolean with_converges)
{
    set_figures(xmlNewChild(parent, NULL, (const xmlChar *)name, NULL), f, with_converges);
}

void
dr_status_figures_from_prediction(DrStatusFigures *f, const DrMigPrediction *p)
{
    f->converges = p->converges;
    f->total_ms = (uint64_t)(p->total_s * 1000);
    f->downtime_ms = (uint64_t)(p->downtime_s * 1000);
    f->bytes = p->bytes;
    f->rounds = p->rounds;
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

static void
set_double(xmlNode *n, const char *name, double v, const char *fmt)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (isnan(v))
        return;
    g_ascii_formatd(buf, sizeof(buf), fmt, v);
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)buf);
}

static char *
stamp_of(GDateTime *t)
{
    g_autoptr(GDateTime) now = t ? g_date_time_ref(t) : g_date_time_new_now_utc();
    return g_date_time_format_iso8601(now);
}

/* @old as a document whose root is our <status>, or a new one. */
static xmlDoc *
status_load(const char *old)
{
    xmlDoc *doc = NULL;
    xmlNode *root = NULL;

    if (old) {
        doc = xmlReadMemory(old, (int)strlen(old), "status.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        /* libvirt hands metadata back without its namespace (the prefix
         * declared, no element in it): it was stored under our URI, so it
         * is ours.  Without this the history was replaced every time. */
        if (root && !root->ns && strcmp((const char *)root->name, "status") == 0) {
            xmlNs *ours = xmlSearchNsByHref(doc, root, BAD_CAST DR_STATUS_NS);
            /* Declared with libvirt's prefix: made the default namespace,
             * since libvirt refuses an element that declares its prefix
             * again ("failed to create a new XML namespace"). */
            if (ours && ours->prefix) {
                xmlFree((xmlChar *)ours->prefix);
                ours->prefix = NULL;
            }
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
        }
    }
    if (!doc) {
        xmlNs *ns;
        doc = xmlNewDoc((const xmlChar *)"1.0");
        root = xmlNewNode(NULL, (const xmlChar *)"status");
        ns = xmlNewNs(root, (const xmlChar *)DR_STATUS_NS, NULL);
        xmlSetNs(root, ns);
        xmlDocSetRootElement(doc, root);
    }
    return doc;
}

/* The root element as text; frees @doc. */
static char *
status_dump(xmlDoc *doc)
{
    xmlBuffer *buf = xmlBufferCreate();
    char *ret;

    xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0);
    ret = g_strndup((const char *)xmlBufferContent(buf), (gsize)xmlBufferLength(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return ret;
}

static gboolean
is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

char *
dr_status_append(const char *old, const DrStatusMigration *m)
{
    xmlDoc *doc = status_load(old);
    xmlNode *root = xmlDocGetRootElement(doc), *mig;
    xmlNs *ns = root->ns;
    g_autofree char *stamp = stamp_of(m->time);
    int count = 0;

    mig = xmlNewChild(root, ns, (const xmlChar *)"migration", NULL);
    xmlSetProp(mig, (const xmlChar *)"time", (const xmlChar *)stamp);
    xmlSetProp(mig, (const xmlChar *)"plan", (const xmlChar *)(m->plan ? m->plan : ""));
    xmlSetProp(mig, (const xmlChar *)"outcome", (const xmlChar *)(m->outcome ? m->outcome : ""));
    if (m->from)
        xmlSetProp(mig, (const xmlChar *)"from", (const xmlChar *)m->from);
    figures(mig, "predicted", &m->predicted, TRUE);
    if (m->have_actual)
        figures(mig, "actual", &m->actual, FALSE);
    for (size_t i = 0; m->actions && m->actions[i]; i++) {
        /* xmlNewTextChild escapes the text. */
        xmlNewTextChild(mig, ns, (const xmlChar *)"action", (const xmlChar *)m->actions[i]);
    }

    /* Keep the newest migrations. */
    for (xmlNode *c = root->children; c; c = c->next)
        count += is_element(c, "migration");
    for (xmlNode *c = root->children, *next; c && count > DR_STATUS_MIGRATIONS_MAX; c = next) {
        next = c->next;
        if (!is_element(c, "migration"))
            continue;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        count--;
    }
    return status_dump(doc);
}

char *
dr_status_set_measurement(const char *old, const DrStatusMeasurement *m)
{
    xmlDoc *doc = status_load(old);
    xmlNode *root = xmlDocGetRootElement(doc), *meas;
    xmlNs *ns = root->ns;
    g_autofree char *stamp = stamp_of(m->time);

    for (xmlNode *c = root->children, *next; c; c = next) {
        next = c->next;
        if (is_element(c, "measurement")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    meas = xmlNewNode(ns, (const xmlChar *)"measurement");
    if (root->children)
        xmlAddPrevSibling(root->children, meas);
    else
        xmlAddChild(root, meas);
    xmlSetProp(meas, (const xmlChar *)"time", (const xmlChar *)stamp);
    set_double(meas, "dirty-rate", m->dirty_rate, "%.0f");
    set_double(meas, "dirty-rate-low", m->dirty_rate_low, "%.0f");
    set_double(meas, "dirty-rate-high", m->dirty_rate_high, "%.0f");
    set_double(meas, "working-set", m->wss_bytes, "%.0f");
    set_double(meas, "working-set-low", m->wss_low_bytes, "%.0f");
    set_double(meas, "working-set-high", m->wss_high_bytes, "%.0f");
    if (m->wss_model)
        xmlSetProp(meas, (const xmlChar *)"model", (const xmlChar *)m->wss_model);
    set_double(meas, "xbzrle-ratio", m->xbzrle_ratio, "%.2f");
    set_double(meas, "changed", m->changed, "%.3f");
    if (m->plan) {
        xmlNode *adv = xmlNewChild(meas, ns, (const xmlChar *)"advice", NULL);
        xmlSetProp(adv, (const xmlChar *)"plan", (const xmlChar *)m->plan);
        set_double(adv, "bandwidth", m->bandwidth, "%.0f");
        set_figures(adv, &m->predicted, TRUE);
        if (m->prepared_plan) {
            xmlNode *pr = xmlNewChild(adv, ns, (const xmlChar *)"prepared", NULL);
            xmlSetProp(pr, (const xmlChar *)"plan", (const xmlChar *)m->prepared_plan);
            set_figures(pr, &m->prepared, TRUE);
        }
    }
    return status_dump(doc);
}

/* @name's value as an unsigned number no larger than @max. */
static gboolean
get_u64(xmlNode *n, const char *name, uint64_t max, uint64_t *out)
{
    g_autofree char *v = (char *)xmlGetProp(n, (const xmlChar *)name);
    guint64 x;

    if (!v || !g_ascii_string_to_unsigned(v, 10, 0, max, &x, NULL))
        return FALSE;
    *out = x;
    return TRUE;
}

/* @el's plan and figures (an <advice> or its <prepared>). */
static gboolean
read_plan_figures(xmlNode *el, char **plan, DrStatusFigures *predicted)
{
    g_autofree char *p = (char *)xmlGetProp(el, (const xmlChar *)"plan");
    g_autofree char *conv = (char *)xmlGetProp(el, (const xmlChar *)"converges");
    uint64_t rounds = 0;

    if (!(p && *p && conv && (strcmp(conv, "yes") == 0 || strcmp(conv, "no") == 0) &&
          get_u64(el, "total-ms", G_MAXUINT64, &predicted->total_ms) &&
          get_u64(el, "downtime-ms", G_MAXUINT64, &predicted->downtime_ms) &&
          get_u64(el, "bytes", G_MAXUINT64, &predicted->bytes) &&
          get_u64(el, "rounds", G_MAXUINT, &rounds))) {
        g_debug("status: the %s's plan, converges or figures are missing or out of range",
                (const char *)el->name);
        memset(predicted, 0, sizeof(*predicted));
        return FALSE;
    }
    predicted->converges = strcmp(conv, "yes") == 0;
    predicted->rounds = (unsigned int)rounds;
    *plan = g_steal_pointer(&p);
    return TRUE;
}

/* The advice of @xml's measurement, or with @prepared its <prepared>. */
static gboolean
read_advice(const char *xml, gboolean prepared, char **plan, DrStatusFigures *predicted)
{
    xmlDoc *doc;
    xmlNode *adv = NULL, *el = NULL;
    gboolean ok = FALSE;

    *plan = NULL;
    memset(predicted, 0, sizeof(*predicted));
    if (!xml)
        return FALSE;
    doc = status_load(xml);
    for (xmlNode *c = xmlDocGetRootElement(doc)->children; c && !adv; c = c->next) {
        if (!is_element(c, "measurement"))
            continue;
        for (xmlNode *a = c->children; a && !adv; a = a->next)
            if (is_element(a, "advice"))
                adv = a;
    }
    el = adv;
    if (adv && prepared) {
        el = NULL;
        for (xmlNode *a = adv->children; a && !el; a = a->next)
            if (is_element(a, "prepared"))
                el = a;
    }
    if (el)
        ok = read_plan_figures(el, plan, predicted);
    else
        g_debug("status: no measurement with %s", prepared ? "a prepared setting" : "advice");
    xmlFreeDoc(doc);
    return ok;
}

gboolean
dr_status_read_advice(const char *xml, char **plan, DrStatusFigures *predicted)
{
    return read_advice(xml, FALSE, plan, predicted);
}

gboolean
dr_status_read_prepared(const char *xml, char **plan, DrStatusFigures *predicted)
{
    return read_advice(xml, TRUE, plan, predicted);
}

/* The domain's status element as text, or NULL (no error) when it has none. */
static gboolean
status_read(virDomainPtr dom, unsigned int flags, char **old, GError **error)
{
    *old = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, DR_STATUS_NS, flags);
    if (!*old) {
        int code = 0;
        g_autofree char *msg = dr_error_libvirt_last(&code);
        if (code != VIR_ERR_NO_DOMAIN_METADATA) {
            g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                        _("Cannot read the status of domain '%1$s': %2$s"),
                        virDomainGetName(dom), msg);
            return FALSE;
        }
    }
    return TRUE;
}

typedef char *(*StatusEdit)(const char *old, const void *item);

/* Reads the domain's status element, edits it, and writes it back. */
static gboolean
status_update(virDomainPtr dom, unsigned int flags, StatusEdit edit, const void *item,
              GError **error)
{
    g_autofree char *old = NULL;
    g_autofree char *xml = NULL;

    if (!status_read(dom, flags, &old, error))
        return FALSE;
    xml = edit(old, item);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, DR_STATUS_PREFIX,
                             DR_STATUS_NS, flags) < 0) {
        dr_error_set_libvirt_domain(error, dom, _("its status was written"));
        return FALSE;
    }
    g_debug("status of domain %s written (flags 0x%x, %zu bytes)", virDomainGetName(dom), flags,
            strlen(xml));
    return TRUE;
}

static char *
edit_measurement(const char *old, const void *item)
{
    return dr_status_set_measurement(old, item);
}

static char *
edit_migration(const char *old, const void *item)
{
    return dr_status_append(old, item);
}

gboolean
dr_status_publish_measurement(virDomainPtr dom, const DrStatusMeasurement *m, unsigned int flags,
                              GError **error)
{
    return status_update(dom, flags, edit_measurement, m, error);
}

gboolean
dr_status_add_migration(virDomainPtr dom, const DrStatusMigration *m, unsigned int flags,
                        GError **error)
{
    return status_update(dom, flags, edit_migration, m, error);
}
