/*
 * dr-qmpdirtyrate.c: QEMU's dirty-rate commands, parsed and checked
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-qmpdirtyrate.h"

/* No guest dirties memory faster than this (MiB/s); a larger number is
 * a broken reply. */
#define DR_QMP_RATE_MAX (1LL << 30)

void
dr_qmp_dirty_rate_info_clear(DrQmpDirtyRateInfo *info)
{
    g_clear_pointer(&info->vcpus, g_free);
    info->nvcpus = 0;
}

static gboolean
bad_field(GError **error, const char *field)
{
    g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                _("QEMU's query-dirty-rate reply has a missing or invalid '%1$s'"), field);
    return FALSE;
}

static gboolean
get_int(JsonObject *o, const char *name, int64_t min, int64_t max, gboolean required,
        gboolean *present, int64_t *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);

    if (present)
        *present = n != NULL;
    if (!n)
        return required ? bad_field(error, name) : TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return bad_field(error, name);
    *out = json_node_get_int(n);
    if (*out < min || *out > max)
        return bad_field(error, name);
    return TRUE;
}

static const char *
get_string(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static gboolean
parse_vcpus(JsonNode *n, DrQmpDirtyRateInfo *info, GError **error)
{
    JsonArray *a;
    guint len;

    if (!JSON_NODE_HOLDS_ARRAY(n))
        return bad_field(error, "vcpu-dirty-rate");
    a = json_node_get_array(n);
    len = json_array_get_length(a);
    if (len > DR_DIRTYRATE_VCPUS_MAX)
        return bad_field(error, "vcpu-dirty-rate");
    info->vcpus = g_new0(DrDirtyRateVcpu, MAX(len, 1));
    for (guint i = 0; i < len; i++) {
        JsonNode *e = json_array_get_element(a, i);
        int64_t id, rate;
        /* The error names the array, once: the fields' own errors are
         * not asked for. */
        if (!JSON_NODE_HOLDS_OBJECT(e) ||
            !get_int(json_node_get_object(e), "id", 0, DR_DIRTYRATE_VCPUS_MAX - 1, TRUE, NULL, &id, NULL) ||
            !get_int(json_node_get_object(e), "dirty-rate", 0, DR_QMP_RATE_MAX, TRUE, NULL, &rate, NULL))
            return bad_field(error, "vcpu-dirty-rate");
        for (guint j = 0; j < i; j++) {
            if (info->vcpus[j].id == (int)id)
                return bad_field(error, "vcpu-dirty-rate");
        }
        info->vcpus[i].id = (int)id;
        info->vcpus[i].mib_per_s = (double)rate;
        info->nvcpus++;
    }
    return TRUE;
}

gboolean
dr_qmp_dirty_rate_info_parse(JsonNode *ret, DrQmpDirtyRateInfo *info, GError **error)
{
    JsonObject *o;
    const char *s;
    JsonNode *vn;

    memset(info, 0, sizeof(*info));
    if (!ret || !JSON_NODE_HOLDS_OBJECT(ret)) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("QEMU's query-dirty-rate reply is not an object"));
        return FALSE;
    }
    o = json_node_get_object(ret);

    s = get_string(o, "status");
    if (s && strcmp(s, "unstarted") == 0)
        info->status = DR_QMP_DIRTYRATE_UNSTARTED;
    else if (s && strcmp(s, "measuring") == 0)
        info->status = DR_QMP_DIRTYRATE_MEASURING;
    else if (s && strcmp(s, "measured") == 0)
        info->status = DR_QMP_DIRTYRATE_MEASURED;
    else
        return bad_field(error, "status");

    s = get_string(o, "mode");
    info->mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING; /* before QEMU 6.2 */
    if (json_object_has_member(o, "mode") &&
        (!s || !dr_dirtyrate_mode_from_string(s, &info->mode) ||
         info->mode == DR_DIRTYRATE_MODE_AUTO))
        return bad_field(error, "mode");

    if (!get_int(o, "start-time", 0, G_MAXINT64, TRUE, NULL, &info->start_time, error) ||
        !get_int(o, "calc-time", 0, DR_DIRTYRATE_PERIOD_MS_MAX, TRUE, NULL, &info->calc_time, error) ||
        !get_int(o, "sample-pages", 0, DR_DIRTYRATE_SAMPLE_PAGES_MAX, TRUE, NULL,
                 &info->sample_pages, error) ||
        !get_int(o, "dirty-rate", 0, DR_QMP_RATE_MAX, FALSE, &info->has_rate,
                 &info->mib_per_s, error))
        return FALSE;

    if ((s = get_string(o, "calc-time-unit"))) {
        if (strcmp(s, "millisecond") == 0)
            info->calc_time_ms = TRUE;
        else if (strcmp(s, "second") != 0)
            return bad_field(error, "calc-time-unit");
    } else if (json_object_has_member(o, "calc-time-unit")) {
        return bad_field(error, "calc-time-unit");
    }
    if (!info->calc_time_ms && info->calc_time > DR_DIRTYRATE_PERIOD_MS_MAX / 1000)
        return bad_field(error, "calc-time");
    if (info->status == DR_QMP_DIRTYRATE_MEASURED && !info->has_rate)
        return bad_field(error, "dirty-rate");
    if ((vn = json_object_get_member(o, "vcpu-dirty-rate")) &&
        !parse_vcpus(vn, info, error)) {
        dr_qmp_dirty_rate_info_clear(info);
        return FALSE;
    }
    return TRUE;
}

