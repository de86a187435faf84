/*
 * dr-pagecodec.c: multifd's whole-page compressors, as QEMU runs them
 *
 * See QEMU's migration/multifd-zstd.c and multifd-zlib.c: one stream per
 * channel, pages fed with ZSTD_e_continue / Z_NO_FLUSH and the packet's
 * last page with ZSTD_e_flush / Z_SYNC_FLUSH.  Only the sizes are kept.
 */
#include <config.h>

#include <string.h>
#include <time.h>

#include <zlib.h>
#include <zstd.h>

#include "dr-pagecodec.h"

#define PAGE_MAX 65536
#define OUT_CHUNK 65536

struct _DrPageCodec {
    DrPageCodecKind kind;
    ZSTD_CCtx *zstd;
    z_stream zlib;
    gboolean zlib_ready;
    gboolean failed;
    unsigned int packet_pages;
    uint64_t in, out;
    double cpu_s;
    uint8_t buf[OUT_CHUNK];
};

const char *
dr_page_codec_kind_to_string(DrPageCodecKind kind)
{
    switch (kind) {
    case DR_PAGE_CODEC_ZSTD:
        return "zstd";
    case DR_PAGE_CODEC_ZLIB:
        return "zlib";
    case DR_PAGE_CODEC_LAST:
        break;
    }
    return "unknown";
}

static double
thread_cpu_s(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

DrPageCodec *
dr_page_codec_new(DrPageCodecKind kind, int level)
{
    g_autoptr(DrPageCodec) c = g_new0(DrPageCodec, 1);

    g_return_val_if_fail(kind < DR_PAGE_CODEC_LAST, NULL);
    c->kind = kind;
    if (kind == DR_PAGE_CODEC_ZSTD) {
        if (!(c->zstd = ZSTD_createCCtx()))
            g_error("%s: out of memory", G_STRLOC);
        if (ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel, level)))
            c->failed = TRUE;
    } else {
        int rc = deflateInit(&c->zlib, level);
        if (rc == Z_MEM_ERROR)
            g_error("%s: out of memory", G_STRLOC);
        c->zlib_ready = rc == Z_OK;
        c->failed = rc != Z_OK;
    }
    return g_steal_pointer(&c);
}

void
dr_page_codec_free(DrPageCodec *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zstd);
    if (c->zlib_ready)
        deflateEnd(&c->zlib);
    g_free(c);
}

/* Feeds @len bytes (possibly 0) with @flush, counting what comes out. */
static void
zstd_run(DrPageCodec *c, const uint8_t *data, size_t len, gboolean flush)
{
    ZSTD_inBuffer in = { data, len, 0 };
    ZSTD_EndDirective mode = flush ? ZSTD_e_flush : ZSTD_e_continue;

    for (;;) {
        ZSTD_outBuffer out = { c->buf, sizeof(c->buf), 0 };
        size_t left = ZSTD_compressStream2(c->zstd, &out, &in, mode);

        if (ZSTD_isError(left)) {
            g_debug("zstd: %s", ZSTD_getErrorName(left));
            c->failed = TRUE;
            return;
        }
        c->out += out.pos;
        if (in.pos == in.size && (!flush || left == 0))
            return;
    }
}

static void
zlib_run(DrPageCodec *c, const uint8_t *data, size_t len, gboolean flush)
{
    c->zlib.next_in = (Bytef *)data;
    c->zlib.avail_in = (uInt)len;
    for (;;) {
        int rc;

        c->zlib.next_out = c->buf;
        c->zlib.avail_out = sizeof(c->buf);
        rc = deflate(&c->zlib, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            g_debug("zlib: deflate returned %d", rc);
            c->failed = TRUE;
            return;
        }
        c->out += sizeof(c->buf) - c->zlib.avail_out;
        /* Done when the input is taken and the output did not fill up. */
        if (c->zlib.avail_in == 0 && c->zlib.avail_out > 0)
            return;
    }
}

static void
run(DrPageCodec *c, const uint8_t *data, size_t len, gboolean flush)
{
    double t0 = thread_cpu_s();

    if (c->kind == DR_PAGE_CODEC_ZSTD)
        zstd_run(c, data, len, flush);
    else
        zlib_run(c, data, len, flush);
    c->cpu_s += thread_cpu_s() - t0;
}

void
dr_page_codec_add(DrPageCodec *c, const uint8_t *page, size_t len)
{
    g_return_if_fail(c && page && len > 0 && len <= PAGE_MAX);
    if (c->failed)
        return;
    c->in += len;
    run(c, page, len, ++c->packet_pages >= DR_PAGE_CODEC_PACKET_PAGES);
    if (c->packet_pages >= DR_PAGE_CODEC_PACKET_PAGES)
        c->packet_pages = 0;
}

void
dr_page_codec_flush(DrPageCodec *c)
{
    g_return_if_fail(c);
    if (c->failed || c->packet_pages == 0)
        return;
    run(c, NULL, 0, TRUE);
    c->packet_pages = 0;
}

void
dr_page_codec_forget(DrPageCodec *c)
{
    g_return_if_fail(c);
    dr_page_codec_flush(c);
    if (c->failed)
        return;
    if (c->kind == DR_PAGE_CODEC_ZSTD) {
        /* A new frame; its header is counted as it is written. */
        size_t rc = ZSTD_CCtx_reset(c->zstd, ZSTD_reset_session_only);
        if (ZSTD_isError(rc)) {
            g_debug("zstd: resetting the stream: %s", ZSTD_getErrorName(rc));
            c->failed = TRUE;
        }
    } else {
        int rc = deflateReset(&c->zlib);
        if (rc != Z_OK) {
            g_debug("zlib: deflateReset returned %d", rc);
            c->failed = TRUE;
        }
    }
}

uint64_t
dr_page_codec_bytes_in(const DrPageCodec *c)
{
    return c->in;
}

double
dr_page_codec_cpu_seconds(const DrPageCodec *c)
{
    return c->failed ? 0 : c->cpu_s;
}

uint64_t
dr_page_codec_bytes_out(const DrPageCodec *c)
{
    return c->out;
}

double
dr_page_codec_ratio(const DrPageCodec *c)
{
    if (c->failed || c->in == 0 || c->out == 0)
        return 0;
    return (double)c->in / (double)c->out;
}

double
dr_page_codec_speed(const DrPageCodec *c)
{
    if (c->failed || c->in < DR_PAGE_CODEC_SPEED_MIN_BYTES || c->cpu_s <= 0)
        return 0;
    return (double)c->in / c->cpu_s;
}
