/*
 * vdd-config.c: virt-dirtyrated's configuration
 *
 * See vdd-config.h.  The keys are a table: a value is parsed once, by
 * its type, from the file or from --set alike.
 */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-units.h"
#include "vdd-config.h"

typedef enum {
    KEY_STRING,     /* char *; "" is NULL */
    KEY_MONITOR,
    KEY_UINT,       /* unsigned int within min..max */
    KEY_FRACTION,   /* double, a percent in the file: "20%" */
    KEY_DURATION,   /* uint64_t ms within min..max */
    KEY_BANDWIDTH,  /* uint64_t bytes/s; "none": 0 */
    KEY_BOOL,
} KeyType;

typedef struct {
    const char *group;
    const char *key;
    KeyType type;
    size_t offset;
    uint64_t min, max;
} KeyDef;

#define MS_DAY (24ULL * 3600 * 1000)

static const KeyDef keys[] = {
    { "libvirt", "uri", KEY_STRING, offsetof(VddConfig, uri), 0, 0 },
    { "libvirt", "monitor", KEY_MONITOR, offsetof(VddConfig, monitor), 0, 0 },
    { "libvirt", "reconnect-max", KEY_DURATION, offsetof(VddConfig, reconnect_max_ms), 1000, 3600000 },
    { "measure", "max-running", KEY_UINT, offsetof(VddConfig, max_measurements), 1, 64 },
    { "measure", "jitter", KEY_FRACTION, offsetof(VddConfig, jitter), 0, 50 },
    { "measure", "every", KEY_DURATION, offsetof(VddConfig, default_every_ms), 1000, MS_DAY },
    { "measure", "wss-max-seconds", KEY_UINT, offsetof(VddConfig, wss_max_seconds), 2, 60 },
    { "measure", "bandwidth", KEY_BANDWIDTH, offsetof(VddConfig, bandwidth), 0, 0 },
    { "publish", "change", KEY_FRACTION, offsetof(VddConfig, publish_change), 0, 1000 },
    { "publish", "max-age", KEY_DURATION, offsetof(VddConfig, publish_max_age_ms), 1000, MS_DAY * 7 },
    { "metrics", "listen", KEY_STRING, offsetof(VddConfig, listen), 0, 0 },
    { "metrics", "textfile", KEY_STRING, offsetof(VddConfig, textfile), 0, 0 },
    { "steer", "enable", KEY_BOOL, offsetof(VddConfig, steer), 0, 0 },
    { "steer", "prepare-cache", KEY_BOOL, offsetof(VddConfig, prepare_cache), 0, 0 },
    { "steer", "poll", KEY_DURATION, offsetof(VddConfig, steer_poll_ms), 100, 60000 },
    { "daemon", "state-dir", KEY_STRING, offsetof(VddConfig, state_dir), 0, 0 },
    { NULL }
};

VddConfig *
vdd_config_new(void)
{
    VddConfig *cfg = g_new0(VddConfig, 1);

    cfg->monitor = VDD_MONITOR_POLICY;
    cfg->reconnect_max_ms = 60000;
    cfg->max_measurements = 1;
    cfg->jitter = 0.2;
    cfg->default_every_ms = 5 * 60 * 1000;
    cfg->wss_max_seconds = 4;
    cfg->bandwidth = 0;
    cfg->publish_change = 0.1;
    cfg->publish_max_age_ms = 3600 * 1000;
    cfg->listen = g_strdup("127.0.0.1:9477");
    cfg->steer = TRUE;
    cfg->prepare_cache = TRUE;
    cfg->steer_poll_ms = 500;
    cfg->state_dir = g_strdup(VDD_STATE_DIR);
    return cfg;
}

void
vdd_config_free(VddConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->uri);
    g_free(cfg->listen);
    g_free(cfg->textfile);
    g_free(cfg->state_dir);
    g_free(cfg);
}

VddConfig *
vdd_config_copy(const VddConfig *cfg)
{
    VddConfig *c = g_memdup2(cfg, sizeof(*cfg));

    c->uri = g_strdup(cfg->uri);
    c->listen = g_strdup(cfg->listen);
    c->textfile = g_strdup(cfg->textfile);
    c->state_dir = g_strdup(cfg->state_dir);
    return c;
}

static gboolean
check_listen(const char *v, GError **error)
{
    const char *colon;
    guint64 port = 0;

    if (!v || strcmp(v, "none") == 0)
        return TRUE;
    if (g_str_has_prefix(v, "unix:")) {
        if (!g_path_is_absolute(v + 5)) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("a Unix socket needs an absolute path, not '%s'"), v + 5);
            return FALSE;
        }
        return TRUE;
    }
    colon = strrchr(v, ':');
    if (!colon || colon == v ||
        !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%s' is not ADDRESS:PORT, unix:PATH or none"), v);
        return FALSE;
    }
    return TRUE;
}

