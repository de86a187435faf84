/*
 * test-policy.c: the example policies, the round trip, and --set's rules
 */
#include <config.h>

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

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return dr_policy_parse(text, schemas, error);
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
        again = dr_policy_parse(xml, schemas, &err);
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
        { "out-of-range-invalid.xml", "line 2: measure.period: '90s' is out of range" },
        { "sample-pages-out-of-range-invalid.xml", "measure.sample-pages: '100' is out of range" },
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
    return g_test_run();
}
