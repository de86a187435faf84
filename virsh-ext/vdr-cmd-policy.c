/*
 * vdr-cmd-policy.c: domdirtyrate-policy, the migration policy in the
 * domain XML
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dr-error.h"
#include "dr-policy.h"
#include "vdr-groups.h"
#include "vdr-domain.h"
#include "vdr-output.h"

static const VdrOptDef opts_policy[] = {
    { .name = "domain", .type = VDR_OPT_DOMAIN, .flags = VDR_OPT_FLAG_POSITIONAL,
      .help = N_("domain name, id or uuid (not with --validate)") },
    { .name = "set", .type = VDR_OPT_STRING, .flags = VDR_OPT_FLAG_MULTI,
      .help = N_("KEY=VALUE: change one setting (repeatable); KEY= resets it to its default") },
    { .name = "file", .type = VDR_OPT_STRING,
      .help = N_("replace the whole policy with this file: a policy, or a domain XML holding one") },
    { .name = "edit", .type = VDR_OPT_BOOL,
      .help = N_("edit the policy in $VISUAL or $EDITOR, like virsh edit") },
    { .name = "remove", .type = VDR_OPT_BOOL,
      .help = N_("remove the policy: every setting back to its default") },
    { .name = "validate", .type = VDR_OPT_STRING,
      .help = N_("check a file (a policy, or a domain XML holding one) without touching any domain") },
    { .name = "config", .type = VDR_OPT_BOOL, .help = N_("the persistent configuration") },
    { .name = "live", .type = VDR_OPT_BOOL, .help = N_("the running domain") },
    { .name = "current", .type = VDR_OPT_BOOL, .help = N_("the domain's current state (the default)") },
    VDR_OPT_DEF_JSON,
    { NULL }
};

static const char *const action_options[] = { "set", "file", "edit", "remove", "validate", NULL };
static const char *const current_live[] = { "current", "live", NULL };
static const char *const current_config[] = { "current", "config", NULL };

/* Reads a policy file: a regular file only (not a FIFO or a device,
 * which could block or never end), and at most the limit plus one byte,
 * whatever size it claims. */
static gboolean
read_file(const char *path, char **text, gsize *len, GError **error)
{
    g_autofree char *buf = NULL;
    struct stat st;
    gsize got = 0;
    int fd;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Cannot read policy file '%1$s': %2$s"), path, g_strerror(errno));
        return FALSE;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Policy file '%1$s' is not a regular file"), path);
        return FALSE;
    }
    buf = g_malloc(DR_POLICY_MAX_BYTES + 2);
    while (got <= DR_POLICY_MAX_BYTES) {
        ssize_t r = read(fd, buf + got, DR_POLICY_MAX_BYTES + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Cannot read policy file '%1$s': %2$s"), path, g_strerror(e));
            return FALSE;
        }
        if (r == 0)
            break;
        got += (gsize)r;
    }
    close(fd);
    if (got > DR_POLICY_MAX_BYTES) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Policy file '%1$s' is larger than %2$d bytes"), path, DR_POLICY_MAX_BYTES);
        return FALSE;
    }
    buf[got] = '\0';
    *len = got;
    *text = g_steal_pointer(&buf);
    return TRUE;
}

static DrPolicy *
parse_file(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;
    DrPolicy *p;

    if (!read_file(path, &text, &len, error))
        return NULL;
    if (!(p = dr_policy_parse(text, (gssize)len, vdr_policy_schema_dir(), &err)))
        g_set_error(error, DR_ERROR, err->code, _("%1$s: %2$s"), path, err->message);
    return p;
}

static void
print_policy(FILE *out, const char *name, const char *which, const DrPolicy *p, gboolean json)
{
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, name);
        json_builder_set_member_name(b, "namespace");
        json_builder_add_string_value(b, DR_POLICY_NS);
        json_builder_set_member_name(b, "policy");
        json_builder_begin_object(b);
        for (const DrPolicyKey *k = dr_policy_keys(); k->key; k++) {
            gboolean def;
            const char *v = dr_policy_get_effective(p, k->key, &def);
            json_builder_set_member_name(b, k->key);
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "value");
            json_builder_add_string_value(b, v);
            json_builder_set_member_name(b, "default");
            json_builder_add_boolean_value(b, def);
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        vdr_json_print(out, root);
        return;
    }
    fprintf(out, _("Migration policy of domain '%1$s' (%2$s):\n"), name, which);
    for (const DrPolicyKey *k = dr_policy_keys(); k->key; k++) {
        gboolean def;
        const char *v = dr_policy_get_effective(p, k->key, &def);
        if (def)
            fprintf(out, "  %-33s %-12s %s\n", k->key, v, _("(default)"));
        else
            fprintf(out, "  %-33s %s\n", k->key, v);
    }
}

