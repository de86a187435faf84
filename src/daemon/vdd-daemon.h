/*
 * vdd-daemon.h: virt-dirtyrated's state and main loop
 *
 * One VddDaemon per process.  Everything it owns is touched from the
 * GLib main loop only; libvirt's events arrive on libvirt's own event
 * thread and are passed to the main loop, measurements run in GTask
 * threads and hand back plain results, and the metrics endpoint copies
 * a finished document under a lock (vdd-http.h).
 */
#pragma once

#include <glib.h>

#include "vdd-config.h"

G_BEGIN_DECLS

typedef struct _VddDaemon VddDaemon;

/* Takes @cfg.  @config_path (nullable) is read again on reload, and
 * @overrides ("group.key=value") applied over it again.  @schema_dir
 * (nullable): the policy schema's directory; NULL: the installed one. */
VddDaemon *vdd_daemon_new(VddConfig *cfg, const char *config_path, char **overrides,
                          const char *schema_dir, GError **error);
void vdd_daemon_free(VddDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VddDaemon, vdd_daemon_free)

/* Runs until vdd_daemon_quit(); FALSE with @error if it could not start. */
gboolean vdd_daemon_run(VddDaemon *d, GError **error);
void vdd_daemon_quit(VddDaemon *d);
/* Reads the configuration again (SIGHUP); a bad file keeps the old one. */
void vdd_daemon_reload(VddDaemon *d);

G_END_DECLS
