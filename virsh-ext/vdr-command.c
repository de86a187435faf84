/*
 * vdr-command.c: parsing, help, self-test and completion for the tables
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "vdr-command.h"

const VdrCmdDef *
vdr_command_lookup(const VdrCmdGroup *groups, const char *name)
{
    for (const VdrCmdGroup *g = groups; g->name; g++) {
        for (const VdrCmdDef *const *cp = g->cmds; *cp; cp++) {
            const VdrCmdDef *c = *cp;
            if (strcmp(c->name, name) == 0)
                return c;
        }
    }
    return NULL;
}

static const VdrOptDef *
opt_lookup(const VdrCmdDef *def, const char *name)
{
    for (const VdrOptDef *o = def->opts; o && o->name; o++) {
        if (strcmp(o->name, name) == 0)
            return o;
    }
    return NULL;
}

/* The next positional option not given yet. */
static const VdrOptDef *
next_positional(const VdrCmdDef *def, GHashTable *values)
{
    for (const VdrOptDef *o = def->opts; o && o->name; o++) {
        if ((o->flags & VDR_OPT_FLAG_POSITIONAL) && !g_hash_table_contains(values, o->name))
            return o;
    }
    return NULL;
}

static gboolean
check_uint(const VdrOptDef *opt, const char *value, GError **error)
{
    unsigned int max = opt->max ? opt->max : G_MAXUINT;
    guint64 v;

    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v, NULL)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Option --%1$s needs a whole number from %2$u to %3$u, not '%4$s'"),
                    opt->name, opt->min, max, value);
        return FALSE;
    }
    if (v < opt->min || v > max) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Option --%1$s is out of range: use %2$u to %3$u, not %4$s"),
                    opt->name, opt->min, max, value);
        return FALSE;
    }
    return TRUE;
}

void
vdr_cmd_free(VdrCmd *cmd)
{
    if (!cmd)
        return;
    g_hash_table_unref(cmd->values);
    g_free(cmd);
}

VdrCmd *
vdr_cmd_parse(const VdrCmdDef *def, int argc, char **argv, GError **error)
{
    g_autoptr(VdrCmd) cmd = g_new0(VdrCmd, 1);
    gboolean options_done = FALSE;

    cmd->def = def;
    cmd->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const VdrOptDef *opt;
        g_autofree char *name = NULL;
        const char *value = NULL;

        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = TRUE;
            continue;
        }
        if (options_done || !g_str_has_prefix(arg, "--")) {
            if (!(opt = next_positional(def, cmd->values))) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("Unexpected data '%1$s' for command '%2$s'"), arg, def->name);
                return NULL;
            }
            g_hash_table_insert(cmd->values, g_strdup(opt->name), g_strdup(arg));
            continue;
        }

        name = g_strdup(arg + 2);
        if (strchr(name, '=')) {
            char *eq = strchr(name, '=');
            *eq = '\0';
            value = arg + 2 + (eq - name) + 1;
        }
        if (!(opt = opt_lookup(def, name))) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Command '%1$s' has no option --%2$s; see 'help %3$s'"),
                        def->name, name, def->name);
            return NULL;
        }
        if (g_hash_table_contains(cmd->values, opt->name) &&
            !(opt->flags & VDR_OPT_FLAG_MULTI)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Option --%1$s was given more than once"), opt->name);
            return NULL;
        }
        if (opt->type == VDR_OPT_BOOL) {
            if (value) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("Option --%1$s takes no value"), opt->name);
                return NULL;
            }
            value = "";
        } else if (!value) {
            if (i + 1 >= argc) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("Option --%1$s needs a value"), opt->name);
                return NULL;
            }
            value = argv[++i];
        }
        if (opt->type == VDR_OPT_UINT && !check_uint(opt, value, error))
            return NULL;
        if (opt->flags & VDR_OPT_FLAG_MULTI) {
            const char *prev = g_hash_table_lookup(cmd->values, opt->name);
            /* Values are kept joined by a newline, which no value holds. */
            if (strchr(value, '\n')) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("Option --%1$s: a value cannot hold a newline"), opt->name);
                return NULL;
            }
            g_hash_table_insert(cmd->values, g_strdup(opt->name),
                                prev ? g_strconcat(prev, "\n", value, NULL) : g_strdup(value));
            continue;
        }
        g_hash_table_insert(cmd->values, g_strdup(opt->name), g_strdup(value));
    }

    for (const VdrOptDef *o = def->opts; o && o->name; o++) {
        if ((o->flags & VDR_OPT_FLAG_REQUIRED) && !g_hash_table_contains(cmd->values, o->name)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Command '%1$s' needs option --%2$s"), def->name, o->name);
            return NULL;
        }
    }
    return g_steal_pointer(&cmd);
}

