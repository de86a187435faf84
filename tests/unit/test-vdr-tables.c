/*
 * test-vdr-tables.c: the self-test of virsh-dirtyrate's command tables
 */
#include <config.h>

#include <string.h>

#include "vdr-groups.h"

static void
test_tables(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(vdr_command_tables_check(vdr_groups(), &err));
    g_assert_no_error(err);
}

static void
test_parse(void)
{
    const VdrCmdDef *def = vdr_command_lookup(vdr_groups(), "domdirtyrate-compress");
    g_auto(GStrv) ok = g_strsplit("vm1 --pages=64 --json --rounds 2", " ", -1);
    g_auto(GStrv) twice = g_strsplit("vm1 --json --json", " ", -1);
    g_auto(GStrv) unknown = g_strsplit("vm1 --nope", " ", -1);
    g_auto(GStrv) extra = g_strsplit("vm1 vm2", " ", -1);
    g_autoptr(GError) err = NULL;
    g_autoptr(VdrCmd) cmd = NULL;
    unsigned int v = 0;

    g_assert_nonnull(def);
    cmd = vdr_cmd_parse(def, (int)g_strv_length(ok), ok, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vdr_cmd_get_string(cmd, "domain"), ==, "vm1");
    g_assert_true(vdr_cmd_has(cmd, "json"));
    vdr_cmd_get_uint(cmd, "pages", &v);
    g_assert_cmpuint(v, ==, 64);
    vdr_cmd_get_uint(cmd, "rounds", &v);
    g_assert_cmpuint(v, ==, 2);

    g_assert_null(vdr_cmd_parse(def, (int)g_strv_length(twice), twice, &err));
    g_assert_cmpstr(err->message, ==, "Option --json was given more than once");
    g_clear_error(&err);
    g_assert_null(vdr_cmd_parse(def, (int)g_strv_length(unknown), unknown, &err));
    g_assert_nonnull(strstr(err->message, "--nope"));
    g_clear_error(&err);
    g_assert_null(vdr_cmd_parse(def, (int)g_strv_length(extra), extra, &err));
    g_assert_nonnull(strstr(err->message, "vm2"));
    g_clear_error(&err);
    g_assert_null(vdr_cmd_parse(def, 0, NULL, &err));
    g_assert_cmpstr(err->message, ==, "Command 'domdirtyrate-compress' needs option --domain");
}

/* A number's range is checked when the line is parsed, so a bad one is
 * reported before any connection is tried, with the range. */
static void
test_parse_ranges(void)
{
    const VdrCmdDef *def = vdr_command_lookup(vdr_groups(), "domdirtyrate");
    static const struct {
        const char *args, *says;
    } cases[] = {
        { "vm1 --sample-pages 0", "Option --sample-pages is out of range: use 128 to 16384, not 0" },
        { "vm1 --seconds 0", "Option --seconds is out of range: use 1 to 60, not 0" },
        { "vm1 --count 1001", "Option --count is out of range: use 1 to 1000, not 1001" },
        { "vm1 --count 99999999999999999999", "Option --count needs a whole number from 1 to 1000" },
        { "vm1 --count -1", "Option --count needs a whole number from 1 to 1000, not '-1'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(GStrv) argv = g_strsplit(cases[i].args, " ", -1);
        g_autoptr(GError) err = NULL;
        g_assert_null(vdr_cmd_parse(def, (int)g_strv_length(argv), argv, &err));
        if (!strstr(err->message, cases[i].says))
            g_error("%s: '%s' does not say '%s'", cases[i].args, err->message, cases[i].says);
    }
}

static void
test_complete(void)
{
    g_auto(GStrv) cmdword = g_strsplit("domdirtyrate-co", " ", -1);
    g_auto(GStrv) twoword = g_strsplit("domdirtyrate-c", " ", -1);
    g_autoptr(GPtrArray) two = vdr_command_complete(vdr_groups(), NULL, 1, twoword);
    g_auto(GStrv) optword = g_strsplit("domdirtyrate-compress vm1 --pa", " ", -1);
    g_autoptr(GPtrArray) a = vdr_command_complete(vdr_groups(), NULL, 1, cmdword);
    g_autoptr(GPtrArray) b = vdr_command_complete(vdr_groups(), NULL, 3, optword);

    g_assert_cmpuint(a->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "domdirtyrate-compress");
    g_assert_cmpuint(two->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(two, 0), ==, "domdirtyrate-caps");
    g_assert_cmpstr(g_ptr_array_index(two, 1), ==, "domdirtyrate-compress");
    g_assert_cmpuint(b->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(b, 0), ==, "--pages");
}

static void
test_complete_uri(void)
{
    static const struct {
        const char *words;
        const char *uri;
    } cases[] = {
        { "domdirtyrate t", NULL },
        { "-c qemu:///session domdirtyrate t", "qemu:///session" },
        { "--connect qemu:///session -q domdirtyrate t", "qemu:///session" },
        { "-q --connect=test:///default domdirtyrate t", "test:///default" },
        { "-ctest:///default domdirtyrate t", "test:///default" },
        { "-c a -c b domd", "b" },
        { "-c", NULL }, /* the URI itself is being completed */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(GStrv) w = g_strsplit(cases[i].words, " ", -1);
        g_assert_cmpstr(vdr_command_complete_uri((int)g_strv_length(w), w), ==, cases[i].uri);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vdr/tables", test_tables);
    g_test_add_func("/vdr/parse", test_parse);
    g_test_add_func("/vdr/parse-ranges", test_parse_ranges);
    g_test_add_func("/vdr/complete", test_complete);
    g_test_add_func("/vdr/complete-uri", test_complete_uri);
    return g_test_run();
}
