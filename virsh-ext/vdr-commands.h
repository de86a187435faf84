/*
 * vdr-commands.h: every command's options table and handler
 */
#pragma once

#include "vdr-command.h"

extern const VdrOptDef vdr_opts_help[];
extern const VdrOptDef vdr_opts_complete[];
extern const VdrOptDef vdr_opts_compress[];
extern const VdrOptDef vdr_opts_dirtyrate[];
extern const VdrOptDef vdr_opts_wss[];
extern const VdrOptDef vdr_opts_caps[];
extern const VdrOptDef vdr_opts_policy[];

gboolean vdr_cmd_help(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_self_test(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_complete(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_compress(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_dirtyrate(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_wss(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_caps(VdrControl *ctl, const VdrCmd *cmd, GError **error);
gboolean vdr_cmd_policy(VdrControl *ctl, const VdrCmd *cmd, GError **error);

/* Arguments that 'complete' received after '--'. */
void vdr_cmd_complete_set_words(int argc, char **argv);
