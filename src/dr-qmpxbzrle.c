/*
 * dr-qmpxbzrle.c: XBZRLE as QEMU sees it, through QMP
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-qmpxbzrle.h"

void
dr_qmp_xbzrle_clear(DrQmpXbzrle *x)
{
    g_clear_pointer(&x->status, g_free);
    g_clear_pointer(&x->multifd_compression, g_free);
    memset(x, 0, sizeof(*x));
}

static gboolean
malformed(GError **error, const char *command, const char *field)
{
    g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                _("QEMU's %1$s reply has a missing or invalid '%2$s'"), command, field);
    return FALSE;
}

static gboolean
get_u64(JsonObject *o, const char *name, const char *command, uint64_t *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);
    int64_t v;

    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return malformed(error, command, name);
    v = json_node_get_int(n);
    if (v < 0)
        return malformed(error, command, name);
    *out = (uint64_t)v;
    return TRUE;
}

/* A rate: a finite, non-negative number (QEMU writes 0 as an integer). */
static gboolean
get_rate(JsonObject *o, const char *name, const char *command, gboolean required,
         gboolean *present, double *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);
    GType t;

    if (present)
        *present = n != NULL;
    if (!n)
        return required ? malformed(error, command, name) : TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n))
        return malformed(error, command, name);
    t = json_node_get_value_type(n);
    if (t == G_TYPE_DOUBLE)
        *out = json_node_get_double(n);
    else if (t == G_TYPE_INT64)
        *out = (double)json_node_get_int(n);
    else
        return malformed(error, command, name);
    if (!isfinite(*out) || *out < 0)
        return malformed(error, command, name);
    return TRUE;
}

static gboolean
parse_capabilities(JsonNode *ret, DrQmpXbzrle *x, GError **error)
{
    JsonArray *a;

    if (!JSON_NODE_HOLDS_ARRAY(ret))
        return malformed(error, "query-migrate-capabilities", "return");
    a = json_node_get_array(ret);
    x->capability = x->multifd = FALSE;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        JsonObject *o;
        JsonNode *cap, *state;
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return malformed(error, "query-migrate-capabilities", "return");
        o = json_node_get_object(e);
        cap = json_object_get_member(o, "capability");
        state = json_object_get_member(o, "state");
        if (!cap || !JSON_NODE_HOLDS_VALUE(cap) || json_node_get_value_type(cap) != G_TYPE_STRING ||
            !state || !JSON_NODE_HOLDS_VALUE(state) || json_node_get_value_type(state) != G_TYPE_BOOLEAN)
            return malformed(error, "query-migrate-capabilities", "capability");
        if (strcmp(json_node_get_string(cap), "xbzrle") == 0)
            x->capability = json_node_get_boolean(state);
        else if (strcmp(json_node_get_string(cap), "multifd") == 0)
            x->multifd = json_node_get_boolean(state);
    }
    return TRUE;
}

static gboolean
parse_migrate(JsonNode *ret, DrQmpXbzrle *x, GError **error)
{
    const char *cmd = "query-migrate";
    JsonObject *o, *c;
    JsonNode *n;

    if (!JSON_NODE_HOLDS_OBJECT(ret))
        return malformed(error, cmd, "return");
    o = json_node_get_object(ret);
    n = json_object_get_member(o, "status");
    if (n) {
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            return malformed(error, cmd, "status");
        x->status = g_strdup(json_node_get_string(n));
    }
    n = json_object_get_member(o, "xbzrle-cache");
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return malformed(error, cmd, "xbzrle-cache");
    c = json_node_get_object(n);
    if (!get_u64(c, "cache-size", cmd, &x->stats_cache_size, error) ||
        !get_u64(c, "bytes", cmd, &x->bytes, error) ||
        !get_u64(c, "pages", cmd, &x->pages, error) ||
        !get_u64(c, "cache-miss", cmd, &x->cache_miss, error) ||
        !get_u64(c, "overflow", cmd, &x->overflow, error) ||
        !get_rate(c, "cache-miss-rate", cmd, TRUE, NULL, &x->cache_miss_rate, error) ||
        !get_rate(c, "encoding-rate", cmd, FALSE, &x->have_encoding_rate, &x->encoding_rate, error))
        return FALSE;
    if (x->cache_miss_rate > 1)
        return malformed(error, cmd, "cache-miss-rate");
    x->have_stats = TRUE;
    return TRUE;
}

/* multifd's channels and compression: absent before QEMU 4.0 and 5.0. */
static gboolean
parse_multifd(JsonObject *o, DrQmpXbzrle *x, GError **error)
{
    const char *cmd = "query-migrate-parameters";
    JsonNode *n;
    uint64_t channels;

    if (json_object_has_member(o, "multifd-channels")) {
        if (!get_u64(o, "multifd-channels", cmd, &channels, error))
            return FALSE;
        if (channels < 1 || channels > DR_QMP_MULTIFD_CHANNELS_MAX)
            return malformed(error, cmd, "multifd-channels");
        x->multifd_channels = (unsigned int)channels;
    }
    n = json_object_get_member(o, "multifd-compression");
    if (n) {
        const char *c;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            return malformed(error, cmd, "multifd-compression");
        c = json_node_get_string(n);
        /* a QAPI enum name: short, lower case */
        if (!*c || strlen(c) > 32 || strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(c))
            return malformed(error, cmd, "multifd-compression");
        x->multifd_compression = g_strdup(c);
    }
    return TRUE;
}

gboolean
dr_qmp_xbzrle_query(DrQmp *qmp, DrQmpXbzrle *x, GError **error)
{
    g_autoptr(JsonNode) caps = NULL;
    g_autoptr(JsonNode) params = NULL;
    g_autoptr(JsonNode) mig = NULL;

    memset(x, 0, sizeof(*x));
    if (!(caps = dr_qmp_execute(qmp, "query-migrate-capabilities", NULL, error)) ||
        !parse_capabilities(caps, x, error))
        goto fail;
    if (!(params = dr_qmp_execute(qmp, "query-migrate-parameters", NULL, error)))
        goto fail;
    if (!JSON_NODE_HOLDS_OBJECT(params) ||
        !get_u64(json_node_get_object(params), "xbzrle-cache-size", "query-migrate-parameters",
                 &x->cache_size, error) ||
        !parse_multifd(json_node_get_object(params), x, error)) {
        if (error && !*error)
            malformed(error, "query-migrate-parameters", "return");
        goto fail;
    }
    if (!(mig = dr_qmp_execute(qmp, "query-migrate", NULL, error)) || !parse_migrate(mig, x, error))
        goto fail;
    return TRUE;
fail:
    dr_qmp_xbzrle_clear(x);
    return FALSE;
}
