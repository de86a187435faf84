/*
 * virt-dirtyrated: the hypervisor-side daemon
 *
 * Options, the configuration file, signals (SIGHUP reloads, SIGTERM and
 * SIGINT stop), then VddDaemon's main loop.  See virt-dirtyrated(8).
 */
#include <config.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "vdd-config.h"
#include "vdd-daemon.h"

/* libvirt's errors reach the log through our own messages, once. */
static void
quiet_libvirt_errors(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static gboolean
on_stop(gpointer opaque)
{
    vdd_daemon_quit(opaque);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_reload(gpointer opaque)
{
    vdd_daemon_reload(opaque);
    return G_SOURCE_CONTINUE;
}

/* Run from the build tree, the policy schema is the source tree's. */
static const char *
schema_dir(void)
{
    const char *dir = g_getenv("DR_SCHEMA_DIR");
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

    if (!dir && exe && g_str_has_prefix(exe, DR_BUILDDIR "/"))
        dir = DR_SRCDIR_SCHEMAS;
    return dir;
}

int
main(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    g_auto(GStrv) sets = NULL;
    char *uri = NULL;
    gboolean version = FALSE, check = FALSE;
    g_autofree char *uri_owned = NULL;
    GOptionEntry entries[] = {
        { "config", 'f', 0, G_OPTION_ARG_FILENAME, &config_path,
          N_("read this configuration file (default: " VDD_CONFIG_FILE ")"), N_("FILE") },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("libvirt URI (overrides libvirt.uri)"), N_("URI") },
        { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets,
          N_("override one setting, e.g. measure.every=1min (repeatable)"), N_("GROUP.KEY=VALUE") },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &check,
          N_("read the configuration, report what is wrong, and exit"), NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("print the version and exit"), NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(VddConfig) cfg = NULL;
    g_autoptr(VddDaemon) d = NULL;
    g_autoptr(GPtrArray) overrides = g_ptr_array_new_with_free_func(g_free);
    gboolean explicit_config;
    guint sig[3];

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    ctx = g_option_context_new(NULL);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(ctx, _("Measure, publish and steer the migrations of this host's domains."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "virt-dirtyrated: %s\n", err->message);
        return 2;
    }
    uri_owned = uri;
    if (version) {
        printf("virt-dirtyrated %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, _("virt-dirtyrated: unexpected argument '%s'\n"), argv[1]);
        return 2;
    }

    cfg = vdd_config_new();
    explicit_config = config_path != NULL;
    if (!config_path)
        config_path = g_strdup(VDD_CONFIG_FILE);
    /* The default file may be missing; one named on the command line not. */
    if (!vdd_config_load(cfg, config_path, !explicit_config, &err)) {
        fprintf(stderr, "virt-dirtyrated: %s\n", err->message);
        return 1;
    }
    if (uri)
        g_ptr_array_add(overrides, g_strdup_printf("libvirt.uri=%s", uri));
    for (size_t i = 0; sets && sets[i]; i++)
        g_ptr_array_add(overrides, g_strdup(sets[i]));
    g_ptr_array_add(overrides, NULL);
    for (size_t i = 0; overrides->pdata[i]; i++) {
        const char *o = overrides->pdata[i];
        const char *eq = strchr(o, '=');
        g_autofree char *key = eq ? g_strndup(o, (gsize)(eq - o)) : NULL;

        if (!eq) {
            fprintf(stderr, _("virt-dirtyrated: --set takes GROUP.KEY=VALUE, not '%s'\n"), o);
            return 2;
        }
        if (!vdd_config_set(cfg, key, eq + 1, &err)) {
            fprintf(stderr, "virt-dirtyrated: %s\n", err->message);
            return 1;
        }
    }
    if (check) {
        printf(_("%s: the configuration is valid\n"), config_path);
        return 0;
    }

    if (!(d = vdd_daemon_new(g_steal_pointer(&cfg), explicit_config || g_file_test(config_path, G_FILE_TEST_EXISTS) ? config_path : NULL,
                             (char **)overrides->pdata, schema_dir(), &err))) {
        fprintf(stderr, "virt-dirtyrated: %s\n", err->message);
        return 1;
    }
    virSetErrorFunc(NULL, quiet_libvirt_errors);
    sig[0] = g_unix_signal_add(SIGTERM, on_stop, d);
    sig[1] = g_unix_signal_add(SIGINT, on_stop, d);
    sig[2] = g_unix_signal_add(SIGHUP, on_reload, d);
    if (!vdd_daemon_run(d, &err)) {
        fprintf(stderr, "virt-dirtyrated: %s\n", err->message);
        for (size_t i = 0; i < G_N_ELEMENTS(sig); i++)
            g_source_remove(sig[i]);
        return 1;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sig); i++)
        g_source_remove(sig[i]);
    return 0;
}
