/*
 * vdd-http.h: the metrics endpoint
 *
 * libmicrohttpd serves GET /metrics (Prometheus text) on a loopback
 * address or a Unix socket, from its own thread: slow or malformed
 * requests never hold up measurements.  The document is swapped in whole
 * by the main loop (vdd_http_set_metrics) and copied out under a lock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VddHttp VddHttp;

/* @listen: "ADDRESS:PORT" or "unix:PATH" (vdd-config.h checked it). */
VddHttp *vdd_http_start(const char *listen, GError **error);
void vdd_http_stop(VddHttp *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VddHttp, vdd_http_stop)

void vdd_http_set_metrics(VddHttp *http, const char *text);

G_END_DECLS
