/*
 * test-units.c: quantities as people write them, and their edge cases
 */
#include <config.h>

#include <math.h>
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

/* The values of the hardening report, each once wrong. */
static void
test_exact(void)
{
    uint64_t v;
    double pct;
    g_autoptr(GError) err = NULL;
    g_autofree char *f = NULL;

    /* Was rounded through a double to 9000000000000000000. */
    g_assert_true(dr_units_parse_size("9000000000000000001B", &v, NULL));
    g_assert_cmpuint(v, ==, 9000000000000000001ULL);
    g_assert_true(dr_units_parse_size("18446744073709551615B", &v, NULL));
    g_assert_cmpuint(v, ==, G_MAXUINT64);
    g_assert_false(dr_units_parse_size("18446744073709551616B", &v, &err));
    g_assert_nonnull(strstr(err->message, "the largest is"));
    g_clear_error(&err);
    /* Was rounded silently to 1000000 or 1000001. */
    g_assert_false(dr_units_parse_size("1000000.5B", &v, &err));
    g_assert_nonnull(strstr(err->message, "not a whole number of bytes"));
    g_clear_error(&err);
    /* Overflowed to 0Gbit/s when formatted. */
    g_assert_true(dr_units_parse_bandwidth("2147483648GiB/s", &v, NULL));
    g_assert_cmpuint(v, ==, 1ULL << 61);
    f = dr_units_format_bandwidth(v);
    g_assert_cmpstr(f, ==, "2147483648GiB/s");
    g_clear_pointer(&f, g_free);
    g_assert_false(dr_units_parse_bandwidth("17179869184GiB/s", &v, &err));
    g_assert_nonnull(strstr(err->message, "too large"));
    g_clear_error(&err);
    g_assert_true(dr_units_parse_bandwidth("3000000000000000000B/s", &v, NULL));
    f = dr_units_format_bandwidth(v);
    g_assert_cmpstr(f, ==, "24000000000Gbit/s");
    g_clear_pointer(&f, g_free);
    /* Was stored as 1e-07%, which neither parser nor schema take. */
    g_assert_true(dr_units_parse_percent("0.0000001%", &pct, NULL));
    f = dr_units_format_percent(pct);
    g_assert_cmpstr(f, ==, "0.0000001%");
    g_clear_pointer(&f, g_free);
    g_assert_false(dr_units_parse_percent("0.0000000001%", &pct, &err));
    g_assert_nonnull(strstr(err->message, "at most 9 decimals"));
    g_clear_error(&err);
    g_assert_false(dr_units_parse_size("123456789012345678901B", &v, &err));
    g_clear_error(&err);
    g_assert_true(dr_units_parse_bandwidth("1.5bit/s", &v, NULL) == FALSE);
}

/* Property: whatever the parser accepts, formatting gives text that the
 * parser reads back as the same value, and formatting is stable. */
static void
test_roundtrip_property(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(20261122);
    static const char *const size_u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    static const char *const dur_u[] = { "ms", "s", "min", "h" };
    static const char *const bw_u[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "KiB/s", "MiB/s", "GiB/s" };

    for (int i = 0; i < 200000; i++) {
        /* A random decimal with up to 20 digits and up to 9 decimals. */
        guint64 ip = (((guint64)g_rand_int(r) << 32) | g_rand_int(r)) >> g_rand_int_range(r, 0, 64);
        int decimals = g_rand_int_range(r, 0, 10);
        g_autofree char *num = decimals ?
            g_strdup_printf("%" G_GUINT64_FORMAT ".%0*u", ip, decimals,
                            (unsigned int)(g_rand_int(r) % (guint32)pow(10, decimals))) :
            g_strdup_printf("%" G_GUINT64_FORMAT, ip);
        int kind = i % 4;
        uint64_t a, b;
        double pa, pb;
        g_autofree char *text = NULL;
        g_autofree char *f1 = NULL;
        g_autofree char *f2 = NULL;

        switch (kind) {
        case 0:
            text = g_strconcat(num, size_u[g_rand_int_range(r, 0, 5)], NULL);
            if (!dr_units_parse_size(text, &a, NULL))
                continue;
            f1 = dr_units_format_size(a);
            g_assert_true(dr_units_parse_size(f1, &b, NULL));
            g_assert_cmpuint(a, ==, b);
            f2 = dr_units_format_size(b);
            break;
        case 1:
            text = g_strconcat(num, dur_u[g_rand_int_range(r, 0, 4)], NULL);
            if (!dr_units_parse_duration(text, &a, NULL))
                continue;
            f1 = dr_units_format_duration(a);
            g_assert_true(dr_units_parse_duration(f1, &b, NULL));
            g_assert_cmpuint(a, ==, b);
            f2 = dr_units_format_duration(b);
            break;
        case 2:
            text = g_strconcat(num, bw_u[g_rand_int_range(r, 0, 8)], NULL);
            if (!dr_units_parse_bandwidth(text, &a, NULL))
                continue;
            f1 = dr_units_format_bandwidth(a);
            if (!dr_units_parse_bandwidth(f1, &b, NULL))
                g_error("'%s' formatted as '%s', which does not parse", text, f1);
            g_assert_cmpuint(a, ==, b);
            f2 = dr_units_format_bandwidth(b);
            break;
        default:
            text = g_strdup_printf("%d.%0*u%%", g_rand_int_range(r, 0, 101), decimals ? decimals : 1,
                                   (unsigned int)(g_rand_int(r) % (guint32)pow(10, decimals ? decimals : 1)));
            if (!dr_units_parse_percent(text, &pa, NULL))
                continue;
            f1 = dr_units_format_percent(pa);
            if (!dr_units_parse_percent(f1, &pb, NULL))
                g_error("'%s' formatted as '%s', which does not parse", text, f1);
            g_assert_cmpfloat(pa, ==, pb);
            f2 = dr_units_format_percent(pb);
            break;
        }
        g_assert_cmpstr(f1, ==, f2);
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
    g_test_add_func("/units/exact", test_exact);
    g_test_add_func("/units/roundtrip-property", test_roundtrip_property);
    return g_test_run();
}
