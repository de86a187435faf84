/*
 * vdr-cmd-complete.c: the hidden 'complete' command, for bash
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "vdr-groups.h"

static const VdrOptDef opts_complete[] = {
    { .name = "words", .type = VDR_OPT_STRING, .flags = VDR_OPT_FLAG_POSITIONAL,
      .help = N_("the command line so far, after '--'") },
    { NULL }
};

/* The words come in ctl->complete_argv: the program keeps them from the
 * option parser, which would take them for this command's options. */
static gboolean
cmd_complete(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(GPtrArray) cands = NULL;
    virConnectPtr conn;
    const char *uri;

    /* Domain names come from a read-only connection to the URI the
     * command line being completed names (else ours), and completion
     * stays silent when libvirt cannot be reached. */
    uri = vdr_command_complete_uri(ctl->complete_argc, ctl->complete_argv);
    conn = virConnectOpenReadOnly(uri ? uri : ctl->uri);
    cands = vdr_command_complete(ctl->groups, conn, ctl->complete_argc, ctl->complete_argv);
    if (conn)
        virConnectClose(conn);
    for (guint i = 0; i < cands->len; i++)
        fprintf(ctl->out, "%s\n", (const char *)g_ptr_array_index(cands, i));
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_complete = {
    .name = "complete",
    .summary = N_("list completions, for bash"),
    .description = N_("Prints the completions of the last of the words given after '--', one a line.\n"
                      "Used by the bash completion script."),
    .opts = opts_complete,
    .handler = cmd_complete,
    .conn = VDR_CONN_NONE,
    .flags = VDR_CMD_FLAG_HIDDEN,
};
