/*
 * dr-policy.c: a domain's migration policy, kept in its domain XML
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "dr-dirtyrate.h"
#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-policy.h"
#include "dr-units.h"
#include "dr-xml.h"

static const char *const qmp_values[] = { "forbid", "allow", NULL };
static const char *const exceeded[] = { "abort", "suspend", "postcopy", NULL };
static const char *const tristate[] = { "auto", "on", "off", NULL };
static const char *const yesno[] = { "yes", "no", NULL };

#define MS_DAY (24ULL * 3600 * 1000)
/* QEMU's XBZRLE cache holds whole pages: at least one. */
#define DR_POLICY_CACHE_MIN 4096

static const DrPolicyKey keys[] = {
    { "measure.mode", "measure", "mode", DR_POLICY_TYPE_ENUM, dr_dirtyrate_mode_names, "auto", 0, 0,
      N_("how to measure: auto picks page-sampling, the one mode every guest has") },
    { "measure.period", "measure", "period", DR_POLICY_TYPE_DURATION, NULL, "2s",
      DR_DIRTYRATE_PERIOD_MS_MIN_QMP, DR_DIRTYRATE_PERIOD_MS_MAX,
      N_("period of one measurement, 50ms to 60s (under 1s needs QMP and QEMU 8.2)") },
    { "measure.sample-pages", "measure", "sample-pages", DR_POLICY_TYPE_COUNT, NULL, "512",
      DR_DIRTYRATE_SAMPLE_PAGES_MIN, DR_DIRTYRATE_SAMPLE_PAGES_MAX,
      N_("pages sampled per GiB in page-sampling mode, 128 to 16384 (other than 512 needs QMP)") },
    { "measure.every", "measure", "every", DR_POLICY_TYPE_DURATION, NULL, "5min", 1000, MS_DAY,
      N_("how often the daemon measures, 1s to 24h") },
    { "measure.qmp", "measure", "qmp", DR_POLICY_TYPE_ENUM, qmp_values, "forbid", 0, 0,
      N_("whether QMP passthrough, which taints the domain, may be used: allow or forbid") },
    { "network.bandwidth", "network", "bandwidth", DR_POLICY_TYPE_BANDWIDTH_OR_MEASURE, NULL,
      "measure", 1, 0, N_("the migration link's bandwidth, e.g. 10Gbit/s or 400MiB/s, or measure") },
    { "limits.max-downtime", "limits", "max-downtime", DR_POLICY_TYPE_DURATION, NULL, "300ms", 1, 60000,
      N_("longest pause of the guest at the end of the migration, 1ms to 60s") },
    { "limits.max-time", "limits", "max-time", DR_POLICY_TYPE_DURATION, NULL, "10min", 1000, MS_DAY,
      N_("longest whole migration, 1s to 24h") },
    { "limits.when-exceeded", "limits", "when-exceeded", DR_POLICY_TYPE_ENUM, exceeded, "abort", 0, 0,
      N_("what to do past max-time: abort, suspend (finish paused) or postcopy") },
    { "xbzrle.use", "xbzrle", "use", DR_POLICY_TYPE_ENUM, tristate, "auto", 0, 0,
      N_("XBZRLE compression: auto (when it pays), on or off") },
    { "xbzrle.cache", "xbzrle", "cache", DR_POLICY_TYPE_SIZE_OR_AUTO, NULL, "auto",
      DR_POLICY_CACHE_MIN, 0,
      N_("XBZRLE cache size, e.g. 512MiB, or auto (sized from the working set)") },
    { "xbzrle.max-cache", "xbzrle", "max-cache", DR_POLICY_TYPE_SIZE_OR_PERCENT, NULL, "25%",
      DR_POLICY_CACHE_MIN, 0,
      N_("cap on the XBZRLE cache: a size, or a share of guest RAM") },
    { "escalate.auto-converge", "escalate", "auto-converge", DR_POLICY_TYPE_ENUM, yesno, "yes", 0, 0,
      N_("may vCPUs be throttled so that the migration converges: yes or no") },
    { "escalate.auto-converge-initial", "escalate", "auto-converge-initial", DR_POLICY_TYPE_PERCENT,
      NULL, "20%", 1, 99, N_("first throttle, 1% to 99%") },
    { "escalate.auto-converge-increment", "escalate", "auto-converge-increment", DR_POLICY_TYPE_PERCENT,
      NULL, "10%", 1, 100, N_("throttle added at each step, 1% to 100%") },
    { "escalate.postcopy", "escalate", "postcopy", DR_POLICY_TYPE_ENUM, yesno, "no", 0, 0,
      N_("may the migration switch to postcopy: yes or no") },
    { NULL }
};