static char *
edit_template(const DrPolicy *p)
{
    g_autofree char *xml = dr_policy_format(p);
    GString *s = g_string_new(NULL);
    const char *close = strstr(xml, "</" DR_POLICY_PREFIX ":policy>");

    /* The keys, as a comment inside the element: the parser skips it. */
    g_string_append_len(s, xml, close - xml);
    g_string_append(s, "  <!-- Settings (element attribute = default): an absent one means\n"
                       "       \"decide for me\".  Units: 512MiB 25% 300ms 2s 5min 1Gbit/s.\n");
    for (const DrPolicyKey *k = dr_policy_keys(); k->key; k++)
        g_string_append_printf(s, "       <" DR_POLICY_PREFIX ":%s %s=\"%s\"/>\n",
                               k->element, k->attribute, k->def);
    g_string_append(s, "  -->\n");
    g_string_append(s, close);
    return g_string_free(s, FALSE);
}

static gboolean
run_editor(const char *path, GError **error)
{
    const char *editor = g_getenv("VISUAL");
    g_auto(GStrv) argv = NULL;
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autoptr(GError) err = NULL;
    int argc, status;

    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    /* Split like a shell would, but run no shell. */
    if (!g_shell_parse_argv(editor, &argc, &argv, &err)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Cannot understand the editor command '%1$s': %2$s"), editor, err->message);
        return FALSE;
    }
    g_strv_builder_addv(b, (const char **)argv);
    g_strv_builder_add(b, path);
    {
        g_auto(GStrv) full = g_strv_builder_end(b);
        if (!g_spawn_sync(NULL, full, NULL,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                          NULL, NULL, NULL, NULL, &status, &err) ||
            !g_spawn_check_wait_status(status, &err)) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        _("The editor '%1$s' failed: %2$s"), editor, err->message);
            return FALSE;
        }
    }
    return TRUE;
}

/* Asks on a terminal; anything but 'y' is no.  Without a terminal, no. */
static gboolean
ask_retry(VdrControl *ctl)
{
    char line[16];

    if (!isatty(STDIN_FILENO))
        return FALSE;
    fprintf(ctl->err, _("Failed. Try again? [y,n]: "));
    fflush(ctl->err);
    if (!fgets(line, sizeof(line), stdin))
        return FALSE;
    return line[0] == 'y' || line[0] == 'Y';
}

static DrPolicy *
edit_policy(VdrControl *ctl, const DrPolicy *current, gboolean *changed, GError **error)
{
    g_autofree char *path = NULL;
    g_autofree char *orig = edit_template(current);
    g_autoptr(GError) err = NULL;
    int fd;

    if ((fd = g_file_open_tmp("virsh-dirtyrate-policy-XXXXXX.xml", &path, &err)) < 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot create a file to edit: %1$s"), err->message);
        return NULL;
    }
    close(fd);
    if (!g_file_set_contents(path, orig, -1, &err)) {
        g_unlink(path);
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot write the file to edit: %1$s"), err->message);
        return NULL;
    }
    for (;;) {
        g_autofree char *text = NULL;
        g_autoptr(GError) perr = NULL;
        gsize len;
        DrPolicy *p;

        if (!run_editor(path, error) || !read_file(path, &text, &len, error)) {
            g_unlink(path);
            return NULL;
        }
        if (strcmp(text, orig) == 0) {
            g_unlink(path);
            *changed = FALSE;
            return dr_policy_copy(current);
        }
        if ((p = dr_policy_parse(text, (gssize)len, vdr_policy_schema_dir(), &perr))) {
            g_unlink(path);
            *changed = !dr_policy_equal(p, current);
            return p;
        }
        fprintf(ctl->err, _("error: %1$s\n"), perr->message);
        if (!ask_retry(ctl)) {
            g_unlink(path);
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("The edited policy is not valid; the domain was not changed"));
            return NULL;
        }
    }
}

static gboolean
apply_sets(DrPolicy *p, GStrv sets, GError **error)
{
    for (char **s = sets; *s; s++) {
        const char *eq = strchr(*s, '=');
        g_autofree char *key = NULL;

        if (!eq || eq == *s) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("--set '%1$s' is not KEY=VALUE"), *s);
            return FALSE;
        }
        key = g_strndup(*s, (gsize)(eq - *s));
        if (!dr_policy_key_lookup(key)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("Unknown policy key '%1$s'; 'help domdirtyrate-policy' lists the keys"), key);
            return FALSE;
        }
        if (!eq[1])
            dr_policy_unset(p, key);
        else if (!dr_policy_set(p, key, eq + 1, error))
            return FALSE;
    }
    return TRUE;
}

