/*
 * vdd-http.c: the metrics endpoint
 *
 * See vdd-http.h.  libmicrohttpd parses HTTP; this file only answers.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <microhttpd.h>

#include "dr-error.h"
#include "vdd-http.h"

/* Connections at once, and how long an idle or slow one may hold on. */
#define VDD_HTTP_CONNECTIONS 64
#define VDD_HTTP_TIMEOUT_S 10

#if MHD_VERSION < 0x00097002
typedef int MhdResult;
#else
typedef enum MHD_Result MhdResult;
#endif

struct _VddHttp {
    struct MHD_Daemon *mhd;
    GMutex lock;
    char *metrics;
    char *unix_path; /* removed at stop */
};

static MhdResult
answer(void *opaque, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_size, void **state)
{
    VddHttp *http = opaque;
    struct MHD_Response *resp;
    unsigned int status = MHD_HTTP_OK;
    const char *type = "text/plain; version=0.0.4; charset=utf-8";
    char *body;
    MhdResult ret;

    (void)version;
    (void)upload_data;
    /* The first call is for the headers only. */
    if (!*state) {
        *state = http;
        return MHD_YES;
    }
    *upload_size = 0;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = g_strdup("only GET\n");
        type = "text/plain; charset=utf-8";
    } else if (strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        body = g_strdup("virt-dirtyrated serves /metrics\n");
        type = "text/plain; charset=utf-8";
    } else {
        g_mutex_lock(&http->lock);
        body = g_strdup(http->metrics ? http->metrics : "");
        g_mutex_unlock(&http->lock);
    }
    resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        g_free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int
unix_listener(const char *path, GError **error)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG, _("Socket path too long: %s"), path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        goto fail;
    /* A socket left by a daemon that died; nothing else is removed. */
    {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(path);
    }
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 32) < 0)
        goto fail;
    return fd;

 fail:
    g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Cannot listen on %1$s: %2$s"), path,
                g_strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static int
tcp_listener(const char *listen_on, GError **error)
{
    const char *colon = strrchr(listen_on, ':');
    g_autofree char *host = g_strndup(listen_on, (gsize)(colon - listen_on));
    guint64 port = g_ascii_strtoull(colon + 1, NULL, 10);
    g_autoptr(GInetAddress) addr = NULL;
    g_autoptr(GSocketAddress) sa = NULL;
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GError) err = NULL;
    int fd;

    /* "[::1]" as well as "::1". */
    if (host[0] == '[' && g_str_has_suffix(host, "]")) {
        char *inner = g_strndup(host + 1, strlen(host) - 2);
        g_free(host);
        host = inner;
    }
    if (!(addr = g_inet_address_new_from_string(host))) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%s' is not an IP address (the metrics endpoint takes no host names)"), host);
        return -1;
    }
    sa = g_inet_socket_address_new(addr, (guint16)port);
    if (!(sock = g_socket_new(g_inet_address_get_family(addr), G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_TCP, &err)) ||
        !g_socket_bind(sock, sa, TRUE, &err) || !g_socket_listen(sock, &err)) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Cannot listen on %1$s: %2$s"), listen_on,
                    err->message);
        return -1;
    }
    fd = dup(g_socket_get_fd(sock));
    if (fd < 0)
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, "dup: %s", g_strerror(errno));
    return fd;
}

VddHttp *
vdd_http_start(const char *listen_on, GError **error)
{
    g_autoptr(VddHttp) http = g_new0(VddHttp, 1);
    int fd;

    g_mutex_init(&http->lock);
    if (g_str_has_prefix(listen_on, "unix:")) {
        http->unix_path = g_strdup(listen_on + 5);
        fd = unix_listener(http->unix_path, error);
    } else {
        fd = tcp_listener(listen_on, error);
    }
    if (fd < 0) {
        g_clear_pointer(&http->unix_path, g_free);
        return NULL;
    }
    http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                                 0, NULL, NULL, answer, http,
                                 MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)VDD_HTTP_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)VDD_HTTP_TIMEOUT_S,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                                 MHD_OPTION_END);
    if (!http->mhd) {
        close(fd);
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Cannot start the metrics endpoint on %s"),
                    listen_on);
        return NULL;
    }
    return g_steal_pointer(&http);
}

void
vdd_http_stop(VddHttp *http)
{
    if (!http)
        return;
    if (http->mhd) {
        int fd = MHD_quiesce_daemon(http->mhd);
        MHD_stop_daemon(http->mhd);
        if (fd >= 0)
            close(fd);
    }
    if (http->unix_path)
        unlink(http->unix_path);
    g_free(http->unix_path);
    g_free(http->metrics);
    g_mutex_clear(&http->lock);
    g_free(http);
}

void
vdd_http_set_metrics(VddHttp *http, const char *text)
{
    char *copy = g_strdup(text);

    g_mutex_lock(&http->lock);
    g_free(http->metrics);
    http->metrics = copy;
    g_mutex_unlock(&http->lock);
}