const DrPolicyKey *
dr_policy_keys(void)
{
    return keys;
}

const DrPolicyKey *
dr_policy_key_lookup(const char *key)
{
    for (const DrPolicyKey *k = keys; k->key; k++) {
        if (strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

struct _DrPolicy {
    GHashTable *values; /* key -> canonical value */
};

DrPolicy *
dr_policy_new(void)
{
    DrPolicy *p = g_new0(DrPolicy, 1);

    p->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return p;
}

DrPolicy *
dr_policy_copy(const DrPolicy *src)
{
    DrPolicy *p = dr_policy_new();
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, src->values);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_hash_table_insert(p->values, g_strdup(k), g_strdup(v));
    return p;
}

void
dr_policy_free(DrPolicy *p)
{
    if (!p)
        return;
    g_hash_table_unref(p->values);
    g_free(p);
}

static char *
enum_list(const char *const *values)
{
    g_autofree char *joined = g_strjoinv(", ", (char **)values);
    return g_steal_pointer(&joined);
}

/* A bound of @k, written in its own units. */
static char *
format_bound(const DrPolicyKey *k, uint64_t v)
{
    switch (k->type) {
    case DR_POLICY_TYPE_DURATION:
        return dr_units_format_duration(v);
    case DR_POLICY_TYPE_SIZE_OR_AUTO:
    case DR_POLICY_TYPE_SIZE_OR_PERCENT:
        return dr_units_format_size(v);
    case DR_POLICY_TYPE_PERCENT:
        return g_strdup_printf("%" G_GUINT64_FORMAT "%%", (guint64)v);
    case DR_POLICY_TYPE_BANDWIDTH_OR_MEASURE:
        return dr_units_format_bandwidth(v);
    case DR_POLICY_TYPE_COUNT:
    case DR_POLICY_TYPE_ENUM:
        break;
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)v);
}

static gboolean
out_of_range(const DrPolicyKey *k, const char *value, GError **error)
{
    g_autofree char *lo = format_bound(k, k->min);
    g_autofree char *hi = k->max ? format_bound(k, k->max) : NULL;

    if (hi)
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("%1$s: '%2$s' is out of range: it takes %3$s to %4$s"), k->key, value, lo, hi);
    else
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("%1$s: '%2$s' is out of range: the smallest is %3$s"), k->key, value, lo);
    return FALSE;
}

/* Checks @value for @k; returns the canonical form. */
static char *
canonicalize(const DrPolicyKey *k, const char *value, GError **error)
{
    g_autoptr(GError) err = NULL;
    uint64_t u;
    double pct;

    switch (k->type) {
    case DR_POLICY_TYPE_ENUM:
        if (g_strv_contains(k->values, value))
            return g_strdup(value);
        {
            g_autofree char *list = enum_list(k->values);
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("%1$s: '%2$s' is not one of %3$s"), k->key, value, list);
        }
        return NULL;
    case DR_POLICY_TYPE_DURATION:
        if (!dr_units_parse_duration(value, &u, &err))
            break;
        if (u < k->min || u > k->max)
            return out_of_range(k, value, error), NULL;
        return dr_units_format_duration(u);
    case DR_POLICY_TYPE_COUNT:
        if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &u, NULL)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("%1$s: '%2$s' is not a whole number from %3$llu to %4$llu"),
                        k->key, value, (unsigned long long)k->min, (unsigned long long)k->max);
            return NULL;
        }
        if (u < k->min || u > k->max)
            return out_of_range(k, value, error), NULL;
        return g_strdup_printf("%" G_GUINT64_FORMAT, u);
    case DR_POLICY_TYPE_SIZE_OR_AUTO:
        if (strcmp(value, "auto") == 0)
            return g_strdup(value);
        if (!dr_units_parse_size(value, &u, &err))
            break;
        if (u < k->min)
            return out_of_range(k, value, error), NULL;
        return dr_units_format_size(u);
    case DR_POLICY_TYPE_SIZE_OR_PERCENT:
        if (strchr(value, '%')) {
            if (!dr_units_parse_percent(value, &pct, &err))
                break;
            if (pct <= 0) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("%1$s: '%2$s' is out of range: a share must be above 0%%"), k->key, value);
                return NULL;
            }
            return dr_units_format_percent(pct);
        }
        if (!dr_units_parse_size(value, &u, &err))
            break;
        if (u < k->min)
            return out_of_range(k, value, error), NULL;
        return dr_units_format_size(u);
    case DR_POLICY_TYPE_PERCENT:
        if (!dr_units_parse_percent(value, &pct, &err))
            break;
        if (pct < (double)k->min || pct > (double)k->max)
            return out_of_range(k, value, error), NULL;
        return dr_units_format_percent(pct);
    case DR_POLICY_TYPE_BANDWIDTH_OR_MEASURE:
        if (strcmp(value, "measure") == 0)
            return g_strdup(value);
        if (!dr_units_parse_bandwidth(value, &u, &err))
            break;
        if (u < k->min)
            return out_of_range(k, value, error), NULL;
        return dr_units_format_bandwidth(u);
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, "%s: %s", k->key,
                err ? err->message : _("invalid value"));
    return NULL;
}