gboolean
dr_qmp_schema_calc_dirty_rate(JsonNode *schema, DrQmpCalcDirtyRateArgs *args,
                              GError **error)
{
    JsonArray *a;
    const char *arg_type = NULL;

    memset(args, 0, sizeof(*args));
    if (!schema || !JSON_NODE_HOLDS_ARRAY(schema)) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("QEMU's query-qmp-schema reply is not an array"));
        return FALSE;
    }
    a = json_node_get_array(schema);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        const char *name, *meta;
        if (!JSON_NODE_HOLDS_OBJECT(e))
            continue;
        name = get_string(json_node_get_object(e), "name");
        meta = get_string(json_node_get_object(e), "meta-type");
        if (name && meta && strcmp(name, "calc-dirty-rate") == 0 &&
            strcmp(meta, "command") == 0) {
            args->has_command = TRUE;
            arg_type = get_string(json_node_get_object(e), "arg-type");
        }
    }
    if (!args->has_command || !arg_type)
        return TRUE;

    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        const char *name;
        JsonNode *members;
        if (!JSON_NODE_HOLDS_OBJECT(e))
            continue;
        name = get_string(json_node_get_object(e), "name");
        if (!name || strcmp(name, arg_type) != 0)
            continue;
        members = json_object_get_member(json_node_get_object(e), "members");
        if (!members || !JSON_NODE_HOLDS_ARRAY(members))
            break;
        for (guint j = 0; j < json_array_get_length(json_node_get_array(members)); j++) {
            JsonNode *m = json_array_get_element(json_node_get_array(members), j);
            const char *mn = JSON_NODE_HOLDS_OBJECT(m) ?
                get_string(json_node_get_object(m), "name") : NULL;
            if (!mn)
                continue;
            if (strcmp(mn, "mode") == 0)
                args->has_mode = TRUE;
            else if (strcmp(mn, "sample-pages") == 0)
                args->has_sample_pages = TRUE;
            else if (strcmp(mn, "calc-time-unit") == 0)
                args->has_calc_time_unit = TRUE;
        }
        break;
    }
    return TRUE;
}

gboolean
dr_qmp_probe_calc_dirty_rate(DrQmp *qmp, DrQmpCalcDirtyRateArgs *args, GError **error)
{
    g_autoptr(JsonNode) schema = dr_qmp_execute(qmp, "query-qmp-schema", NULL, error);

    return schema && dr_qmp_schema_calc_dirty_rate(schema, args, error);
}

gboolean
dr_qmp_calc_dirty_rate(DrQmp *qmp, const DrQmpCalcDirtyRateArgs *args,
                       DrDirtyRateMode mode, unsigned int period_ms,
                       unsigned int sample_pages, GError **error)
{
    g_autoptr(JsonObject) a = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    if (period_ms % 1000 == 0 || !args->has_calc_time_unit) {
        json_object_set_int_member(a, "calc-time", period_ms / 1000);
    } else {
        json_object_set_int_member(a, "calc-time", period_ms);
        json_object_set_string_member(a, "calc-time-unit", "millisecond");
    }
    if (sample_pages && args->has_sample_pages)
        json_object_set_int_member(a, "sample-pages", sample_pages);
    if (mode != DR_DIRTYRATE_MODE_AUTO && args->has_mode)
        json_object_set_string_member(a, "mode", dr_dirtyrate_mode_to_string(mode));
    ret = dr_qmp_execute(qmp, "calc-dirty-rate", a, error);
    return ret != NULL;
}

gboolean
dr_qmp_query_dirty_rate(DrQmp *qmp, const DrQmpCalcDirtyRateArgs *args,
                        DrQmpDirtyRateInfo *info, GError **error)
{
    g_autoptr(JsonObject) a = NULL;
    g_autoptr(JsonNode) ret = NULL;

    /* QEMU >= 8.2 reports calc-time in seconds unless asked otherwise:
     * a 500 ms measurement comes back as calc-time 0 (QEMU 10.0). */
    if (args && args->has_calc_time_unit) {
        a = json_object_new();
        json_object_set_string_member(a, "calc-time-unit", "millisecond");
    }
    ret = dr_qmp_execute(qmp, "query-dirty-rate", a, error);
    if (!ret || !dr_qmp_dirty_rate_info_parse(ret, info, error))
        return FALSE;
    if (info->status == DR_QMP_DIRTYRATE_MEASURED && info->calc_time == 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("QEMU reported a measurement over a period of 0 %1$s: its rate cannot be trusted"),
                    info->calc_time_ms ? "ms" : "s");
        return FALSE;
    }
    return TRUE;
}
