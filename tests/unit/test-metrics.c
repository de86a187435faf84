/*
 * test-metrics.c: the Prometheus text the daemon serves
 *
 * The output is read back by a strict parser of the exposition format
 * (HELP and TYPE once per metric and before its samples, label values
 * unescaped), so a domain name with quotes, backslashes and a newline
 * must come back as it was.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dr-metrics.h"

typedef struct {
    char *metric;
    char *domain;
    char *uuid;
    double value;
} Sample;

static void
sample_clear(gpointer p)
{
    Sample *s = p;
    g_free(s->metric);
    g_free(s->domain);
    g_free(s->uuid);
}

/* Reads one quoted label value at *p (after the opening quote). */
static char *
read_label(const char **p)
{
    GString *v = g_string_new(NULL);
    const char *q = *p;

    for (; *q && *q != '"'; q++) {
        if (*q == '\\') {
            q++;
            g_assert_true(*q == '\\' || *q == '"' || *q == 'n');
            g_string_append_c(v, *q == 'n' ? '\n' : *q);
        } else {
            g_assert_cmpint(*q, !=, '\n');
            g_string_append_c(v, *q);
        }
    }
    g_assert_cmpint(*q, ==, '"');
    *p = q + 1;
    return g_string_free(v, FALSE);
}

static GArray *
parse(const char *text)
{
    GArray *samples = g_array_new(FALSE, TRUE, sizeof(Sample));
    g_autoptr(GHashTable) help = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) type = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);

    g_array_set_clear_func(samples, sample_clear);
    g_assert_cmpuint(n, >, 0);
    g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with a newline */
    for (guint i = 0; i + 1 < n; i++) {
        const char *l = lines[i];
        if (g_str_has_prefix(l, "# HELP ")) {
            g_auto(GStrv) f = g_strsplit(l + 7, " ", 2);
            g_assert_nonnull(f[1]);
            g_assert_false(g_hash_table_contains(help, f[0]));
            g_hash_table_add(help, g_strdup(f[0]));
        } else if (g_str_has_prefix(l, "# TYPE ")) {
            g_auto(GStrv) f = g_strsplit(l + 7, " ", 2);
            g_assert_true(g_strcmp0(f[1], "gauge") == 0 || g_strcmp0(f[1], "counter") == 0);
            g_assert_true(g_hash_table_contains(help, f[0]));
            g_assert_false(g_hash_table_contains(type, f[0]));
            if (g_strcmp0(f[1], "counter") == 0)
                g_assert_true(g_str_has_suffix(f[0], "_total"));
            g_hash_table_insert(type, g_strdup(f[0]), g_strdup(f[1]));
        } else {
            Sample s = { 0 };
            const char *p = strchr(l, '{');
            char *end = NULL;
            g_assert_nonnull(p);
            s.metric = g_strndup(l, (gsize)(p - l));
            g_assert_true(g_regex_match_simple("^[a-zA-Z_:][a-zA-Z0-9_:]*$", s.metric, 0, 0));
            g_assert_true(g_hash_table_contains(type, s.metric));
            g_assert_true(g_str_has_prefix(p, "{domain=\""));
            p += strlen("{domain=\"");
            s.domain = read_label(&p);
            g_assert_true(g_str_has_prefix(p, ",uuid=\""));
            p += strlen(",uuid=\"");
            s.uuid = read_label(&p);
            g_assert_true(g_str_has_prefix(p, "} "));
            p += 2;
            s.value = g_ascii_strtod(p, &end);
            g_assert_true(end != p && *end == '\0');
            g_array_append_val(samples, s);
        }
    }
    return samples;
}

static const Sample *
find(GArray *samples, const char *metric, const char *domain)
{
    for (guint i = 0; i < samples->len; i++) {
        const Sample *s = &g_array_index(samples, Sample, i);
        if (strcmp(s->metric, metric) == 0 && strcmp(s->domain, domain) == 0)
            return s;
    }
    return NULL;
}

static void
test_format(void)
{
    const char *odd = "we\"ird\\name\nline2";
    DrMetricsDomain d[2];
    g_autofree char *text = NULL;
    g_autoptr(GArray) samples = NULL;

    memset(d, 0, sizeof(d));
    d[0].name = "guest-1";
    d[0].uuid = "5f1a6b1e-0000-4000-8000-000000000001";
    d[0].dirty_rate = 104857600;
    d[0].dirty_rate_low = 99614720;
    d[0].dirty_rate_high = 110100480;
    d[0].wss_bytes = 268435456;
    d[0].wss_low_bytes = 250000000;
    d[0].wss_high_bytes = 290000000;
    d[0].measured_at = 1795000000;
    d[0].have_advice = TRUE;
    d[0].advice_converges = TRUE;
    d[0].advice_total_s = 16.8;
    d[0].migrating = TRUE;
    d[0].migration_remaining = 12345678;
    d[0].migration_iteration = 4;
    d[0].migration_cache_miss_rate = 0.75;
    d[0].migrations_completed = 3;
    d[0].last_total_s = 17.4;
    d[0].last_predicted_s = 16.8;
    /* Not measured yet: no rate, no advice, not migrating. */
    d[1].name = odd;
    d[1].uuid = "5f1a6b1e-0000-4000-8000-000000000002";
    d[1].dirty_rate = d[1].dirty_rate_low = d[1].dirty_rate_high = NAN;
    d[1].wss_bytes = d[1].wss_low_bytes = d[1].wss_high_bytes = d[1].measured_at = NAN;
    d[1].last_total_s = d[1].last_predicted_s = NAN;
    d[1].migrations_failed = 1;

    text = dr_metrics_format(d, 2);
    samples = parse(text);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_dirty_rate_bytes_per_second", "guest-1")->value,
                      ==, 104857600);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_advice_predicted_seconds", "guest-1")->value,
                      ==, 16.8);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_working_set_low_bytes", "guest-1")->value,
                      ==, 250000000);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_working_set_high_bytes", "guest-1")->value,
                      ==, 290000000);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_migration_xbzrle_cache_miss_ratio", "guest-1")->value,
                      ==, 0.75);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_migrating", "guest-1")->value, ==, 1);
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_migrations_completed_total", "guest-1")->value, ==, 3);
    /* The odd name comes back whole; what it lacks is left out. */
    g_assert_nonnull(find(samples, "virt_dirtyrate_migrations_failed_total", odd));
    g_assert_cmpfloat(find(samples, "virt_dirtyrate_migrating", odd)->value, ==, 0);
    g_assert_null(find(samples, "virt_dirtyrate_dirty_rate_bytes_per_second", odd));
    g_assert_null(find(samples, "virt_dirtyrate_advice_converges", odd));
    g_assert_null(find(samples, "virt_dirtyrate_working_set_low_bytes", odd));
    g_assert_null(find(samples, "virt_dirtyrate_migration_remaining_bytes", odd));
    g_assert_cmpstr(find(samples, "virt_dirtyrate_migrating", odd)->uuid, ==,
                    "5f1a6b1e-0000-4000-8000-000000000002");
}

/* No domain: the HELP and TYPE lines alone, still valid. */
static void
test_empty(void)
{
    g_autofree char *text = dr_metrics_format(NULL, 0);
    g_autoptr(GArray) samples = parse(text);

    g_assert_cmpuint(samples->len, ==, 0);
    g_assert_nonnull(strstr(text, "# TYPE virt_dirtyrate_dirty_rate_bytes_per_second gauge\n"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/metrics/format", test_format);
    g_test_add_func("/metrics/empty", test_empty);
    return g_test_run();
}
