/*
 * test-policy.c: the example policies, the round trip, and --set's rules
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "dr-error.h"
#include "dr-policy.h"

static char *
srcpath(const char *a, const char *b)
{
    return g_build_filename(g_getenv("abs_top_srcdir") ? g_getenv("abs_top_srcdir") : TOP_SRCDIR,
                            a, b, NULL);
}

static DrPolicy *
parse_file(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = srcpath(dir, name);
    g_autofree char *schemas = srcpath("schemas", NULL);
    g_autofree char *text = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    return dr_policy_parse(text, (gssize)len, schemas, error);
}

static void
test_examples(void)
{
    static const char *const examples[] = {
        "policy-database.xml", "policy-latency-sensitive.xml",
        "policy-batch.xml", "policy-no-taint.xml",
    };
    g_autofree char *schemas = srcpath("schemas", NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(examples); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(DrPolicy) p = parse_file("xml", examples[i], &err);
        g_autoptr(DrPolicy) again = NULL;
        g_autofree char *xml = NULL;

        g_assert_no_error(err);
        g_assert_false(dr_policy_is_empty(p));
        /* parse -> format -> parse gives an equal policy */
        xml = dr_policy_format(p);
        again = dr_policy_parse(xml, -1, schemas, &err);
        g_assert_no_error(err);
        g_assert_true(dr_policy_equal(p, again));
    }
}

/* A whole domain XML holds the policy in <metadata>; errors give lines
 * of the domain XML. */
static void
test_domain_xml(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DrPolicy) bare = parse_file("xml", "policy-database.xml", &err);
    g_autoptr(DrPolicy) in_domain = parse_file("xml", "domain-database.xml", &err);
    g_autoptr(DrPolicy) none = NULL;
    g_autoptr(DrPolicy) bad = NULL;

    g_assert_no_error(err);
    g_assert_true(dr_policy_equal(bare, in_domain));

    none = parse_file("tests/policy", "domain-without-policy-invalid.xml", &err);
    g_assert_null(none);
    g_assert_error(err, DR_ERROR, DR_ERROR_XML);
    g_assert_nonnull(strstr(err->message, "line 5:"));
    g_assert_nonnull(strstr(err->message, DR_POLICY_NS));
    g_clear_error(&err);

    bad = parse_file("tests/policy", "domain-bad-value-invalid.xml", &err);
    g_assert_null(bad);
    g_assert_error(err, DR_ERROR, DR_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "line 7: xbzrle.cache"));
}

static void
test_batch_values(void)
{
    g_autoptr(DrPolicy) p = parse_file("xml", "policy-batch.xml", NULL);
    gboolean def;

    g_assert_cmpstr(dr_policy_get(p, "xbzrle.cache"), ==, "512MiB");
    g_assert_cmpstr(dr_policy_get(p, "network.bandwidth"), ==, "1Gbit/s");
    g_assert_cmpstr(dr_policy_get(p, "escalate.auto-converge-initial"), ==, "40%");
    g_assert_null(dr_policy_get(p, "measure.mode"));
    g_assert_cmpstr(dr_policy_get_effective(p, "measure.mode", &def), ==, "auto");
    g_assert_true(def);
    g_assert_cmpstr(dr_policy_get_effective(p, "limits.max-time", &def), ==, "30min");
    g_assert_false(def);
}

static void
test_invalid(void)
{
    static const struct {
        const char *file;
        const char *says;
    } cases[] = {
        { "not-well-formed-invalid.xml", "not well-formed" },
        { "unknown-element-invalid.xml", "line 2: unknown element <compression>" },
        { "unknown-attribute-invalid.xml", "line 2: unknown attribute 'size' of <xbzrle>" },
        { "bad-unit-invalid.xml", "line 2: xbzrle.cache: '512MB' has an unknown unit 'MB'" },
        { "missing-unit-invalid.xml", "line 2: limits.max-downtime: '300' has no unit" },
        { "percent-over-100-invalid.xml", "line 2: xbzrle.max-cache: '150%' is over 100%" },
        { "out-of-range-invalid.xml", "line 2: measure.period: '90s' is out of range: it takes 50ms to 1min" },
        { "sample-pages-out-of-range-invalid.xml", "measure.sample-pages: '100' is out of range: it takes 128 to 16384" },
        { "wrong-namespace-invalid.xml", "line 1: the policy must be a <policy> element" },
        { "bad-enum-invalid.xml", "limits.when-exceeded: 'panic' is not one of abort, suspend, postcopy" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(DrPolicy) p = parse_file("tests/policy", cases[i].file, &err);
        g_assert_null(p);
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].says))
            g_error("%s: '%s' does not say '%s'", cases[i].file, err->message, cases[i].says);
    }
}

