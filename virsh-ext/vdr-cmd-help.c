/*
 * vdr-cmd-help.c: help, and the hidden self-test of the command tables
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "vdr-groups.h"

static const VdrOptDef opts_help[] = {
    { .name = "command", .type = VDR_OPT_STRING, .flags = VDR_OPT_FLAG_POSITIONAL,
      .help = N_("a command or a group keyword") },
    { NULL }
};

static gboolean
cmd_help(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    const char *what = vdr_cmd_get_string(cmd, "command");
    const VdrCmdDef *def;

    if (!what) {
        vdr_command_print_list(ctl->groups, ctl->out);
        return TRUE;
    }
    if ((def = vdr_command_lookup(ctl->groups, what))) {
        vdr_command_print_help(ctl->out, def);
        return TRUE;
    }
    for (const VdrCmdGroup *g = ctl->groups; g->name; g++) {
        if (strcmp(g->keyword, what) == 0) {
            vdr_command_print_group(g, ctl->out);
            return TRUE;
        }
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                _("No command or command group '%1$s'"), what);
    return FALSE;
}

const VdrCmdDef vdr_cmd_def_help = {
    .name = "help",
    .summary = N_("print help"),
    .description = N_("Prints the list of commands, or the help of one command or group."),
    .opts = opts_help,
    .handler = cmd_help,
    .conn = VDR_CONN_NONE,
};

static const VdrOptDef opts_none[] = { { NULL } };

static gboolean
cmd_self_test(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    if (!vdr_command_tables_check(ctl->groups, error))
        return FALSE;
    for (const VdrCmdGroup *g = ctl->groups; g->name; g++)
        for (const VdrCmdDef *const *cp = g->cmds; *cp; cp++)
            vdr_command_print_help(ctl->out, *cp);
    return TRUE;
}

const VdrCmdDef vdr_cmd_def_self_test = {
    .name = "self-test",
    .summary = N_("check the command tables"),
    .description = N_("Checks that every command has help and sane options, as virsh's self-test does."),
    .opts = opts_none,
    .handler = cmd_self_test,
    .conn = VDR_CONN_NONE,
    .flags = VDR_CMD_FLAG_HIDDEN,
};