gboolean
dr_policy_set(DrPolicy *p, const char *key, const char *value, GError **error)
{
    const DrPolicyKey *k = dr_policy_key_lookup(key);
    char *canon;

    if (!k) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown policy key '%1$s'; 'help domdirtyrate-policy' lists the keys"), key);
        return FALSE;
    }
    if (!(canon = canonicalize(k, value, error)))
        return FALSE;
    g_hash_table_insert(p->values, g_strdup(k->key), canon);
    return TRUE;
}

void
dr_policy_unset(DrPolicy *p, const char *key)
{
    g_hash_table_remove(p->values, key);
}

const char *
dr_policy_get(const DrPolicy *p, const char *key)
{
    return g_hash_table_lookup(p->values, key);
}

const char *
dr_policy_get_effective(const DrPolicy *p, const char *key, gboolean *is_default)
{
    const char *v = dr_policy_get(p, key);
    const DrPolicyKey *k;

    if (is_default)
        *is_default = v == NULL;
    if (v)
        return v;
    k = dr_policy_key_lookup(key);
    return k ? k->def : NULL;
}

gboolean
dr_policy_equal(const DrPolicy *a, const DrPolicy *b)
{
    GHashTableIter it;
    gpointer k, v;

    if (g_hash_table_size(a->values) != g_hash_table_size(b->values))
        return FALSE;
    g_hash_table_iter_init(&it, a->values);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const char *w = g_hash_table_lookup(b->values, k);
        if (!w || strcmp(v, w) != 0)
            return FALSE;
    }
    return TRUE;
}

gboolean
dr_policy_is_empty(const DrPolicy *p)
{
    return g_hash_table_size(p->values) == 0;
}

/* @pfx is "dirtyrate:" with the namespace declared on the root, or ""
 * for libvirt, which injects the namespace itself. */
static char *
format_policy(const DrPolicy *p, gboolean declare_ns)
{
    const char *pfx = declare_ns ? DR_POLICY_PREFIX ":" : "";
    GString *out = g_string_new(NULL);
    const char *open_elem = NULL;

    if (declare_ns)
        g_string_append(out, "<" DR_POLICY_PREFIX ":policy xmlns:" DR_POLICY_PREFIX
                             "=\"" DR_POLICY_NS "\">\n");
    else
        g_string_append(out, "<policy>\n");
    for (const DrPolicyKey *k = keys; k->key; k++) {
        const char *v = dr_policy_get(p, k->key);
        if (!v)
            continue;
        if (!open_elem || strcmp(open_elem, k->element) != 0) {
            if (open_elem)
                g_string_append(out, "/>\n");
            g_string_append_printf(out, "  <%s%s", pfx, k->element);
            open_elem = k->element;
        }
        {
            g_autofree char *esc = g_markup_escape_text(v, -1);
            g_string_append_printf(out, " %s=\"%s\"", k->attribute, esc);
        }
    }
    if (open_elem)
        g_string_append(out, "/>\n");
    g_string_append_printf(out, "</%spolicy>\n", pfx);
    return g_string_free(out, FALSE);
}

char *
dr_policy_format(const DrPolicy *p)
{
    return format_policy(p, TRUE);
}

/* ---- parsing ---------------------------------------------------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNG, xmlRelaxNGFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

typedef struct {
    GString *first; /* the first structured error */
} Collect;

static void
collect_error(void *opaque, xmlErrorPtr e)
{
    Collect *c = opaque;
    g_autofree char *msg = NULL;
    int line;

    if (c->first->len)
        return;
    msg = g_strchomp(g_strdup(e->message ? e->message : "?"));
    line = e->line > 0 ? e->line : (e->node ? (int)xmlGetLineNo(e->node) : 0);
    if (line > 0)
        g_string_append_printf(c->first, _("line %1$d: %2$s"), line, msg);
    else
        g_string_append(c->first, msg);
}