/* A stored policy that cannot be read is mended by replacing it: say
 * how, as the library does not know our options. */
static void
hint_stored_policy(GError **error, const char *domain)
{
    if (error && *error && g_error_matches(*error, DR_ERROR, DR_ERROR_STORED_POLICY)) {
        g_autofree char *msg = g_strdup((*error)->message);
        g_clear_error(error);
        g_set_error(error, DR_ERROR, DR_ERROR_STORED_POLICY,
                    _("%1$s; 'domdirtyrate-policy %2$s --remove' deletes it, and --file replaces it"),
                    msg, domain);
    }
}

typedef struct {
    unsigned int flags;
    const char *name; /* "live", "config", "current" */
} Target;

/* One target, or live and config as two, each changed on its own. */
static size_t
targets_of(const VdrCmd *cmd, Target targets[2])
{
    gboolean live = vdr_cmd_has(cmd, "live"), config = vdr_cmd_has(cmd, "config");
    size_t n = 0;

    if (live)
        targets[n++] = (Target){ VIR_DOMAIN_AFFECT_LIVE, N_("live") };
    if (config)
        targets[n++] = (Target){ VIR_DOMAIN_AFFECT_CONFIG, N_("config") };
    if (!n)
        targets[n++] = (Target){ VIR_DOMAIN_AFFECT_CURRENT, N_("current") };
    return n;
}

static void
report(VdrControl *ctl, const Target *t, size_t ntargets, const char *what)
{
    if (ctl->quiet)
        return;
    if (ntargets > 1)
        fprintf(ctl->out, "%s (%s)\n", what, _(t->name));
    else
        fprintf(ctl->out, "%s\n", what);
}

/* Computes the next policy for one target from its own current one:
 * NULL with @error on failure; *@changed says whether to store it. */
static DrPolicy *
next_policy(const VdrCmd *cmd, virDomainPtr dom, const Target *t,
            const DrPolicy *given, const DrPolicy *edited, gboolean *changed, GError **error)
{
    g_autoptr(DrPolicy) current = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) sets = vdr_cmd_get_strings(cmd, "set");
    DrPolicy *next;

    current = dr_policy_load(dom, t->flags, vdr_policy_schema_dir(), &err);
    if (!current && !g_error_matches(err, DR_ERROR, DR_ERROR_STORED_POLICY)) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (sets) {
        /* --set changes a policy that must be readable. */
        if (!current) {
            g_propagate_error(error, g_steal_pointer(&err));
            hint_stored_policy(error, vdr_cmd_get_string(cmd, "domain"));
            return NULL;
        }
        next = dr_policy_copy(current);
        if (!apply_sets(next, sets, error)) {
            dr_policy_free(next);
            return NULL;
        }
    } else {
        next = dr_policy_copy(given ? given : edited);
    }
    /* An unreadable stored policy is always replaced. */
    *changed = !current || !dr_policy_equal(current, next);
    return next;
}

