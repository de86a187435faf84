/*
 * vdr-commands.c: the command tables, and the built-in commands
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "vdr-commands.h"

static const VdrOptDef vdr_opts_none[] = { { NULL } };

const VdrOptDef vdr_opts_help[] = {
    { "command", VDR_OPT_STRING, VDR_OPT_FLAG_POSITIONAL,
      N_("a command or a group keyword") },
    { NULL }
};

static const VdrCmdDef vdr_cmds_generic[] = {
    { "help", N_("print help"),
      N_("Prints the list of commands, or the help of one command or group."),
      vdr_opts_help, vdr_cmd_help, VDR_CONN_NONE, 0 },
    { "self-test", N_("check the command tables"),
      N_("Checks that every command has help and sane options, as virsh's self-test does."),
      vdr_opts_none, vdr_cmd_self_test, VDR_CONN_NONE, VDR_CMD_FLAG_HIDDEN },
    { "complete", N_("list completions, for bash"),
      N_("Prints the completions of the last of the words given after '--', one a line.\n"
         "Used by the bash completion script."),
      vdr_opts_complete, vdr_cmd_complete, VDR_CONN_NONE, VDR_CMD_FLAG_HIDDEN },
    { NULL }
};

static const VdrCmdDef vdr_cmds_dirtyrate[] = {
    { "domdirtyrate", N_("measure a domain's dirty rate"),
      N_("Measures how fast the guest dirties its memory, in any mode QEMU offers,\n"
         "as a series with its mean, median, p95, spread and trend.  The default\n"
         "(twelve 2-second page samples) uses libvirt's own API and taints nothing;\n"
         "what only QMP offers (sample pages, sub-second periods) uses QMP\n"
         "passthrough, which taints the domain.  Modes the domain cannot serve are\n"
         "refused before anything reaches QEMU; see domdirtyrate-caps.\n"
         "\n"
         "Needs a read-write connection: it starts a measurement."),
      vdr_opts_dirtyrate, vdr_cmd_dirtyrate, VDR_CONN_READWRITE, 0 },
    { "domdirtyrate-wss", N_("estimate a domain's writable working set"),
      N_("Measures page sampling over doubling periods (1, 2, 4, ... seconds) and\n"
         "fits the memory dirtied against the period: the curve rises at the rate\n"
         "new pages are dirtied and flattens at the writable working set, which is\n"
         "what an XBZRLE cache must hold.  Prints the estimate and the curve."),
      vdr_opts_wss, vdr_cmd_wss, VDR_CONN_READWRITE, 0 },
    { "domdirtyrate-caps", N_("show which dirty-rate modes and backends a domain can use"),
      N_("Probes the domain (KVM or TCG, dirty ring, libvirt and QEMU versions)\n"
         "without QMP passthrough, and says for each mode and backend whether it\n"
         "can be used, and why not."),
      vdr_opts_caps, vdr_cmd_caps, VDR_CONN_READONLY, 0 },
    { "domdirtyrate-policy", N_("show or change a domain's migration policy"),
      N_("The policy lives in the domain XML, in <metadata> under the namespace\n"
         "https://virt-dirtyrate.org/xmlns/policy/1, so it travels with the domain\n"
         "and any libvirt client can read it.  Without options, prints the\n"
         "effective policy, defaults filled in and marked.  --set, --file, --edit\n"
         "and --remove change it; a value that is not valid changes nothing.\n"
         "--config, --live and --current mean what they mean for virsh metadata.\n"
         "\n"
         "Keys (defaults): measure.mode (auto), measure.period (2s),\n"
         "measure.sample-pages (512), measure.every (5min), measure.qmp (forbid),\n"
         "network.bandwidth (measure), limits.max-downtime (300ms),\n"
         "limits.max-time (10min), limits.when-exceeded (abort), xbzrle.use (auto),\n"
         "xbzrle.cache (auto), xbzrle.max-cache (25%),\n"
         "escalate.auto-converge (yes), escalate.auto-converge-initial (20%),\n"
         "escalate.auto-converge-increment (10%), escalate.postcopy (no)."),
      vdr_opts_policy, vdr_cmd_policy, VDR_CONN_BY_HANDLER, 0 },
    { "domdirtyrate-compress", N_("estimate how well XBZRLE compresses a guest"),
      N_("Samples random guest pages with virDomainMemoryPeek, which does not taint\n"
         "the domain, reads them again after an interval, and encodes the delta of\n"
         "each changed page with the XBZRLE codec QEMU uses for migration.  Prints\n"
         "the dirty fraction, the distribution of delta sizes, the overflow share,\n"
         "the bytes XBZRLE would send against whole pages, and how often pages are\n"
         "re-dirtied, each with a 95% confidence interval.\n"
         "\n"
         "Memory peeking needs a read-write connection."),
      vdr_opts_compress, vdr_cmd_compress, VDR_CONN_READWRITE, 0 },
    { NULL }
};

static const VdrCmdGroup vdr_groups[] = {
    { N_("Generic"), "generic", vdr_cmds_generic },
    { N_("Dirty rate and migration"), "dirtyrate", vdr_cmds_dirtyrate },
    { NULL }
};

const VdrCmdGroup *
vdr_command_groups(void)
{
    return vdr_groups;
}

gboolean
vdr_cmd_help(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    const char *what = vdr_cmd_get_string(cmd, "command");
    const VdrCmdDef *def;

    if (!what) {
        vdr_command_print_list(ctl->out);
        return TRUE;
    }
    if ((def = vdr_command_lookup(what))) {
        vdr_command_print_help(ctl->out, def);
        return TRUE;
    }
    for (const VdrCmdGroup *g = vdr_command_groups(); g->name; g++) {
        if (strcmp(g->keyword, what) != 0)
            continue;
        fprintf(ctl->out, _(" %1$s (help keyword '%2$s'):\n"), _(g->name), g->keyword);
        for (const VdrCmdDef *c = g->cmds; c->name; c++)
            if (!(c->flags & VDR_CMD_FLAG_HIDDEN))
                fprintf(ctl->out, "    %-30s %s\n", c->name, _(c->summary));
        fputc('\n', ctl->out);
        return TRUE;
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                _("No command or command group '%1$s'"), what);
    return FALSE;
}

gboolean
vdr_cmd_self_test(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    if (!vdr_command_tables_check(error))
        return FALSE;
    for (const VdrCmdGroup *g = vdr_command_groups(); g->name; g++)
        for (const VdrCmdDef *c = g->cmds; c->name; c++)
            vdr_command_print_help(ctl->out, c);
    return TRUE;
}
