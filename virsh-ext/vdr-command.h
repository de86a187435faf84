/*
 * vdr-command.h: commands as tables, as virsh declares them
 *
 * Each command is a VdrCmdDef, defined with its options and handler in
 * its own vdr-cmd-NAME.c, as virsh's info_X / opts_X / cmdX.  The groups
 * (vdr-groups.c) list them, and this engine is handed the groups: it
 * knows no command by name.
 */
#pragma once

#include <stdio.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

typedef enum {
    VDR_OPT_BOOL,    /* --flag */
    VDR_OPT_STRING,  /* --name VALUE */
    VDR_OPT_UINT,    /* --name N, a non-negative integer */
    VDR_OPT_DOMAIN,  /* a domain name, ID or UUID; completes domain names */
} VdrOptType;

typedef enum {
    VDR_OPT_FLAG_REQUIRED = 1 << 0,
    VDR_OPT_FLAG_POSITIONAL = 1 << 1, /* may be given without --name */
    VDR_OPT_FLAG_MULTI = 1 << 2,      /* may be given more than once */
} VdrOptFlags;

typedef struct {
    const char *name;
    VdrOptType type;
    unsigned int flags;
    const char *help; /* N_() */
    /* VDR_OPT_UINT: the range, checked when the command line is parsed,
     * before any connection; 0 and 0 mean any unsigned int. */
    unsigned int min, max;
} VdrOptDef;

/* The options most commands share. */
#define VDR_OPT_DEF_DOMAIN \
    { .name = "domain", .type = VDR_OPT_DOMAIN, \
      .flags = VDR_OPT_FLAG_REQUIRED | VDR_OPT_FLAG_POSITIONAL, \
      .help = N_("domain name, id or uuid") }
#define VDR_OPT_DEF_JSON \
    { .name = "json", .type = VDR_OPT_BOOL, .help = N_("print a JSON document") }

/* What connection a command needs: read-only ones never get more. */
typedef enum {
    VDR_CONN_NONE,
    VDR_CONN_READONLY,
    VDR_CONN_READWRITE,
    VDR_CONN_BY_HANDLER, /* the options decide: the handler connects */
} VdrConnNeed;

typedef enum {
    VDR_CMD_FLAG_HIDDEN = 1 << 0, /* not listed by 'help' */
} VdrCmdFlags;

typedef struct _VdrControl VdrControl;
typedef struct _VdrCmd VdrCmd;
typedef struct _VdrCmdDef VdrCmdDef;

typedef gboolean (*VdrCmdHandler)(VdrControl *ctl, const VdrCmd *cmd, GError **error);

struct _VdrCmdDef {
    const char *name;
    const char *summary;     /* N_(), one line */
    const char *description; /* N_(), paragraphs */
    const VdrOptDef *opts;   /* ends with a { NULL } entry */
    VdrCmdHandler handler;
    VdrConnNeed conn;
    unsigned int flags;
    /* Prints more help after the options (e.g. a table the library
     * owns), or NULL. */
    void (*help_extra)(FILE *out);
};

typedef struct {
    const char *name;     /* N_() */
    const char *keyword;  /* for 'help KEYWORD' */
    const VdrCmdDef *const *cmds; /* ends with NULL */
} VdrCmdGroup;

/* The control block: global options, the connection, the command
 * groups, and the words a completion request was given. */
struct _VdrControl {
    const VdrCmdGroup *groups;
    int complete_argc;
    char **complete_argv;
    char *uri;
    gboolean readonly;      /* -r */
    gboolean want_readonly; /* the command reads only */
    gboolean quiet;
    virConnectPtr conn;
    FILE *out;
    FILE *err;
};

/* A parsed command line for one command. */
struct _VdrCmd {
    const VdrCmdDef *def;
    GHashTable *values; /* option name -> string value ("" for bools) */
};

const VdrCmdDef *vdr_command_lookup(const VdrCmdGroup *groups, const char *name);

/* Parses @argv (without the command name) for @def.  On error, @error
 * names the option. */
VdrCmd *vdr_cmd_parse(const VdrCmdDef *def, int argc, char **argv, GError **error);
void vdr_cmd_free(VdrCmd *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VdrCmd, vdr_cmd_free)

gboolean vdr_cmd_has(const VdrCmd *cmd, const char *name);
/* Every value of a VDR_OPT_FLAG_MULTI option, in order (NULL if none). */
GStrv vdr_cmd_get_strings(const VdrCmd *cmd, const char *name);
/* Opens ctl->conn, read-only when @readonly or when -r was given. */
gboolean vdr_control_connect(VdrControl *ctl, gboolean readonly, GError **error);
const char *vdr_cmd_get_string(const VdrCmd *cmd, const char *name);
/* Sets *@value when the option was given (its range was checked when
 * the command line was parsed). */
void vdr_cmd_get_uint(const VdrCmd *cmd, const char *name, unsigned int *value);
/* FALSE with @error naming the first two options of @names (NULL
 * terminated) that were both given. */
gboolean vdr_cmd_check_exclusive(const VdrCmd *cmd, const char *const *names, GError **error);

/* Checks the tables as libvirt's virsh self-test does; FALSE with
 * @error naming the first fault. */
gboolean vdr_command_tables_check(const VdrCmdGroup *groups, GError **error);

void vdr_command_print_list(const VdrCmdGroup *groups, FILE *out);
void vdr_command_print_group(const VdrCmdGroup *group, FILE *out);
void vdr_command_print_help(FILE *out, const VdrCmdDef *def);

/* Completion candidates for the words after the program name; the last
 * word is the one being completed.  Domain names need @conn. */
GPtrArray *vdr_command_complete(const VdrCmdGroup *groups, virConnectPtr conn,
                                int argc, char **argv);
/* The URI the words give with -c or --connect, if any (the last one). */
const char *vdr_command_complete_uri(int argc, char **argv);
