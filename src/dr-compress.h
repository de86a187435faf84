/*
 * dr-compress.h: how well XBZRLE would compress a live guest
 *
 * Samples random guest-physical pages with virDomainMemoryPeek (which
 * taints nothing), samples them again after an interval, and encodes the
 * delta of every page that changed with our XBZRLE codec.  The result is
 * plain data for the decision engine.
 */
#pragma once

#include <stdint.h>

#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "dr-estimate.h"
#include "dr-pagecodec.h"

G_BEGIN_DECLS

#define DR_COMPRESS_PAGES_MIN 16
#define DR_COMPRESS_PAGES_MAX 16384
#define DR_COMPRESS_PAGES_DEFAULT 256
#define DR_COMPRESS_INTERVAL_MS_MIN 100
#define DR_COMPRESS_INTERVAL_MS_MAX 60000
#define DR_COMPRESS_INTERVAL_MS_DEFAULT 2000
#define DR_COMPRESS_ROUNDS_MIN 1
#define DR_COMPRESS_ROUNDS_MAX 100
#define DR_COMPRESS_ROUNDS_DEFAULT 3
/* Pages of each kind (first read, changed) given to the whole-page
 * codecs at most: 16 MiB, a third of a second of zlib. */
#define DR_COMPRESS_CODEC_PAGES_MAX 4096
/* Neighbouring pages read at most at each sampled page for the zero
 * share and the first pass's whole-page ratio: 64 KiB, the most one
 * virDomainMemoryPeek may read through libvirt's remote protocol. */
#define DR_COMPRESS_RUN_PAGES_MAX 16
/* Stretches of RAM over which the written set's density is mapped. */
#define DR_COMPRESS_PLACEMENT_BINS 64

/* Encoded-size classes of a changed page's delta, in bytes. */
typedef enum {
    DR_COMPRESS_SIZE_TINY,      /* 1-16 */
    DR_COMPRESS_SIZE_SMALL,     /* 17-64 */
    DR_COMPRESS_SIZE_MEDIUM,    /* 65-256 */
    DR_COMPRESS_SIZE_LARGE,     /* 257-1024 */
    DR_COMPRESS_SIZE_HUGE,      /* 1025-4095 */
    DR_COMPRESS_SIZE_OVERFLOW,  /* does not fit a page: sent whole */

    DR_COMPRESS_SIZE_LAST
} DrCompressSizeClass;

const char *dr_compress_size_class_name(DrCompressSizeClass cls);

typedef struct {
    unsigned int pages;       /* K, pages sampled */
    unsigned int interval_ms; /* between two samples of a page */
    unsigned int rounds;      /* intervals observed */
    uint64_t seed;            /* for the page choice; 0: random */
} DrCompressParams;

void dr_compress_params_init(DrCompressParams *params);

typedef struct {
    unsigned int pages;          /* sampled */
    unsigned int rounds;         /* intervals observed */
    double interval_s;           /* mean time between a page's two reads */
    double requested_interval_s; /* what was asked; reads can take longer */
    double elapsed_s;            /* wall time of the whole estimate */
    uint64_t ram_bytes;          /* guest RAM sampled from */
    uint64_t observations;       /* pages x rounds */
    uint64_t changed;            /* observations where the page changed */

    DrEstimate dirty_fraction;   /* of all pages, per interval */
    DrEstimate overflow_fraction;/* of changed pages */
    DrEstimate mean_encoded;     /* bytes, of changed pages that fit */
    DrEstimate xbzrle_share;     /* bytes XBZRLE sends / full-page bytes,
                                  * for changed pages, headers included */
    double encoding_rate;        /* QEMU's: page bytes / encoded bytes */
    uint64_t size_classes[DR_COMPRESS_SIZE_LAST];

    /* temperature[c]: sampled pages that changed in c of the rounds
     * (c = 0..rounds); rounds + 1 entries. */
    uint64_t *temperature;
    DrEstimate written_set_bytes; /* pages changed at least once */
    DrEstimate hot_set_bytes;     /* pages changed in every round */
    uint64_t written_read_pages;  /* pages the written set stands on:
                                   * the runs of neighbours, first read
                                   * before the rounds and again in the
                                   * last round */
    double written_span_s;        /* the mean time between those two
                                   * reads of a run: the written set's
                                   * period; 0 without runs */

    DrEstimate zero_fraction;     /* of pages first read, all zero */
    uint64_t first_read_pages;    /* pages the zero share and the first
                                   * pass's ratios stand on */
    /* Where the written set lies: of the pages sampled in each of
     * DR_COMPRESS_PLACEMENT_BINS equal stretches of RAM, how many, and
     * how many of them changed at least once. */
    uint32_t bin_sampled[DR_COMPRESS_PLACEMENT_BINS];
    uint32_t bin_written[DR_COMPRESS_PLACEMENT_BINS];

    /* What multifd's whole-page codecs make of these pages, run as QEMU
     * runs them (dr-pagecodec.h): original / compressed bytes of the
     * non-zero pages as first read, in runs of neighbours, which is what
     * the first pass sends,
     * and of the changed pages as re-read, which is what later rounds
     * send.  0: no such page was sampled. */
    double first_ratio[DR_PAGE_CODEC_LAST];
    double changed_ratio[DR_PAGE_CODEC_LAST];
    /* Bytes one thread compresses per second of its CPU, on both kinds
     * of pages together; 0: too few pages to time. */
    double codec_speed[DR_PAGE_CODEC_LAST];
    /* The same on each kind alone, where it had enough pages to be
     * timed, else the speed on both together: a codec's speed depends
     * on the bytes (zlib level 1 does random pages at a third of its
     * speed on text), and the first pass's mix is not the changed
     * pages' random bytes. */
    double codec_speed_first[DR_PAGE_CODEC_LAST];
    double codec_speed_changed[DR_PAGE_CODEC_LAST];
} DrCompressEstimate;

void dr_compress_estimate_free(DrCompressEstimate *est);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrCompressEstimate, dr_compress_estimate_free)

/**
 * dr_compress_params_check:
 * Returns: TRUE, or FALSE with @error naming the parameter and its range.
 */
gboolean dr_compress_params_check(const DrCompressParams *params, GError **error);

/**
 * dr_compress_estimate:
 * @dom: a running domain, on a read-write connection (libvirt allows
 *   memory peeking on those only)
 * @params: checked with dr_compress_params_check()
 * @cancellable: (nullable): stops the sampling early
 *
 * Returns: the estimate, or NULL with @error set: bad parameters, a
 * domain that is not running or vanishes, a guest whose memory layout we
 * do not know, a failed read.  Nothing is written to the guest.
 */
DrCompressEstimate *dr_compress_estimate(virDomainPtr dom,
                                         const DrCompressParams *params,
                                         GCancellable *cancellable,
                                         GError **error);

G_END_DECLS