static char *
schema_path(const char *schema_dir)
{
    const char *env = g_getenv("DR_SCHEMA_DIR");

    /* The installed library uses the installed schema: a program run
     * from the build tree passes the source tree's. */
    if (schema_dir)
        return g_build_filename(schema_dir, "policy.rng", NULL);
    if (env)
        return g_build_filename(env, "policy.rng", NULL);
    return g_build_filename(PKGDATADIR, "schemas", "policy.rng", NULL);
}

static gboolean
validate(xmlDoc *doc, const char *schema_dir, GError **error)
{
    g_autofree char *path = schema_path(schema_dir);
    g_autoptr(xmlRelaxNGParserCtxt) pctxt = NULL;
    g_autoptr(xmlRelaxNG) rng = NULL;
    g_autoptr(xmlRelaxNGValidCtxt) vctxt = NULL;
    Collect c = { g_string_new(NULL) };
    int r;

    if (!(pctxt = xmlRelaxNGNewParserCtxt(path)) || !(rng = xmlRelaxNGParse(pctxt))) {
        g_string_free(c.first, TRUE);
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot load the policy schema '%1$s'"), path);
        return FALSE;
    }
    vctxt = xmlRelaxNGNewValidCtxt(rng);
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect_error, &c);
    r = xmlRelaxNGValidateDoc(vctxt, doc);
    if (r != 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_XML,
                    _("The policy does not follow the schema %1$s: %2$s"), path,
                    c.first->len ? c.first->str : _("invalid document"));
        g_string_free(c.first, TRUE);
        return FALSE;
    }
    g_string_free(c.first, TRUE);
    return TRUE;
}

static gboolean
element_known(const char *name)
{
    for (const DrPolicyKey *k = keys; k->key; k++) {
        if (strcmp(k->element, name) == 0)
            return TRUE;
    }
    return FALSE;
}

static char *
attributes_of(const char *element)
{
    GString *s = g_string_new(NULL);

    for (const DrPolicyKey *k = keys; k->key; k++) {
        if (strcmp(k->element, element) != 0)
            continue;
        if (s->len)
            g_string_append(s, ", ");
        g_string_append(s, k->attribute);
    }
    return g_string_free(s, FALSE);
}