gboolean
vdr_cmd_has(const VdrCmd *cmd, const char *name)
{
    return g_hash_table_contains(cmd->values, name);
}

GStrv
vdr_cmd_get_strings(const VdrCmd *cmd, const char *name)
{
    const char *s = g_hash_table_lookup(cmd->values, name);

    return s ? g_strsplit(s, "\n", -1) : NULL;
}

gboolean
vdr_control_connect(VdrControl *ctl, gboolean readonly, GError **error)
{
    gboolean ro = readonly || ctl->readonly;

    ctl->conn = ro ? virConnectOpenReadOnly(ctl->uri) : virConnectOpen(ctl->uri);
    if (!ctl->conn) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("Failed to connect to the hypervisor: %1$s"), msg);
        return FALSE;
    }
    return TRUE;
}

const char *
vdr_cmd_get_string(const VdrCmd *cmd, const char *name)
{
    return g_hash_table_lookup(cmd->values, name);
}

void
vdr_cmd_get_uint(const VdrCmd *cmd, const char *name, unsigned int *value)
{
    const char *s = vdr_cmd_get_string(cmd, name);

    if (s)
        *value = (unsigned int)g_ascii_strtoull(s, NULL, 10);
}

gboolean
vdr_cmd_check_exclusive(const VdrCmd *cmd, const char *const *names, GError **error)
{
    const char *first = NULL;

    for (const char *const *n = names; *n; n++) {
        if (!vdr_cmd_has(cmd, *n))
            continue;
        if (first) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Options --%1$s and --%2$s are mutually exclusive"), first, *n);
            return FALSE;
        }
        first = *n;
    }
    return TRUE;
}

/* ---- self-test ------------------------------------------------------ */

static gboolean
valid_name(const char *s)
{
    if (!*s || *s == '-')
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && *s != '-')
            return FALSE;
    }
    return TRUE;
}

static gboolean
check_command(const VdrCmdDef *c, GHashTable *seen, GError **error)
{
    gboolean optional_positional = FALSE;

    if (!valid_name(c->name) || g_hash_table_contains(seen, c->name)) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    "command '%s': bad or duplicate name", c->name);
        return FALSE;
    }
    g_hash_table_add(seen, (gpointer)c->name);
    if (!c->summary || !*c->summary || !c->description || !*c->description || !c->handler) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    "command '%s': missing summary, description or handler", c->name);
        return FALSE;
    }
    for (const VdrOptDef *o = c->opts; o && o->name; o++) {
        if (!valid_name(o->name) || !o->help || !*o->help) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s': option '%s' has a bad name or no help", c->name, o->name);
            return FALSE;
        }
        for (const VdrOptDef *p = c->opts; p != o; p++) {
            if (strcmp(p->name, o->name) == 0) {
                g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                            "command '%s': option '%s' twice", c->name, o->name);
                return FALSE;
            }
        }
        if (o->type == VDR_OPT_BOOL && (o->flags & ~VDR_OPT_FLAG_MULTI)) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s': boolean option '%s' cannot be required or positional",
                        c->name, o->name);
            return FALSE;
        }
        if (o->flags & VDR_OPT_FLAG_POSITIONAL) {
            if (!(o->flags & VDR_OPT_FLAG_REQUIRED))
                optional_positional = TRUE;
            else if (optional_positional) {
                g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                            "command '%s': required positional '%s' after an optional one",
                            c->name, o->name);
                return FALSE;
            }
        }
        if ((o->flags & VDR_OPT_FLAG_MULTI) && o->type != VDR_OPT_STRING) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s': only string options may repeat ('%s')", c->name, o->name);
            return FALSE;
        }
        if (o->type != VDR_OPT_UINT && (o->min || o->max)) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s': option '%s' has a range but is not a number", c->name, o->name);
            return FALSE;
        }
        if (o->type == VDR_OPT_UINT && o->max && o->min > o->max) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s': option '%s' has an empty range", c->name, o->name);
            return FALSE;
        }
        if (o->type == VDR_OPT_DOMAIN && c->conn == VDR_CONN_NONE) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "command '%s' takes a domain but declares no connection", c->name);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
