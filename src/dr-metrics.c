/*
 * dr-metrics.c: the daemon's numbers in Prometheus' text format
 *
 * See dr-metrics.h.  The metrics are a table: name, type, help, and how
 * to get a domain's value.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>

#include "dr-metrics.h"

#define PREFIX "virt_dirtyrate_"

typedef enum { VALUE_DOUBLE, VALUE_BOOL, VALUE_U64 } ValueType;

typedef struct {
    const char *name;
    const char *type;        /* gauge or counter */
    const char *help;
    ValueType vtype;
    size_t offset;           /* of the value in DrMetricsDomain */
    size_t only_if;          /* offset of a gboolean that must be TRUE; 0: none */
} Metric;

#define D(f) offsetof(DrMetricsDomain, f)

static const Metric metrics[] = {
    { "dirty_rate_bytes_per_second", "gauge", "Last measured dirty rate.",
      VALUE_DOUBLE, D(dirty_rate), 0 },
    { "dirty_rate_low_bytes_per_second", "gauge", "Lower end of the dirty rate's 95% interval.",
      VALUE_DOUBLE, D(dirty_rate_low), 0 },
    { "dirty_rate_high_bytes_per_second", "gauge", "Upper end of the dirty rate's 95% interval.",
      VALUE_DOUBLE, D(dirty_rate_high), 0 },
    { "working_set_bytes", "gauge", "Estimated working set.",
      VALUE_DOUBLE, D(wss_bytes), 0 },
    { "working_set_low_bytes", "gauge", "Lower end of the working set's 95% interval.",
      VALUE_DOUBLE, D(wss_low_bytes), 0 },
    { "working_set_high_bytes", "gauge", "Upper end of the working set's 95% interval: the guest's RAM where the curve did not flatten.",
      VALUE_DOUBLE, D(wss_high_bytes), 0 },
    { "measured_timestamp_seconds", "gauge", "Unix time of the last measurement.",
      VALUE_DOUBLE, D(measured_at), 0 },
    { "advice_converges", "gauge", "1 if the advised plan is predicted to converge.",
      VALUE_BOOL, D(advice_converges), D(have_advice) },
    { "advice_predicted_seconds", "gauge", "The advised plan's predicted total time.",
      VALUE_DOUBLE, D(advice_total_s), D(have_advice) },
    { "migrating", "gauge", "1 while the domain migrates.",
      VALUE_BOOL, D(migrating), 0 },
    { "migration_remaining_bytes", "gauge", "Data left to send in the running migration.",
      VALUE_DOUBLE, D(migration_remaining), D(migrating) },
    { "migration_iteration", "gauge", "Round of the running migration.",
      VALUE_DOUBLE, D(migration_iteration), D(migrating) },
    { "migration_xbzrle_cache_miss_ratio", "gauge", "XBZRLE cache misses of the running migration's last poll, 0-1.",
      VALUE_DOUBLE, D(migration_cache_miss_rate), D(migrating) },
    { "migrations_completed_total", "counter", "Migrations seen to complete.",
      VALUE_U64, D(migrations_completed), 0 },
    { "migrations_failed_total", "counter", "Migrations seen to fail or be aborted.",
      VALUE_U64, D(migrations_failed), 0 },
    { "last_migration_seconds", "gauge", "Total time of the last completed migration.",
      VALUE_DOUBLE, D(last_total_s), 0 },
    { "last_migration_predicted_seconds", "gauge", "Predicted total time of the last completed migration.",
      VALUE_DOUBLE, D(last_predicted_s), 0 },
};

/* A label value: \ " and newline escaped. */
static void
append_label(GString *out, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '"')
            g_string_append(out, "\\\"");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

static void
append_double(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (isinf(v))
        g_string_append(out, v > 0 ? "+Inf" : "-Inf");
    else
        g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), v));
}

char *
dr_metrics_format(const DrMetricsDomain *domains, size_t n)
{
    GString *out = g_string_new(NULL);

    for (size_t m = 0; m < G_N_ELEMENTS(metrics); m++) {
        const Metric *mt = &metrics[m];

        g_string_append_printf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n",
                               mt->name, mt->help, mt->name, mt->type);
        for (size_t i = 0; i < n; i++) {
            const char *base = (const char *)&domains[i];
            double v;

            if (mt->only_if && !*(const gboolean *)(const void *)(base + mt->only_if))
                continue;
            switch (mt->vtype) {
            case VALUE_BOOL:
                v = *(const gboolean *)(const void *)(base + mt->offset) ? 1 : 0;
                break;
            case VALUE_U64:
                v = (double)*(const uint64_t *)(const void *)(base + mt->offset);
                break;
            case VALUE_DOUBLE:
            default:
                v = *(const double *)(const void *)(base + mt->offset);
                break;
            }
            if (isnan(v))
                continue;
            g_string_append(out, PREFIX);
            g_string_append(out, mt->name);
            g_string_append(out, "{domain=\"");
            append_label(out, domains[i].name);
            g_string_append(out, "\",uuid=\"");
            append_label(out, domains[i].uuid);
            g_string_append(out, "\"} ");
            append_double(out, v);
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}
