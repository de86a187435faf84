/*
 * virsh-dirtyrate.c: the virsh extension's main program
 *
 *   virsh-dirtyrate [-c URI] [-r] [-q] COMMAND [OPTIONS...]
 *
 * Exit codes follow virsh: 0 on success, 1 on any error.
 */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "vdr-groups.h"

static void
usage(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %1$s [OPTION]... COMMAND [ARG]...\n"
                   "\n"
                   "  -c, --connect=URI   hypervisor connection URI\n"
                   "  -r, --readonly      connect read-only\n"
                   "  -q, --quiet         quiet mode\n"
                   "  -h, --help          this help\n"
                   "  -v, --version       print the version\n"
                   "\n"
                   "Read-only commands always use a read-only connection.\n"
                   "Run '%2$s help' for the commands.\n"), prog, prog);
}

static void
ignore_libvirt_errors(void *opaque, virErrorPtr err)
{
    /* Errors are reported once, by the command, from the GError. */
}

/* The connection itself is opened when the command looks up its domain,
 * after it has checked its arguments. */
static gboolean
check_connection_need(VdrControl *ctl, const VdrCmdDef *def, GError **error)
{
    if (def->conn == VDR_CONN_READWRITE && ctl->readonly) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Command '%1$s' needs a read-write connection, but --readonly was given"),
                    def->name);
        return FALSE;
    }
    ctl->want_readonly = def->conn == VDR_CONN_READONLY;
    return TRUE;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "readonly", no_argument, NULL, 'r' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    VdrControl ctl = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(VdrCmd) cmd = NULL;
    const VdrCmdDef *def;
    const char *name;
    int c, cmd_argc;
    char **cmd_argv;
    gboolean ok;

    /* A libvirtd that goes away must give an error, not kill us while
     * libvirt writes to its socket: ignore SIGPIPE, as virsh does. */
    signal(SIGPIPE, SIG_IGN);
#if GLIB_CHECK_VERSION(2, 68, 0)
    /* GLib writes debug messages (G_MESSAGES_DEBUG) to stdout, into the
     * --json document; they are diagnostics, so stderr. */
    g_log_writer_default_set_use_stderr(TRUE);
#endif
    setlocale(LC_ALL, "");
    bindtextdomain(PACKAGE, LOCALEDIR);
    textdomain(PACKAGE);
    virSetErrorFunc(NULL, ignore_libvirt_errors);
    ctl.out = stdout;
    ctl.err = stderr;
    ctl.groups = vdr_groups();

    while ((c = getopt_long(argc, argv, "+c:rqhv", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            g_free(ctl.uri);
            ctl.uri = g_strdup(optarg);
            break;
        case 'r':
            ctl.readonly = TRUE;
            break;
        case 'q':
            ctl.quiet = TRUE;
            break;
        case 'h':
            usage(stdout, argv[0]);
            return EXIT_SUCCESS;
        case 'v':
            printf("%s\n", PACKAGE_VERSION);
            return EXIT_SUCCESS;
        default:
            usage(stderr, argv[0]);
            return EXIT_FAILURE;
        }
    }
    if (optind >= argc) {
        usage(stderr, argv[0]);
        return EXIT_FAILURE;
    }

    name = argv[optind];
    if (!(def = vdr_command_lookup(ctl.groups, name))) {
        fprintf(stderr, _("error: unknown command: '%1$s'\n"), name);
        g_free(ctl.uri);
        return EXIT_FAILURE;
    }
    cmd_argc = argc - optind - 1;
    cmd_argv = argv + optind + 1;
    if (strcmp(def->name, "complete") == 0) {
        if (cmd_argc > 0 && strcmp(cmd_argv[0], "--") == 0) {
            cmd_argc--;
            cmd_argv++;
        }
        ctl.complete_argc = cmd_argc;
        ctl.complete_argv = cmd_argv;
        cmd_argc = 0;
    }

    ok = (cmd = vdr_cmd_parse(def, cmd_argc, cmd_argv, &error)) &&
         check_connection_need(&ctl, def, &error) &&
         def->handler(&ctl, cmd, &error);
    if (!ok)
        fprintf(stderr, _("error: %1$s\n"), error ? error->message : _("unknown error"));
    if (ctl.conn)
        virConnectClose(ctl.conn);
    g_free(ctl.uri);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