vdr_command_tables_check(const VdrCmdGroup *groups, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (const VdrCmdGroup *g = groups; g->name; g++) {
        if (!g->keyword || !valid_name(g->keyword)) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        "group '%s': bad keyword", g->name);
            return FALSE;
        }
        for (const VdrCmdDef *const *cp = g->cmds; *cp; cp++) {
            const VdrCmdDef *c = *cp;
            if (!check_command(c, seen, error))
                return FALSE;
        }
    }
    return TRUE;
}

/* ---- help ----------------------------------------------------------- */

static const char *
opt_metavar(const VdrOptDef *o)
{
    switch (o->type) {
    case VDR_OPT_BOOL:
        return "";
    case VDR_OPT_STRING:
        return "<string>";
    case VDR_OPT_UINT:
        return "<number>";
    case VDR_OPT_DOMAIN:
        return "<domain>";
    }
    return "";
}

void
vdr_command_print_group(const VdrCmdGroup *g, FILE *out)
{
    fprintf(out, _(" %1$s (help keyword '%2$s'):\n"), _(g->name), g->keyword);
    for (const VdrCmdDef *const *cp = g->cmds; *cp; cp++) {
        const VdrCmdDef *c = *cp;
        if (c->flags & VDR_CMD_FLAG_HIDDEN)
            continue;
        fprintf(out, "    %-30s %s\n", c->name, _(c->summary));
    }
    fputc('\n', out);
}

void
vdr_command_print_list(const VdrCmdGroup *groups, FILE *out)
{
    fprintf(out, "%s\n\n", _(" Grouped commands:"));
    for (const VdrCmdGroup *g = groups; g->name; g++)
        vdr_command_print_group(g, out);
}

void
vdr_command_print_help(FILE *out, const VdrCmdDef *def)
{
    fprintf(out, "  %s\n    %s - %s\n\n", _("NAME"), def->name, _(def->summary));
    fprintf(out, "  %s\n    %s", _("SYNOPSIS"), def->name);
    for (const VdrOptDef *o = def->opts; o && o->name; o++) {
        const char *mv = opt_metavar(o);
        if (o->flags & VDR_OPT_FLAG_POSITIONAL)
            fprintf(out, (o->flags & VDR_OPT_FLAG_REQUIRED) ? " %s" : " [%s]", mv);
        else if (o->type == VDR_OPT_BOOL)
            fprintf(out, " [--%s]", o->name);
        else
            fprintf(out, (o->flags & VDR_OPT_FLAG_REQUIRED) ? " --%s %s" : " [--%s %s]",
                    o->name, mv);
    }
    fprintf(out, "\n\n  %s\n", _("DESCRIPTION"));
    {
        g_auto(GStrv) lines = g_strsplit(_(def->description), "\n", -1);
        for (char **l = lines; *l; l++)
            fprintf(out, "%s%s\n", **l ? "    " : "", *l);
    }
    if (def->opts && def->opts->name) {
        fprintf(out, "\n  %s\n", _("OPTIONS"));
        for (const VdrOptDef *o = def->opts; o->name; o++) {
            g_autofree char *lhs = NULL;
            if (o->flags & VDR_OPT_FLAG_POSITIONAL)
                lhs = g_strdup_printf("[--%s] %s", o->name, opt_metavar(o));
            else if (o->type == VDR_OPT_BOOL)
                lhs = g_strdup_printf("--%s", o->name);
            else
                lhs = g_strdup_printf("--%s %s", o->name, opt_metavar(o));
            fprintf(out, "    %-26s %s\n", lhs, _(o->help));
        }
    }
    if (def->help_extra)
        def->help_extra(out);
    fputc('\n', out);
}