static gboolean
cmd_policy(VdrControl *ctl, const VdrCmd *cmd, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(DrPolicy) given = NULL;
    g_autoptr(DrPolicy) edited = NULL;
    g_autoptr(DrPolicy) shown = NULL;
    g_auto(GStrv) sets = vdr_cmd_get_strings(cmd, "set");
    const char *domain = vdr_cmd_get_string(cmd, "domain");
    gboolean json = vdr_cmd_has(cmd, "json");
    gboolean remove = vdr_cmd_has(cmd, "remove");
    Target targets[2];
    size_t ntargets = targets_of(cmd, targets);
    int actions = (sets != NULL) + vdr_cmd_has(cmd, "file") + vdr_cmd_has(cmd, "edit") +
                  remove + vdr_cmd_has(cmd, "validate");

    /* Every check of the arguments comes before any connection. */
    if (!vdr_cmd_check_exclusive(cmd, action_options, error) ||
        !vdr_cmd_check_exclusive(cmd, current_live, error) ||
        !vdr_cmd_check_exclusive(cmd, current_config, error))
        return FALSE;

    if (vdr_cmd_has(cmd, "validate")) {
        g_autoptr(DrPolicy) p = NULL;
        if (domain) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("--validate checks a file and takes no domain"));
            return FALSE;
        }
        if (!(p = parse_file(vdr_cmd_get_string(cmd, "validate"), error)))
            return FALSE;
        if (json)
            print_policy(ctl->out, "", _("file"), p, TRUE);
        else if (!ctl->quiet)
            fprintf(ctl->out, _("%1$s is a valid migration policy\n"), vdr_cmd_get_string(cmd, "validate"));
        return TRUE;
    }
    if (!domain) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Command 'domdirtyrate-policy' needs option --domain"));
        return FALSE;
    }
    if (actions == 0 && ntargets > 1) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Show one policy at a time: --live or --config, not both"));
        return FALSE;
    }
    if (actions > 0 && ctl->readonly) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Changing the policy needs a read-write connection, but --readonly was given"));
        return FALSE;
    }

    /* Parse what we are given before talking to libvirt at all. */
    if (vdr_cmd_has(cmd, "file") && !(given = parse_file(vdr_cmd_get_string(cmd, "file"), error)))
        return FALSE;
    if (remove)
        given = dr_policy_new();
    if (sets) {
        g_autoptr(DrPolicy) probe = dr_policy_new();
        if (!apply_sets(probe, sets, error))
            return FALSE;
    }

    if (!vdr_control_connect(ctl, actions == 0, error) ||
        !(dom = vdr_domain_lookup(ctl, domain, error)))
        return FALSE;
    if (actions == 0) {
        if (!(shown = dr_policy_load(dom, targets[0].flags, vdr_policy_schema_dir(), error))) {
            hint_stored_policy(error, domain);
            return FALSE;
        }
        print_policy(ctl->out, virDomainGetName(dom), _(targets[0].name), shown, json);
        return TRUE;
    }

    if (vdr_cmd_has(cmd, "edit")) {
        /* One edit for both targets only when they agree: otherwise the
         * settings of one would be lost in the other. */
        g_autoptr(DrPolicy) start = NULL;
        gboolean changed;
        for (size_t i = 0; i < ntargets; i++) {
            g_autoptr(DrPolicy) p = dr_policy_load(dom, targets[i].flags, vdr_policy_schema_dir(), error);
            if (!p) {
                hint_stored_policy(error, domain);
                return FALSE;
            }
            if (start && !dr_policy_equal(start, p)) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("The live and config policies of domain '%1$s' differ: edit one at a time, with --live or --config"),
                            virDomainGetName(dom));
                return FALSE;
            }
            if (!start)
                start = g_steal_pointer(&p);
        }
        if (!(edited = edit_policy(ctl, start, &changed, error)))
            return FALSE;
    }

    for (size_t i = 0; i < ntargets; i++) {
        const Target *t = &targets[i];
        g_autoptr(DrPolicy) next = NULL;
        g_autofree char *msg = NULL;
        gboolean changed = FALSE;

        if (!(next = next_policy(cmd, dom, t, given, edited, &changed, error)))
            return FALSE;
        if (!changed) {
            msg = g_strdup_printf(remove ? _("Domain '%1$s' has no migration policy: nothing removed") :
                                  _("Migration policy of domain '%1$s' unchanged"),
                                  virDomainGetName(dom));
        } else {
            if (!dr_policy_store(dom, next, t->flags, vdr_policy_schema_dir(), error))
                return FALSE;
            msg = g_strdup_printf(remove ? _("Migration policy of domain '%1$s' removed") :
                                  _("Migration policy of domain '%1$s' updated"),
                                  virDomainGetName(dom));
        }
        if (json && i == 0)
            print_policy(ctl->out, virDomainGetName(dom), _(t->name), next, TRUE);
        else if (!json)
            report(ctl, t, ntargets, msg);
    }
    return TRUE;
}

/* The keys, from the library's own table. */
static void
help_keys(FILE *out)
{
    fprintf(out, "\n  %s\n", _("KEYS"));
    for (const DrPolicyKey *k = dr_policy_keys(); k->key; k++)
        fprintf(out, _("    %1$-33s %2$s (default: %3$s)\n"), k->key, _(k->help), k->def);
}

const VdrCmdDef vdr_cmd_def_policy = {
    .name = "domdirtyrate-policy",
    .summary = N_("show or change a domain's migration policy"),
    .description = N_("The policy lives in the domain XML, in <metadata> under the namespace\n"
                      "https://virt-dirtyrate.org/xmlns/policy/1, so it travels with the domain\n"
                      "and any libvirt client can read it.  Without options, prints the\n"
                      "effective policy, defaults filled in and marked.  --set, --file, --edit\n"
                      "and --remove change it; a value that is not valid changes nothing, and\n"
                      "a change that changes nothing writes nothing.  --config, --live and\n"
                      "--current mean what they mean for virsh metadata; with --live and\n"
                      "--config, each keeps its own settings.  The keys below are followed by\n"
                      "their defaults."),
    .opts = opts_policy,
    .handler = cmd_policy,
    .conn = VDR_CONN_BY_HANDLER,
    .help_extra = help_keys,
};
