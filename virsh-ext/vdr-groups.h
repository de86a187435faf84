/*
 * vdr-groups.h: every command of virsh-dirtyrate, in its group
 *
 * Each vdr-cmd-NAME.c defines vdr_cmd_def_NAME; the group tables in
 * vdr-groups.c list them, and the program hands them to the engine.
 */
#pragma once

#include "vdr-command.h"

extern const VdrCmdDef vdr_cmd_def_help;
extern const VdrCmdDef vdr_cmd_def_self_test;
extern const VdrCmdDef vdr_cmd_def_complete;
extern const VdrCmdDef vdr_cmd_def_dirtyrate;
extern const VdrCmdDef vdr_cmd_def_wss;
extern const VdrCmdDef vdr_cmd_def_caps;
extern const VdrCmdDef vdr_cmd_def_policy;
extern const VdrCmdDef vdr_cmd_def_compress;
extern const VdrCmdDef vdr_cmd_def_advise;
extern const VdrCmdDef vdr_cmd_def_migrate;
extern const VdrCmdDef vdr_cmd_def_xbzrle;

/* The groups, ending with a { NULL } entry. */
const VdrCmdGroup *vdr_groups(void);
