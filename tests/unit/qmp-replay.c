/*
 * qmp-replay.c: replay a recorded QMP conversation as a DrQmp transport
 */
#include <config.h>

#include <string.h>

#include "qmp-replay.h"

struct _QmpReplay {
    char *name;
    GPtrArray *commands; /* JSON text */
    GPtrArray *replies;  /* JSON text (or anything, for malformed cases) */
    guint next;
    DrQmp *qmp;
};

static gboolean
json_text_equal(const char *a, const char *b)
{
    g_autoptr(JsonParser) pa = json_parser_new();
    g_autoptr(JsonParser) pb = json_parser_new();

    if (!json_parser_load_from_data(pa, a, -1, NULL) ||
        !json_parser_load_from_data(pb, b, -1, NULL))
        return FALSE;
    return json_node_equal(json_parser_get_root(pa), json_parser_get_root(pb));
}

static char *
replay_transport(const char *command_json, void *opaque, GError **error)
{
    QmpReplay *r = opaque;

    if (r->next >= r->commands->len)
        g_error("%s: unexpected command after the end of the conversation: %s",
                r->name, command_json);
    if (!json_text_equal(command_json, g_ptr_array_index(r->commands, r->next)))
        g_error("%s: exchange %u: expected %s, got %s", r->name, r->next + 1,
                (char *)g_ptr_array_index(r->commands, r->next), command_json);
    return g_strdup(g_ptr_array_index(r->replies, r->next++));
}

QmpReplay *
qmp_replay_new(const char *name)
{
    QmpReplay *r = g_new0(QmpReplay, 1);
    g_autofree char *path = g_build_filename(g_getenv("abs_top_srcdir") ?
                                             g_getenv("abs_top_srcdir") : TOP_SRCDIR,
                                             "tests", "qmp", name, NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) blocks = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err))
        g_error("%s", err->message);
    r->name = g_strdup(name);
    r->commands = g_ptr_array_new_with_free_func(g_free);
    r->replies = g_ptr_array_new_with_free_func(g_free);
    blocks = g_strsplit(text, "\n\n", -1);
    for (char **b = blocks; *b; b++) {
        g_auto(GStrv) lines = g_strsplit(*b, "\n", -1);
        GString *reply = g_string_new(NULL);
        char *cmd = NULL;
        for (char **l = lines; *l; l++) {
            if (!**l || **l == '#')
                continue;
            if (!cmd)
                cmd = g_strdup(*l);
            else
                g_string_append(reply, *l);
        }
        if (!cmd) {
            g_string_free(reply, TRUE);
            continue;
        }
        g_ptr_array_add(r->commands, cmd);
        g_ptr_array_add(r->replies, g_string_free(reply, FALSE));
    }
    if (r->commands->len == 0)
        g_error("%s: no exchanges", name);
    r->qmp = dr_qmp_new(replay_transport, r, NULL);
    return r;
}

DrQmp *
qmp_replay_qmp(QmpReplay *r)
{
    return r->qmp;
}

void
qmp_replay_assert_done(QmpReplay *r)
{
    if (r->next != r->commands->len)
        g_error("%s: %u recorded replies were never used (next: %s)", r->name,
                r->commands->len - r->next, (char *)g_ptr_array_index(r->commands, r->next));
}

void
qmp_replay_free(QmpReplay *r)
{
    if (!r)
        return;
    dr_qmp_free(r->qmp);
    g_ptr_array_unref(r->commands);
    g_ptr_array_unref(r->replies);
    g_free(r->name);
    g_free(r);
}
