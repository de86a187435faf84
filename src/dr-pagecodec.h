/*
 * dr-pagecodec.h: multifd's whole-page compressors, as QEMU runs them
 *
 * QEMU's multifd-zstd and multifd-zlib keep one compression stream per
 * channel for the whole migration.  Each packet of up to
 * DR_PAGE_CODEC_PACKET_PAGES pages is fed into it page by page and
 * flushed at its end (ZSTD_e_flush, Z_SYNC_FLUSH), at level 1 unless
 * multifd-zstd-level / multifd-zlib-level say otherwise.  A DrPageCodec
 * does the same with the same libraries and counts bytes in, bytes out
 * and the CPU time it took, so that the decision engine gets the ratio
 * and the speed of the real codec on the guest's own pages.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    DR_PAGE_CODEC_ZSTD,
    DR_PAGE_CODEC_ZLIB,

    DR_PAGE_CODEC_LAST
} DrPageCodecKind;

const char *dr_page_codec_kind_to_string(DrPageCodecKind kind);

/* MULTIFD_PACKET_SIZE (512 KiB) in 4 KiB pages. */
#define DR_PAGE_CODEC_PACKET_PAGES 128
/* QEMU's default multifd-zstd-level and multifd-zlib-level. */
#define DR_PAGE_CODEC_LEVEL_DEFAULT 1

typedef struct _DrPageCodec DrPageCodec;

/* A stream of @kind at @level.  Aborts only where g_malloc would: out of
 * memory. */
DrPageCodec *dr_page_codec_new(DrPageCodecKind kind, int level);
void dr_page_codec_free(DrPageCodec *codec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrPageCodec, dr_page_codec_free)

/* Compresses one page of @len bytes (at most 64 KiB) into the current
 * packet; the packet is flushed when it holds
 * DR_PAGE_CODEC_PACKET_PAGES pages.  A codec that failed once (which
 * zstd and zlib only do on bad parameters) ignores further pages and
 * reports no ratio. */
void dr_page_codec_add(DrPageCodec *codec, const uint8_t *page, size_t len);
/* Ends the current packet, as the last packet of a round is ended. */
void dr_page_codec_flush(DrPageCodec *codec);
/* Ends the current packet and drops what the stream remembers, so that
 * no later page is matched against one fed before.  A sample fed the
 * same page once per round needs it between rounds: in QEMU's stream a
 * page's earlier copy lies a whole round back, beyond zstd's window
 * (512 KiB at level 1) and zlib's (32 KiB) unless the round is tiny,
 * while in a sample of a few hundred pages it lies close enough for
 * zstd to find it and report a ratio the migration never sees. */
void dr_page_codec_forget(DrPageCodec *codec);

uint64_t dr_page_codec_bytes_in(const DrPageCodec *codec);
uint64_t dr_page_codec_bytes_out(const DrPageCodec *codec);
/* Bytes in / bytes out, after a flush; 0 when nothing went in or the
 * codec failed. */
double dr_page_codec_ratio(const DrPageCodec *codec);
/* Below this much input the CPU time is too coarse to give a speed: 32
 * pages, some 3-5 ms of zlib on random bytes, against a thread CPU
 * clock of nanoseconds and a codec's first-touch faults of some 0.2 ms. */
#define DR_PAGE_CODEC_SPEED_MIN_BYTES (128 * 1024)

/* Bytes in per second of this thread's CPU time; 0 when too little was
 * compressed to time it. */
double dr_page_codec_speed(const DrPageCodec *codec);
/* The CPU time it took so far, for timing several codecs of a kind
 * together; 0 when it failed. */
double dr_page_codec_cpu_seconds(const DrPageCodec *codec);

G_END_DECLS