/* Parses @value into @cfg's field for @k. */
static gboolean
set_value(VddConfig *cfg, const KeyDef *k, const char *value, GError **error)
{
    void *field = (char *)cfg + k->offset;
    g_autoptr(GError) err = NULL;

    switch (k->type) {
    case KEY_STRING:
        if (strcmp(k->key, "listen") == 0 && !check_listen(value, &err))
            break;
        g_free(*(char **)field);
        *(char **)field = *value ? g_strdup(value) : NULL;
        return TRUE;
    case KEY_MONITOR:
        if (strcmp(value, "policy") == 0)
            *(VddMonitor *)field = VDD_MONITOR_POLICY;
        else if (strcmp(value, "all") == 0)
            *(VddMonitor *)field = VDD_MONITOR_ALL;
        else
            g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG, _("use policy or all, not '%s'"), value);
        break;
    case KEY_UINT: {
        guint64 v;
        if (g_ascii_string_to_unsigned(value, 10, k->min, k->max, &v, NULL)) {
            *(unsigned int *)field = (unsigned int)v;
            return TRUE;
        }
        g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is not a whole number from %2$" G_GUINT64_FORMAT " to %3$" G_GUINT64_FORMAT),
                    value, k->min, k->max);
        break;
    }
    case KEY_FRACTION: {
        double pct;
        if (!dr_units_parse_percent(value, &pct, &err))
            break;
        if (pct < (double)k->min || pct > (double)k->max) {
            g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("'%1$s' is out of range: %2$" G_GUINT64_FORMAT "%% to %3$" G_GUINT64_FORMAT "%%"),
                        value, k->min, k->max);
            break;
        }
        *(double *)field = pct / 100.0;
        return TRUE;
    }
    case KEY_DURATION: {
        uint64_t ms;
        if (!dr_units_parse_duration(value, &ms, &err))
            break;
        if (ms < k->min || ms > k->max) {
            g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("'%1$s' is out of range: %2$" G_GUINT64_FORMAT " ms to %3$" G_GUINT64_FORMAT " ms"),
                        value, k->min, k->max);
            break;
        }
        *(uint64_t *)field = ms;
        return TRUE;
    }
    case KEY_BANDWIDTH: {
        uint64_t b;
        if (strcmp(value, "none") == 0) {
            *(uint64_t *)field = 0;
            return TRUE;
        }
        if (!dr_units_parse_bandwidth(value, &b, &err))
            break;
        if (b == 0) {
            g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("'%s' must be above zero (or none)"), value);
            break;
        }
        *(uint64_t *)field = b;
        return TRUE;
    }
    case KEY_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            *(gboolean *)field = TRUE;
        else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
            *(gboolean *)field = FALSE;
        else
            g_set_error(&err, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("use true or false, not '%s'"), value);
        break;
    }
    if (!err)
        return TRUE;
    g_propagate_error(error, g_steal_pointer(&err));
    return FALSE;
}

static const KeyDef *
lookup(const char *group, const char *key)
{
    for (const KeyDef *k = keys; k->group; k++) {
        if (strcmp(k->group, group) == 0 && strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

static gboolean
group_known(const char *group)
{
    for (const KeyDef *k = keys; k->group; k++) {
        if (strcmp(k->group, group) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean
vdd_config_set(VddConfig *cfg, const char *key, const char *value, GError **error)
{
    const char *dot = strchr(key, '.');
    g_autofree char *group = dot ? g_strndup(key, (gsize)(dot - key)) : NULL;
    const KeyDef *k = dot ? lookup(group, dot + 1) : NULL;
    g_autoptr(GError) err = NULL;

    if (!k) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Unknown setting '%s': see virt-dirtyrated.conf(5)"), key);
        return FALSE;
    }
    if (!set_value(cfg, k, value, &err)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Setting %1$s: %2$s"), key,
                    err->message);
        return FALSE;
    }
    return TRUE;
}

gboolean
vdd_config_load(VddConfig *cfg, const char *path, gboolean missing_ok, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(VddConfig) next = vdd_config_copy(cfg);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) groups = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        if (missing_ok && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Cannot read %1$s: %2$s"), path,
                    err->message);
        return FALSE;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (size_t g = 0; groups[g]; g++) {
        g_auto(GStrv) names = g_key_file_get_keys(kf, groups[g], NULL, NULL);

        for (size_t i = 0; names && names[i]; i++) {
            const KeyDef *k = lookup(groups[g], names[i]);
            g_autofree char *value = NULL;

            if (!k && !group_known(groups[g])) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("%1$s: unknown group [%2$s]: see virt-dirtyrated.conf(5)"), path,
                            groups[g]);
                return FALSE;
            }
            if (!k) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("%1$s: unknown key '%3$s' in group [%2$s]"), path, groups[g], names[i]);
                return FALSE;
            }
            value = g_key_file_get_string(kf, groups[g], names[i], &err);
            if (!value || !set_value(next, k, value, &err)) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("%1$s: [%2$s] %3$s: %4$s"),
                            path, groups[g], names[i], err->message);
                return FALSE;
            }
        }
    }
    /* Everything read: only now does @cfg change. */
    g_free(cfg->uri);
    g_free(cfg->listen);
    g_free(cfg->textfile);
    g_free(cfg->state_dir);
    *cfg = *next;
    g_free(next);
    next = NULL;
    return TRUE;
}
