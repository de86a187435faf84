/*
 * vdd-config.h: virt-dirtyrated's configuration
 *
 * A GKeyFile (virt-dirtyrated.conf(5)) read at start and on SIGHUP,
 * with command-line overrides on top.  Every value is checked here, so
 * the daemon never runs on a half-read file: a reload that fails keeps
 * the configuration in force.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VDD_MONITOR_POLICY, /* domains whose metadata carries our policy */
    VDD_MONITOR_ALL,    /* every running domain */
} VddMonitor;

typedef struct {
    char *uri;                   /* libvirt's; NULL: its default */
    VddMonitor monitor;
    unsigned int max_measurements;
    double jitter;
    uint64_t default_every_ms;   /* for domains without measure.every */
    unsigned int wss_max_seconds;
    uint64_t bandwidth;          /* bytes/s where the policy says measure; 0: none */
    double publish_change;       /* a relative change worth a metadata write */
    uint64_t publish_max_age_ms; /* rewritten at least this often anyway */
    char *listen;                /* "127.0.0.1:9477", "unix:/path" or "none" */
    char *textfile;              /* (nullable) node_exporter's textfile */
    gboolean steer;
    gboolean prepare_cache;      /* set the advised XBZRLE cache ahead */
    uint64_t steer_poll_ms;
    char *state_dir;
    uint64_t reconnect_max_ms;
} VddConfig;

/* The defaults; @state_dir is the configured localstatedir's. */
VddConfig *vdd_config_new(void);
void vdd_config_free(VddConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VddConfig, vdd_config_free)

/* Reads @path over @cfg's values (a missing file is an error unless
 * @missing_ok); on error @cfg is unchanged and @error names the file,
 * the group, the key and what is wrong. */
gboolean vdd_config_load(VddConfig *cfg, const char *path, gboolean missing_ok, GError **error);

/* Sets one "group.key" from text, as the file would (--set). */
gboolean vdd_config_set(VddConfig *cfg, const char *key, const char *value, GError **error);

VddConfig *vdd_config_copy(const VddConfig *cfg);

G_END_DECLS