static xmlDoc *
read_document(const char *xml, gssize len, GError **error)
{
    xmlDoc *doc;
    Collect c = { g_string_new(NULL) };
    xmlParserCtxtPtr ctxt;
    const char *nul;
    size_t n = len < 0 ? strlen(xml) : (size_t)len;

    if (n > DR_POLICY_MAX_BYTES) {
        g_string_free(c.first, TRUE);
        g_set_error(error, DR_ERROR, DR_ERROR_XML,
                    _("A policy of %1$zu bytes is too large: the limit is %2$d bytes"),
                    n, DR_POLICY_MAX_BYTES);
        return NULL;
    }
    /* libxml2 would stop at a NUL and take what is before it. */
    if ((nul = memchr(xml, '\0', n))) {
        g_string_free(c.first, TRUE);
        g_set_error(error, DR_ERROR, DR_ERROR_XML,
                    _("The policy holds a NUL byte at offset %1$zu: it is not text"),
                    (size_t)(nul - xml));
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    doc = xmlCtxtReadMemory(ctxt, xml, (int)n, "policy.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        if (e)
            collect_error(&c, e);
        xmlFreeParserCtxt(ctxt);
        g_set_error(error, DR_ERROR, DR_ERROR_XML, _("The policy is not well-formed XML: %1$s"),
                    c.first->len ? c.first->str : _("empty document"));
        g_string_free(c.first, TRUE);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    g_string_free(c.first, TRUE);
    return doc;
}

/* The schema validates documents: a policy inside a domain XML is
 * copied into one of its own.  The copy keeps the nodes' line numbers,
 * so the schema's messages still point into the domain XML. */
static gboolean
validate_element(xmlDoc *doc, xmlNode *root, const char *schema_dir, GError **error)
{
    g_autoptr(xmlDoc) copy = NULL;
    xmlNode *node;

    if (root == xmlDocGetRootElement(doc))
        return validate(doc, schema_dir, error);
    copy = xmlNewDoc(BAD_CAST "1.0");
    if (!copy || !(node = xmlDocCopyNode(root, copy, 1))) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Out of memory"));
        return FALSE;
    }
    xmlDocSetRootElement(copy, node);
    return validate(copy, schema_dir, error);
}

/* A whole domain XML (virsh dumpxml's output, or a file for virsh
 * define) keeps the policy in its <metadata>. */
static xmlNode *
policy_in_domain(xmlNode *domain, GError **error)
{
    xmlNode *metadata = NULL;
    xmlNode *found = NULL;

    for (xmlNode *e = domain->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE || e->ns || strcmp((const char *)e->name, "metadata") != 0)
            continue;
        if (metadata) {
            g_set_error(error, DR_ERROR, DR_ERROR_XML,
                        _("line %1$ld: the domain has a second <metadata>; keep one"),
                        xmlGetLineNo(e));
            return NULL;
        }
        metadata = e;
    }
    if (!metadata) {
        g_set_error(error, DR_ERROR, DR_ERROR_XML,
                    _("line %1$ld: the domain has no <metadata>, so no migration policy"),
                    xmlGetLineNo(domain));
        return NULL;
    }
    for (xmlNode *e = metadata->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE || !e->ns ||
            strcmp((const char *)e->ns->href, DR_POLICY_NS) != 0)
            continue;
        if (found) {
            /* libvirt keeps one element per namespace: which one would
             * it be?  Refuse rather than judge by the first. */
            g_set_error(error, DR_ERROR, DR_ERROR_XML,
                        _("line %1$ld: the domain's <metadata> has a second element in the namespace %2$s (the first is on line %3$ld); keep one"),
                        xmlGetLineNo(e), DR_POLICY_NS, xmlGetLineNo(found));
            return NULL;
        }
        found = e;
    }
    if (found)
        return found;
    g_set_error(error, DR_ERROR, DR_ERROR_XML,
                _("line %1$ld: the domain's <metadata> has no element in the namespace %2$s"),
                xmlGetLineNo(metadata), DR_POLICY_NS);
    return NULL;
}

static DrPolicy *
policy_from_element(xmlDoc *doc, xmlNode *root, const char *schema_dir, GError **error)
{
    g_autoptr(DrPolicy) p = dr_policy_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    /* Our own checks first, for messages that name the line and the
     * key; then the schema, which must agree. */
    if (!root->ns || strcmp((const char *)root->ns->href, DR_POLICY_NS) != 0 ||
        strcmp((const char *)root->name, "policy") != 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_XML,
                    _("line %1$ld: the policy must be a <policy> element in the namespace %2$s"),
                    xmlGetLineNo(root), DR_POLICY_NS);
        return NULL;
    }
    for (xmlNode *e = root->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        if (!element_known((const char *)e->name) || !e->ns ||
            strcmp((const char *)e->ns->href, DR_POLICY_NS) != 0) {
            g_set_error(error, DR_ERROR, DR_ERROR_XML,
                        _("line %1$ld: unknown element <%2$s>: a policy has measure, network, limits, xbzrle and escalate"),
                        xmlGetLineNo(e), (const char *)e->name);
            return NULL;
        }
        if (g_hash_table_contains(seen, e->name)) {
            xmlNode *first = g_hash_table_lookup(seen, e->name);
            g_set_error(error, DR_ERROR, DR_ERROR_XML,
                        _("line %1$ld: <%2$s> is given a second time (first on line %3$ld): put all its attributes on one element"),
                        xmlGetLineNo(e), (const char *)e->name, xmlGetLineNo(first));
            return NULL;
        }
        g_hash_table_insert(seen, (gpointer)e->name, e);
        for (xmlAttr *a = e->properties; a; a = a->next) {
            g_autofree char *key = g_strdup_printf("%s.%s", (const char *)e->name,
                                                   (const char *)a->name);
            g_autofree char *value = (char *)xmlNodeGetContent((xmlNode *)a);
            g_autoptr(GError) err = NULL;
            if (!dr_policy_key_lookup(key) || a->ns) {
                g_autofree char *known = attributes_of((const char *)e->name);
                g_set_error(error, DR_ERROR, DR_ERROR_XML,
                            _("line %1$ld: unknown attribute '%2$s' of <%3$s>: it has %4$s"),
                            xmlGetLineNo(e), (const char *)a->name, (const char *)e->name, known);
                return NULL;
            }
            if (!dr_policy_set(p, key, value ? value : "", &err)) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("line %1$ld: %2$s"),
                            xmlGetLineNo(e), err->message);
                return NULL;
            }
        }
    }
    if (!validate_element(doc, root, schema_dir, error))
        return NULL;
    return g_steal_pointer(&p);
}