/* ---- completion ----------------------------------------------------- */

static void
add_if_prefix(GPtrArray *out, const char *cand, const char *prefix)
{
    if (g_str_has_prefix(cand, prefix))
        g_ptr_array_add(out, g_strdup(cand));
}

const char *
vdr_command_complete_uri(int argc, char **argv)
{
    const char *uri = NULL;

    /* The global options before the command, as getopt reads them. */
    for (int i = 0; i < argc - 1 && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--connect") == 0)
            uri = argv[++i];
        else if (g_str_has_prefix(argv[i], "--connect="))
            uri = argv[i] + strlen("--connect=");
        else if (g_str_has_prefix(argv[i], "-c"))
            uri = argv[i] + 2;
    }
    return uri;
}

GPtrArray *
vdr_command_complete(const VdrCmdGroup *groups, virConnectPtr conn, int argc, char **argv)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *cur = argc > 0 ? argv[argc - 1] : "";
    const VdrCmdDef *def;
    const VdrOptDef *want = NULL;
    g_autoptr(GHashTable) given = g_hash_table_new(g_str_hash, g_str_equal);
    int i = 0;

    /* Skip the global options. */
    while (i < argc - 1 && argv[i][0] == '-') {
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--connect") == 0)
            i++;
        i++;
    }
    if (i == argc - 1) {
        for (const VdrCmdGroup *g = groups; g->name; g++)
            for (const VdrCmdDef *const *cp = g->cmds; *cp; cp++)
                if (!((*cp)->flags & VDR_CMD_FLAG_HIDDEN))
                    add_if_prefix(out, (*cp)->name, cur);
        return out;
    }
    if (i >= argc || !(def = vdr_command_lookup(groups, argv[i])))
        return out;

    for (int j = i + 1; j < argc - 1; j++) {
        const VdrOptDef *o;
        if (g_str_has_prefix(argv[j], "--") && (o = opt_lookup(def, argv[j] + 2))) {
            g_hash_table_add(given, (gpointer)o->name);
            if (o->type != VDR_OPT_BOOL) {
                if (j == argc - 2)
                    want = o;
                j++;
            }
        } else {
            for (o = def->opts; o && o->name; o++) {
                if ((o->flags & VDR_OPT_FLAG_POSITIONAL) && !g_hash_table_contains(given, o->name)) {
                    g_hash_table_add(given, (gpointer)o->name);
                    break;
                }
            }
        }
    }
    if (!want && !g_str_has_prefix(cur, "-")) {
        for (const VdrOptDef *o = def->opts; o && o->name; o++) {
            if ((o->flags & VDR_OPT_FLAG_POSITIONAL) && !g_hash_table_contains(given, o->name)) {
                want = o;
                break;
            }
        }
    }
    if (want) {
        if (want->type == VDR_OPT_DOMAIN && conn) {
            virDomainPtr *doms = NULL;
            int n = virConnectListAllDomains(conn, &doms, 0);
            for (int k = 0; k < n; k++) {
                add_if_prefix(out, virDomainGetName(doms[k]), cur);
                virDomainFree(doms[k]);
            }
            free(doms);
        }
        return out;
    }
    for (const VdrOptDef *o = def->opts; o && o->name; o++) {
        g_autofree char *flag = g_strdup_printf("--%s", o->name);
        if (!g_hash_table_contains(given, o->name))
            add_if_prefix(out, flag, cur);
    }
    return out;
}
