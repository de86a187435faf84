/*
 * test-units.c: quantities as people write them, and their edge cases
 */
#include <config.h>

#include <string.h>

#include "dr-error.h"
#include "dr-units.h"

static void
test_sizes(void)
{
    uint64_t v;
    g_autoptr(GError) err = NULL;
    g_autofree char *f = NULL;

    g_assert_true(dr_units_parse_size("512MiB", &v, NULL));
    g_assert_cmpuint(v, ==, 512ULL << 20);
    g_assert_true(dr_units_parse_size("1.5GiB", &v, NULL));
    g_assert_cmpuint(v, ==, 3ULL << 29);
    g_assert_true(dr_units_parse_size("0", &v, NULL));
    g_assert_cmpuint(v, ==, 0);
    g_assert_true(dr_units_parse_size("4096B", &v, NULL));
    g_assert_cmpuint(v, ==, 4096);

    g_assert_false(dr_units_parse_size("512", &v, &err));
    g_assert_nonnull(strstr(err->message, "has no unit"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("512MB", &v, &err));
    g_assert_nonnull(strstr(err->message, "unknown unit 'MB'"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("-1GiB", &v, &err));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("99999999999TiB", &v, &err));
    g_assert_nonnull(strstr(err->message, "too large"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("0.3B", &v, &err));
    g_assert_nonnull(strstr(err->message, "whole number"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size(" 1GiB", &v, &err));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("", &v, &err));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("1.GiB", &v, &err));

    f = dr_units_format_size(512ULL << 20);
    g_assert_cmpstr(f, ==, "512MiB");
    g_free(f);
    f = dr_units_format_size(3ULL << 29);
    g_assert_cmpstr(f, ==, "1536MiB");
    g_free(f);
    f = dr_units_format_size(4097);
    g_assert_cmpstr(f, ==, "4097B");
}

static void
test_percent(void)
{
    double v;
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_units_parse_percent("25%", &v, NULL));
    g_assert_cmpfloat(v, ==, 25);
    g_assert_true(dr_units_parse_percent("100%", &v, NULL));
    g_assert_true(dr_units_parse_percent("0", &v, NULL));
    g_assert_cmpfloat(v, ==, 0);
    g_assert_true(dr_units_parse_percent("12.5%", &v, NULL));
    g_assert_cmpfloat(v, ==, 12.5);
    g_assert_false(dr_units_parse_percent("101%", &v, &err));
    g_assert_nonnull(strstr(err->message, "over 100%"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_percent("25", &v, &err));
    g_assert_nonnull(strstr(err->message, "no unit"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_percent("25 %", &v, &err));
}

static void
test_durations(void)
{
    uint64_t v;
    g_autoptr(GError) err = NULL;
    g_autofree char *f = NULL;

    g_assert_true(dr_units_parse_duration("300ms", &v, NULL));
    g_assert_cmpuint(v, ==, 300);
    g_assert_true(dr_units_parse_duration("2s", &v, NULL));
    g_assert_cmpuint(v, ==, 2000);
    g_assert_true(dr_units_parse_duration("5min", &v, NULL));
    g_assert_cmpuint(v, ==, 300000);
    g_assert_true(dr_units_parse_duration("1.5s", &v, NULL));
    g_assert_cmpuint(v, ==, 1500);
    g_assert_false(dr_units_parse_duration("300", &v, &err));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_duration("2sec", &v, &err));
    g_assert_nonnull(strstr(err->message, "unknown unit 'sec'"));
    f = dr_units_format_duration(300000);
    g_assert_cmpstr(f, ==, "5min");
    g_free(f);
    f = dr_units_format_duration(1500);
    g_assert_cmpstr(f, ==, "1500ms");
}

static void
test_bandwidths(void)
{
    uint64_t v;
    g_autoptr(GError) err = NULL;
    g_autofree char *f = NULL;

    g_assert_true(dr_units_parse_bandwidth("1Gbit/s", &v, NULL));
    g_assert_cmpuint(v, ==, 125000000);
    g_assert_true(dr_units_parse_bandwidth("40MiB/s", &v, NULL));
    g_assert_cmpuint(v, ==, 40ULL << 20);
    g_assert_false(dr_units_parse_bandwidth("1Gbps", &v, &err));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_bandwidth("3bit/s", &v, &err));
    g_assert_nonnull(strstr(err->message, "whole number"));
    f = dr_units_format_bandwidth(125000000);
    g_assert_cmpstr(f, ==, "1Gbit/s");
    g_free(f);
    f = dr_units_format_bandwidth(40ULL << 20);
    g_assert_cmpstr(f, ==, "40MiB/s");
}

static void
test_roundtrip(void)
{
    static const char *const sizes[] = { "1B", "4KiB", "1536MiB", "2GiB", "3TiB", "5000B" };

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        uint64_t a, b;
        g_autofree char *f = NULL;
        g_assert_true(dr_units_parse_size(sizes[i], &a, NULL));
        f = dr_units_format_size(a);
        g_assert_true(dr_units_parse_size(f, &b, NULL));
        g_assert_cmpuint(a, ==, b);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/units/sizes", test_sizes);
    g_test_add_func("/units/percent", test_percent);
    g_test_add_func("/units/durations", test_durations);
    g_test_add_func("/units/bandwidths", test_bandwidths);
    g_test_add_func("/units/roundtrip", test_roundtrip);
    return g_test_run();
}
