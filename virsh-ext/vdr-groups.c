/*
 * vdr-groups.c: every command of virsh-dirtyrate, in its group
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "vdr-groups.h"

static const VdrCmdDef *const cmds_generic[] = {
    &vdr_cmd_def_help,
    &vdr_cmd_def_self_test,
    &vdr_cmd_def_complete,
    NULL
};

static const VdrCmdDef *const cmds_dirtyrate[] = {
    &vdr_cmd_def_dirtyrate,
    &vdr_cmd_def_wss,
    &vdr_cmd_def_caps,
    &vdr_cmd_def_policy,
    &vdr_cmd_def_compress,
    &vdr_cmd_def_advise,
    &vdr_cmd_def_migrate,
    &vdr_cmd_def_xbzrle,
    NULL
};

static const VdrCmdGroup groups[] = {
    { N_("Generic"), "generic", cmds_generic },
    { N_("Dirty rate and migration"), "dirtyrate", cmds_dirtyrate },
    { NULL }
};

const VdrCmdGroup *
vdr_groups(void)
{
    return groups;
}
