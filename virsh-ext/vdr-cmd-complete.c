/*
 * vdr-cmd-complete.c: the hidden 'complete' command, for bash
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "vdr-commands.h"

const VdrOptDef vdr_opts_complete[] = {
    { "words", VDR_OPT_STRING, VDR_OPT_FLAG_POSITIONAL,
      N_("the command line so far, after '--'") },
    { NULL }
};

static int complete_argc;
static char **complete_argv;

void
vdr_cmd_complete_set_words(int argc, char **argv)
{
    complete_argc = argc;
    complete_argv = argv;
}

gboolean
vdr_cmd_complete(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(GPtrArray) cands = NULL;
    virConnectPtr conn;
    const char *uri;

    /* Domain names come from a read-only connection to the URI the
     * command line being completed names (else ours), and completion
     * stays silent when libvirt cannot be reached. */
    uri = vdr_command_complete_uri(complete_argc, complete_argv);
    conn = virConnectOpenReadOnly(uri ? uri : ctl->uri);
    cands = vdr_command_complete(conn, complete_argc, complete_argv);
    if (conn)
        virConnectClose(conn);
    for (guint i = 0; i < cands->len; i++)
        fprintf(ctl->out, "%s\n", (const char *)g_ptr_array_index(cands, i));
    return TRUE;
}
