/*
 * test-vdd-config.c: virt-dirtyrated's configuration file and --set
 *
 * A file is read whole or not at all: a bad value anywhere leaves the
 * configuration in force untouched, and the error names the file, the
 * group, the key and what is wrong.
 */
#include <config.h>

#include <string.h>

#include <glib/gstdio.h>

#include "vdd-config.h"

typedef struct {
    char *dir;
    char *path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("vdd-config-XXXXXX", &err);
    g_assert_no_error(err);
    f->path = g_build_filename(f->dir, "virt-dirtyrated.conf", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static void
write_conf(Fixture *f, const char *text)
{
    g_autoptr(GError) err = NULL;

    g_file_set_contents(f->path, text, -1, &err);
    g_assert_no_error(err);
}

static void
test_defaults(void)
{
    g_autoptr(VddConfig) c = vdd_config_new();

    g_assert_null(c->uri);
    g_assert_cmpint(c->monitor, ==, VDD_MONITOR_POLICY);
    g_assert_cmpuint(c->max_measurements, ==, 1);
    g_assert_cmpfloat_with_epsilon(c->jitter, 0.2, 1e-9);
    g_assert_cmpuint(c->bandwidth, ==, 0);
    g_assert_cmpstr(c->listen, ==, "127.0.0.1:9477");
    g_assert_null(c->textfile);
    g_assert_true(c->steer);
    g_assert_true(c->prepare_cache);
    g_assert_cmpuint(c->steer_poll_ms, ==, 500);
    g_assert_cmpuint(c->publish_max_age_ms, ==, 3600 * 1000);
    g_assert_nonnull(c->state_dir);
}

static void
test_load(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VddConfig) c = vdd_config_new();
    g_autoptr(GError) err = NULL;

    write_conf(f, "# comment\n"
                  "[libvirt]\nuri=qemu:///system\nmonitor=all\nreconnect-max=2s\n"
                  "[measure]\nmax-running=4\njitter=10%\nevery=5min\nwss-max-seconds=8\n"
                  "bandwidth=1Gbit/s\n"
                  "[publish]\nchange=25%\nmax-age=2h\n"
                  "[metrics]\nlisten=unix:/run/virt-dirtyrated.sock\n"
                  "textfile=/var/lib/node_exporter/dirtyrate.prom\n"
                  "[steer]\nenable=false\nprepare-cache=false\npoll=250ms\n"
                  "[daemon]\nstate-dir=/tmp/vdd-state\n");
    g_assert_true(vdd_config_load(c, f->path, FALSE, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(c->uri, ==, "qemu:///system");
    g_assert_cmpint(c->monitor, ==, VDD_MONITOR_ALL);
    g_assert_cmpuint(c->reconnect_max_ms, ==, 2000);
    g_assert_cmpuint(c->max_measurements, ==, 4);
    g_assert_cmpfloat_with_epsilon(c->jitter, 0.1, 1e-9);
    g_assert_cmpuint(c->default_every_ms, ==, 300000);
    g_assert_cmpuint(c->wss_max_seconds, ==, 8);
    g_assert_cmpuint(c->bandwidth, ==, 125000000);
    g_assert_cmpfloat_with_epsilon(c->publish_change, 0.25, 1e-9);
    g_assert_cmpuint(c->publish_max_age_ms, ==, 7200000);
    g_assert_cmpstr(c->listen, ==, "unix:/run/virt-dirtyrated.sock");
    g_assert_cmpstr(c->textfile, ==, "/var/lib/node_exporter/dirtyrate.prom");
    g_assert_false(c->steer);
    g_assert_false(c->prepare_cache);
    g_assert_cmpuint(c->steer_poll_ms, ==, 250);
    g_assert_cmpstr(c->state_dir, ==, "/tmp/vdd-state");
}

/* Each bad file: the words its error must hold.  The configuration
 * loaded before is kept whole. */
static const struct {
    const char *text;
    const char *want[3];
} bad_files[] = {
    { "[measure]\nmax-running=0\n", { "[measure] max-running", "from 1 to 64" } },
    { "[measure]\nmax-running=65\n", { "max-running", "from 1 to 64" } },
    { "[measure]\nmax-running=-1\n", { "max-running", "'-1'" } },
    { "[measure]\njitter=51%\n", { "jitter", "out of range" } },
    { "[measure]\nevery=10ms\n", { "every", "out of range" } },
    { "[measure]\nevery=soon\n", { "every", "soon" } },
    { "[measure]\nbandwidth=0\n", { "bandwidth", "above zero" } },
    { "[libvirt]\nmonitor=some\n", { "monitor", "policy or all" } },
    { "[metrics]\nlisten=unix:relative.sock\n", { "listen", "absolute path" } },
    { "[metrics]\nlisten=localhost\n", { "listen", "ADDRESS:PORT" } },
    { "[steer]\nenable=maybe\n", { "enable", "true or false" } },
    { "[steer]\npoll=1h\n", { "poll", "out of range" } },
    { "[measure]\nmax-runing=2\n", { "unknown key 'max-runing'", "[measure]" } },
    { "[mesure]\nmax-running=2\n", { "unknown group [mesure]" } },
    { "not a key file\n", { "Cannot read" } },
    /* The first keys are good: nothing of them is kept either. */
    { "[libvirt]\nuri=test:///default\n[measure]\nmax-running=2\njitter=200%\n",
      { "jitter", "over 100%" } },
};

static void
test_bad_files(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VddConfig) c = vdd_config_new();
    g_autoptr(GError) err = NULL;

    write_conf(f, "[libvirt]\nuri=qemu:///system\n[measure]\nmax-running=3\njitter=5%\n");
    g_assert_true(vdd_config_load(c, f->path, FALSE, &err));
    for (size_t i = 0; i < G_N_ELEMENTS(bad_files); i++) {
        g_autoptr(GError) e = NULL;

        write_conf(f, bad_files[i].text);
        g_assert_false(vdd_config_load(c, f->path, FALSE, &e));
        g_assert_nonnull(e);
        if (g_test_verbose())
            g_printerr("%s\n", e->message);
        g_assert_nonnull(strstr(e->message, f->path));
        for (size_t w = 0; w < G_N_ELEMENTS(bad_files[i].want) && bad_files[i].want[w]; w++) {
            if (!strstr(e->message, bad_files[i].want[w]))
                g_error("file %zu: '%s' not in '%s'", i, bad_files[i].want[w], e->message);
        }
        /* Untouched. */
        g_assert_cmpstr(c->uri, ==, "qemu:///system");
        g_assert_cmpuint(c->max_measurements, ==, 3);
        g_assert_cmpfloat_with_epsilon(c->jitter, 0.05, 1e-9);
        g_assert_cmpstr(c->listen, ==, "127.0.0.1:9477");
    }
}

static void
test_missing(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VddConfig) c = vdd_config_new();
    g_autoptr(GError) err = NULL;

    /* The default file may be absent; one named on the command line may not. */
    g_assert_true(vdd_config_load(c, f->path, TRUE, &err));
    g_assert_no_error(err);
    g_assert_false(vdd_config_load(c, f->path, FALSE, &err));
    g_assert_nonnull(strstr(err->message, f->path));
    g_assert_cmpuint(c->max_measurements, ==, 1);
}

static void
test_set(void)
{
    g_autoptr(VddConfig) c = vdd_config_new();
    g_autoptr(VddConfig) copy = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_true(vdd_config_set(c, "measure.max-running", "2", &err));
    g_assert_true(vdd_config_set(c, "libvirt.uri", "test:///default", &err));
    g_assert_true(vdd_config_set(c, "metrics.listen", "none", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(c->max_measurements, ==, 2);

    g_assert_false(vdd_config_set(c, "measure.max-running", "100", &err));
    g_assert_nonnull(strstr(err->message, "measure.max-running"));
    g_clear_error(&err);
    g_assert_false(vdd_config_set(c, "max-running", "2", &err));
    g_assert_nonnull(strstr(err->message, "Unknown setting 'max-running'"));
    g_clear_error(&err);
    g_assert_false(vdd_config_set(c, "measure.nothing", "2", &err));
    g_assert_nonnull(strstr(err->message, "measure.nothing"));
    g_assert_cmpuint(c->max_measurements, ==, 2);

    /* A copy owns its strings. */
    copy = vdd_config_copy(c);
    g_assert_cmpstr(copy->uri, ==, "test:///default");
    g_assert_true(copy->uri != c->uri);
    g_assert_cmpstr(copy->listen, ==, "none");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vdd-config/defaults", test_defaults);
    g_test_add("/vdd-config/load", Fixture, NULL, fixture_set_up, test_load, fixture_tear_down);
    g_test_add("/vdd-config/bad-files", Fixture, NULL, fixture_set_up, test_bad_files,
               fixture_tear_down);
    g_test_add("/vdd-config/missing", Fixture, NULL, fixture_set_up, test_missing,
               fixture_tear_down);
    g_test_add_func("/vdd-config/set", test_set);
    return g_test_run();
}