DrPolicy *
dr_policy_parse(const char *xml, gssize len, const char *schema_dir, GError **error)
{
    g_autoptr(xmlDoc) doc = read_document(xml, len, error);
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root->ns && strcmp((const char *)root->name, "domain") == 0 &&
        !(root = policy_in_domain(root, error)))
        return NULL;
    return policy_from_element(doc, root, schema_dir, error);
}

static void
set_namespace(xmlNode *node, xmlNs *ns)
{
    for (xmlNode *n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!n->ns)
            xmlSetNs(n, ns);
        set_namespace(n->children, ns);
    }
}

/* libvirt hands metadata back without its namespace: it was stored
 * under our URI, so it is ours; put it back in our namespace. */
static DrPolicy *
parse_from_libvirt(const char *xml, const char *schema_dir, GError **error)
{
    g_autoptr(xmlDoc) doc = read_document(xml, -1, error);
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root->ns) {
        xmlNs *ns = xmlNewNs(root, BAD_CAST DR_POLICY_NS, BAD_CAST DR_POLICY_PREFIX);
        if (!ns) {
            g_set_error(error, DR_ERROR, DR_ERROR_XML,
                        _("The policy stored in the domain cannot be read"));
            return NULL;
        }
        xmlSetNs(root, ns);
        set_namespace(root->children, ns);
    }
    return policy_from_element(doc, root, schema_dir, error);
}

/* ---- in a domain ------------------------------------------------------ */

static void
set_libvirt_error(GError **error, virDomainPtr dom, const char *what)
{
    int code;
    g_autofree char *msg = dr_error_libvirt_last(&code);

    g_set_error(error, DR_ERROR,
                code == VIR_ERR_NO_DOMAIN ? DR_ERROR_NO_DOMAIN : DR_ERROR_LIBVIRT,
                _("Cannot %1$s of domain '%2$s': %3$s"), what, virDomainGetName(dom), msg);
}

DrPolicy *
dr_policy_load(virDomainPtr dom, unsigned int flags, const char *schema_dir, GError **error)
{
    char *raw = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, DR_POLICY_NS, flags);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    DrPolicy *p;

    if (!raw) {
        virErrorPtr verr = virGetLastError();
        if (verr && verr->code == VIR_ERR_NO_DOMAIN_METADATA) {
            virResetLastError();
            g_debug("domain %s has no policy (flags 0x%x)", virDomainGetName(dom), flags);
            return dr_policy_new();
        }
        set_libvirt_error(error, dom, _("read the policy"));
        return NULL;
    }
    xml = g_strdup(raw);
    free(raw);
    g_debug("domain %s: stored policy (flags 0x%x): %s", virDomainGetName(dom), flags, xml);
    if (!(p = parse_from_libvirt(xml, schema_dir, &err))) {
        g_set_error(error, DR_ERROR, DR_ERROR_STORED_POLICY,
                    _("The policy stored in domain '%1$s' is not valid: %2$s"),
                    virDomainGetName(dom), err->message);
        return NULL;
    }
    return p;
}

gboolean
dr_policy_check(const DrPolicy *p, const char *schema_dir, GError **error)
{
    g_autofree char *xml = dr_policy_format(p);
    g_autoptr(DrPolicy) back = NULL;
    g_autoptr(GError) err = NULL;

    if (!(back = dr_policy_parse(xml, -1, schema_dir, &err))) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The policy would not be valid once stored, so it was not: %1$s"), err->message);
        return FALSE;
    }
    if (!dr_policy_equal(back, p)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The policy would read back differently once stored, so it was not"));
        return FALSE;
    }
    return TRUE;
}

gboolean
dr_policy_store(virDomainPtr dom, const DrPolicy *p, unsigned int flags,
                const char *schema_dir, GError **error)
{
    g_autofree char *xml = dr_policy_is_empty(p) ? NULL : format_policy(p, FALSE);

    if (!dr_policy_check(p, schema_dir, error))
        return FALSE;
    g_debug("domain %s: storing policy (flags 0x%x): %s", virDomainGetName(dom), flags,
            xml ? xml : "(none)");
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, xml ? DR_POLICY_PREFIX : NULL,
                             DR_POLICY_NS, flags) < 0) {
        set_libvirt_error(error, dom, _("store the policy"));
        return FALSE;
    }
    return TRUE;
}