static void
test_set(void)
{
    g_autoptr(DrPolicy) p = dr_policy_new();
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_policy_set(p, "xbzrle.cache", "0.5GiB", NULL));
    g_assert_cmpstr(dr_policy_get(p, "xbzrle.cache"), ==, "512MiB");
    g_assert_true(dr_policy_set(p, "network.bandwidth", "10000Mbit/s", NULL));
    g_assert_cmpstr(dr_policy_get(p, "network.bandwidth"), ==, "10Gbit/s");
    g_assert_true(dr_policy_set(p, "limits.max-downtime", "0.3s", NULL));
    g_assert_cmpstr(dr_policy_get(p, "limits.max-downtime"), ==, "300ms");
    /* A bad value changes nothing. */
    g_assert_false(dr_policy_set(p, "xbzrle.cache", "12", &err));
    g_assert_cmpstr(dr_policy_get(p, "xbzrle.cache"), ==, "512MiB");
    g_clear_error(&err);
    g_assert_false(dr_policy_set(p, "limits.max-downtime", "0", &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_clear_error(&err);
    g_assert_false(dr_policy_set(p, "escalate.auto-converge-initial", "0%", &err));
    g_clear_error(&err);
    g_assert_false(dr_policy_set(p, "no.such", "1", &err));
    g_assert_nonnull(strstr(err->message, "Unknown policy key 'no.such'"));
    dr_policy_unset(p, "xbzrle.cache");
    g_assert_null(dr_policy_get(p, "xbzrle.cache"));
}

static void
test_format(void)
{
    g_autoptr(DrPolicy) p = dr_policy_new();
    g_autofree char *xml = NULL;

    g_assert_true(dr_policy_set(p, "xbzrle.use", "on", NULL));
    g_assert_true(dr_policy_set(p, "xbzrle.cache", "1GiB", NULL));
    g_assert_true(dr_policy_set(p, "measure.qmp", "allow", NULL));
    xml = dr_policy_format(p);
    g_assert_cmpstr(xml, ==,
                    "<dirtyrate:policy xmlns:dirtyrate=\"https://virt-dirtyrate.org/xmlns/policy/1\">\n"
                    "  <dirtyrate:measure qmp=\"allow\"/>\n"
                    "  <dirtyrate:xbzrle use=\"on\" cache=\"1GiB\"/>\n"
                    "</dirtyrate:policy>\n");
}

static DrPolicy *
parse_text(const char *text, gssize len, GError **error)
{
    g_autofree char *schemas = srcpath("schemas", NULL);

    return dr_policy_parse(text, len, schemas, error);
}

#define POLICY_OPEN "<dirtyrate:policy xmlns:dirtyrate=\"" DR_POLICY_NS "\">\n"
#define POLICY_CLOSE "</dirtyrate:policy>\n"

/* A NUL byte once cut the input: what followed it was never read. */
static void
test_nul_byte(void)
{
    static const char text[] = POLICY_OPEN "  <dirtyrate:xbzrle use='on'/>\n" POLICY_CLOSE
                               "\0<junk";
    g_autoptr(GError) err = NULL;
    g_autoptr(DrPolicy) whole = NULL;

    g_assert_null(parse_text(text, sizeof(text) - 1, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_XML);
    g_assert_nonnull(strstr(err->message, "NUL byte at offset"));
    g_clear_error(&err);
    /* Without the tail, the same policy is fine. */
    whole = parse_text(text, (gssize)strlen(text), &err);
    g_assert_no_error(err);
}

/* Two <xbzrle> once gave the schema's "Extra element xbzrle in
 * interleave", with no line. */
static void
test_element_twice(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(parse_text(POLICY_OPEN "  <dirtyrate:xbzrle use='on'/>\n"
                             "  <dirtyrate:xbzrle cache='1GiB'/>\n" POLICY_CLOSE, -1, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_XML);
    if (!strstr(err->message, "line 3: <xbzrle> is given a second time (first on line 2)"))
        g_error("%s", err->message);
}

/* A domain with two policies was judged by the first only. */
static void
test_two_policies_in_domain(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(parse_text("<domain type='qemu'>\n<name>x</name>\n<metadata>\n"
                             "<a:policy xmlns:a='" DR_POLICY_NS "'><a:xbzrle use='on'/></a:policy>\n"
                             "<b:policy xmlns:b='" DR_POLICY_NS "'><b:xbzrle use='off'/></b:policy>\n"
                             "</metadata>\n</domain>\n", -1, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_XML);
    if (!strstr(err->message, "line 5:") || !strstr(err->message, "second element") ||
        !strstr(err->message, "line 4"))
        g_error("%s", err->message);
}

/* Out-of-range messages give the range in the key's own units. */
static void
test_range_messages(void)
{
    static const struct {
        const char *key, *value, *says;
    } cases[] = {
        { "xbzrle.cache", "1.5KiB", "'1.5KiB' is out of range: the smallest is 4KiB" },
        { "xbzrle.max-cache", "1KiB", "the smallest is 4KiB" },
        { "xbzrle.max-cache", "0%", "a share must be above 0%" },
        { "limits.max-downtime", "0", "it takes 1ms to 1min" },
        { "measure.every", "25h", "it takes 1s to 24h" },
        { "measure.sample-pages", "99999999999999999999999", "not a whole number from 128 to 16384" },
        { "escalate.auto-converge-initial", "100%", "it takes 1% to 99%" },
        { "network.bandwidth", "0", "the smallest is 1B/s" },
        { "network.bandwidth", "99999999999GiB/s", "too large" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(DrPolicy) p = dr_policy_new();
        g_autoptr(GError) err = NULL;
        g_assert_false(dr_policy_set(p, cases[i].key, cases[i].value, &err));
        g_assert_true(dr_policy_is_empty(p));
        if (!strstr(err->message, cases[i].says))
            g_error("%s=%s: '%s' does not say '%s'", cases[i].key, cases[i].value,
                    err->message, cases[i].says);
    }
}

/* A random value of @k's type, as a person could write it; it may be
 * out of range. */
static char *
random_value(GRand *r, const DrPolicyKey *k)
{
    static const char *const sizes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    static const char *const durs[] = { "ms", "s", "min", "h" };
    static const char *const bws[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "KiB/s", "MiB/s", "GiB/s" };
    guint64 big = (((guint64)g_rand_int(r) << 32) | g_rand_int(r)) >> g_rand_int_range(r, 0, 64);
    int dec = g_rand_int_range(r, 0, 10);
    g_autofree char *num = dec ? g_strdup_printf("%" G_GUINT64_FORMAT ".%0*d", big, dec,
                                                 g_rand_int_range(r, 0, 1000000000) % (int)pow(10, dec))
                               : g_strdup_printf("%" G_GUINT64_FORMAT, big);

    switch (k->type) {
    case DR_POLICY_TYPE_ENUM: {
        guint n = g_strv_length((char **)k->values);
        return g_strdup(k->values[g_rand_int_range(r, 0, (gint32)n)]);
    }
    case DR_POLICY_TYPE_DURATION:
        return g_strconcat(num, durs[g_rand_int_range(r, 0, 4)], NULL);
    case DR_POLICY_TYPE_COUNT:
        return g_strdup_printf("%" G_GUINT64_FORMAT, big % (k->max + 10));
    case DR_POLICY_TYPE_SIZE_OR_AUTO:
        return g_rand_int_range(r, 0, 10) ? g_strconcat(num, sizes[g_rand_int_range(r, 0, 5)], NULL)
                                         : g_strdup("auto");
    case DR_POLICY_TYPE_SIZE_OR_PERCENT:
        if (g_rand_boolean(r))
            return g_strconcat(num, sizes[g_rand_int_range(r, 0, 5)], NULL);
        G_GNUC_FALLTHROUGH;
    case DR_POLICY_TYPE_PERCENT:
        return g_strdup_printf("%d.%0*d%%", g_rand_int_range(r, 0, 101), dec ? dec : 1,
                               g_rand_int_range(r, 0, 1000000000) % (int)pow(10, dec ? dec : 1));
    case DR_POLICY_TYPE_BANDWIDTH_OR_MEASURE:
        return g_rand_int_range(r, 0, 10) ? g_strconcat(num, bws[g_rand_int_range(r, 0, 8)], NULL)
                                         : g_strdup("measure");
    }
    g_assert_not_reached();
}

/* Property, over every key and type: a value that --set accepts is
 * stored as text that the schema takes and that reads back as the same
 * value; setting the stored text again changes nothing. */
static void
test_roundtrip_every_key(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(8);
    g_autofree char *schemas = srcpath("schemas", NULL);
    unsigned int accepted = 0;

    for (const DrPolicyKey *k = dr_policy_keys(); k->key; k++) {
        unsigned int ok_for_key = 0;
        for (int i = 0; i < 400; i++) {
            g_autofree char *value = random_value(r, k);
            g_autoptr(DrPolicy) p = dr_policy_new();
            g_autoptr(DrPolicy) again = dr_policy_new();
            g_autoptr(GError) err = NULL;

            if (!dr_policy_set(p, k->key, value, NULL))
                continue;
            ok_for_key++;
            if (!dr_policy_check(p, schemas, &err))
                g_error("%s=%s stored as '%s': %s", k->key, value, dr_policy_get(p, k->key), err->message);
            g_assert_true(dr_policy_set(again, k->key, dr_policy_get(p, k->key), NULL));
            g_assert_cmpstr(dr_policy_get(again, k->key), ==, dr_policy_get(p, k->key));
        }
        /* Each key had values in range to test. */
        if (ok_for_key == 0)
            g_error("no random value of %s was accepted", k->key);
        accepted += ok_for_key;
    }
    g_test_message("%u values accepted and checked", accepted);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/policy/examples", test_examples);
    g_test_add_func("/policy/domain-xml", test_domain_xml);
    g_test_add_func("/policy/batch-values", test_batch_values);
    g_test_add_func("/policy/invalid", test_invalid);
    g_test_add_func("/policy/set", test_set);
    g_test_add_func("/policy/format", test_format);
    g_test_add_func("/policy/nul-byte", test_nul_byte);
    g_test_add_func("/policy/element-twice", test_element_twice);
    g_test_add_func("/policy/two-policies-in-domain", test_two_policies_in_domain);
    g_test_add_func("/policy/range-messages", test_range_messages);
    g_test_add_func("/policy/roundtrip-every-key", test_roundtrip_every_key);
    return g_test_run();
}
