/*
 * dr-migsim.h: predict a pre-copy migration, round by round
 *
 * A pure function: plain data about the guest, the host, the link and
 * the migration settings in; a predicted outcome out.  No libvirt call.
 *
 * The model (docs/decision-engine.md has it with its sources in QEMU):
 *
 *   W(T)    memory the guest dirties in a period T: the working-set
 *           curve, min(r T, W) for pages written in order and
 *           W (1 - exp(-r T / W)) for random writes.
 *   B       the link (and libvirt's bandwidth limit), bytes/s.
 *   round 1 sends all RAM whole, less zero pages (a few bytes each);
 *           it takes d1 = bytes1 / B.
 *   round k sends what the guest dirtied during round k-1: the pages of
 *           W(f d_{k-1}), f the auto-converge throttle's effect on the
 *           dirty rate.  With XBZRLE each page goes through a model of
 *           QEMU's page cache (dr-pagecache.h): a hit costs its encoded
 *           delta, a miss or an overflow a whole page.  The round takes
 *           d_k = max(wire bytes / B, encoded bytes / encoder speed).
 *   switch  QEMU stops the guest when what is left, uncompressed, fits
 *           in B x max downtime; the downtime is the last round's wire
 *           bytes / B plus the device state.
 *   throttle  auto-converge adds its increment whenever, in two periods
 *           of at least 1 s, the guest dirtied more than half of what
 *           was sent.  A throttle x leaves the vCPUs 1 - x of their time;
 *           a guest that used u of it keeps its rate while 1 - x >= u,
 *           and then slows by (1 - x) / u.  u is measured; where it is
 *           not, the prediction says it is uncertain.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

#include "dr-compress.h"
#include "dr-wss.h"

G_BEGIN_DECLS

/* What both ends of a migration support. */
typedef enum {
    DR_MIG_CAP_XBZRLE = 1 << 0,
    DR_MIG_CAP_MULTIFD = 1 << 1,
    DR_MIG_CAP_MULTIFD_ZSTD = 1 << 2,
    DR_MIG_CAP_MULTIFD_ZLIB = 1 << 3,
    DR_MIG_CAP_AUTO_CONVERGE = 1 << 4,
    DR_MIG_CAP_POSTCOPY = 1 << 5,
    DR_MIG_CAP_DIRTY_LIMIT = 1 << 6,
    /* Not a feature but a behaviour: the source's QEMU (>= 8.1) counts a
     * multifd packet against the bandwidth limit once a channel has sent
     * it, at its size on the wire.  Older ones count its pages' raw size
     * when it is queued (DrMigMultifdAccounting). */
    DR_MIG_CAP_MULTIFD_COUNTS_SENT = 1 << 7,
    /* Not a feature but a hazard: the domain runs under TCG on a source
     * QEMU older than 9.0, which loses guest stores during a multi-pass
     * migration (its dirty-bitmap sync leaves the TCG TLB stale; fixed by
     * QEMU commit 03bfc2188f).  The guest may crash on arrival. */
    DR_MIG_CAP_TCG_LOSES_STORES = 1 << 8,
} DrMigCaps;

typedef enum {
    DR_MIG_COMPRESSION_NONE,
    DR_MIG_COMPRESSION_XBZRLE,  /* not with multifd: QEMU refuses the pair */
    DR_MIG_COMPRESSION_ZSTD,    /* multifd only */
    DR_MIG_COMPRESSION_ZLIB,    /* multifd only */

    DR_MIG_COMPRESSION_LAST
} DrMigCompression;

const char *dr_mig_compression_to_string(DrMigCompression c);

/* Kinds of migration whose link use differs: one stream, one stream
 * with XBZRLE, multifd, multifd with compression. */
typedef enum {
    DR_MIG_LINK_CLASS_PLAIN,
    DR_MIG_LINK_CLASS_XBZRLE,
    DR_MIG_LINK_CLASS_MULTIFD,
    DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED,

    DR_MIG_LINK_CLASS_LAST
} DrMigLinkClass;

const char *dr_mig_link_class_to_string(DrMigLinkClass cls);

/* How the source's QEMU sets multifd's packets against the bandwidth
 * limit (migration/multifd.c). */
typedef enum {
    DR_MIG_MULTIFD_ACCOUNTING_UNKNOWN, /* taken as SENT, and said to be uncertain */
    /* QEMU < 8.1: the pages' raw size, when the packet is queued.  The
     * limit paces raw pages: zstd and zlib shrink the bytes, not the time. */
    DR_MIG_MULTIFD_ACCOUNTING_QUEUED,
    /* QEMU >= 8.1: the packet's size on the wire, once a channel has sent
     * it.  The main thread checks the limit before it queues a packet,
     * so in each of QEMU's 100 ms windows the packets that the channels
     * hold when the limit is reached go out beyond it: up to one packet
     * per channel per window more than the limit, where the link is
     * faster than the limit. */
    DR_MIG_MULTIFD_ACCOUNTING_SENT,
} DrMigMultifdAccounting;

const char *dr_mig_multifd_accounting_to_string(DrMigMultifdAccounting a);

/* QEMU checks the bandwidth limit in windows of this length
 * (BUFFER_DELAY, migration/migration.h). */
#define DR_MIG_RATE_WINDOW_S 0.1

/* The length of the density map of the working set over guest RAM. */
#define DR_MIG_PLACEMENT_BINS 64

/* The simulation never follows more than this many pages: bigger guests
 * are scaled down by a power of two, cache and working set alike. */
#define DR_MIG_SIM_PAGES_MAX 16384

/* Device state and the switch itself, added to every downtime.  About
 * what the test bed showed (28-37 ms for a whole switchover); it is a
 * guess for other machines and devices. */
#define DR_MIG_SWITCHOVER_S 0.02

/* Before the first page moves: libvirt prepares the destination and
 * starts its QEMU, and the two negotiate.  bench/migration-trace saw
 * the first byte move 0.8-1.0 s into the job on both test beds (QEMU
 * 7.2 and 10.0), for every setting; a guess elsewhere. */
#define DR_MIG_SETUP_S 1.0

/* One stream's time for each zero page of the first pass, beyond its
 * bytes: its runs of zero pages held the stream up for 0-5.6 us a page
 * after a measurement had read the guest's memory (as advise and
 * migrate do), and 7-9 us a page where nothing had read it before
 * (page faults), on the test beds.  The middle of the first range; a
 * guess elsewhere.  multifd's channels showed no such cost after a
 * measurement, so it is left out for them. */
#define DR_MIG_ZERO_PAGE_S 3e-6

/* Bytes QEMU adds to each page it sends, and sends for a zero page. */
#define DR_MIG_PAGE_OVERHEAD 8
#define DR_MIG_ZERO_PAGE_BYTES 9

/* Everything the model needs, as plain data. */
typedef struct {
    /* the guest */
    uint64_t ram_bytes;
    uint32_t page_size;
    unsigned int vcpus;
    double zero_fraction;       /* of RAM: zero pages in the first pass */
    double vcpu_busy;           /* share of vCPU time the guest uses, 0-1;
                                 * < 0: not measured */

    /* how it dirties memory */
    double dirty_rate;          /* bytes/s, measured mean */
    DrWssModel wss_model;
    double wss_bytes;           /* W of the curve */
    double wss_rate;            /* r of the curve, bytes/s */
    double wss_bytes_high;      /* upper end of W's 95% interval; 0: not known */
    double wss_rate_high;       /* a high but plausible r: where the curve was
                                 * already flat at its shortest period, r is
                                 * only a lower bound; 0: not known */
    double wss_span_s;          /* the curve's longest period; 0: not known */
    gboolean wss_open;          /* the curve had not flattened by then: W
                                 * is a fit beyond the data */
    double hot_fraction;        /* of the working set: written every round */
    /* density of the working set in each of DR_MIG_PLACEMENT_BINS equal
     * stretches of RAM, 0-1; all 0: not measured (the set is then laid
     * out in one piece, which is best for QEMU's direct-mapped cache) */
    double placement[DR_MIG_PLACEMENT_BINS];

    /* how its changed pages compress */
    gboolean have_xbzrle;       /* the next three were measured */
    double xbzrle_encoded;      /* mean delta of a changed page that fits */
    double overflow_fraction;   /* of changed pages */
    /* Whole-page compression ratio of multifd's codecs (original /
     * compressed).  The first pass sends the non-zero pages as they lie
     * in RAM; later rounds send changed pages, which compress
     * differently (a guest writing random data into memory that
     * otherwise holds code and text).  0: not measured, taken as 1; an
     * unmeasured first-pass ratio is flagged uncertain. */
    double page_ratio_first[DR_PAGE_CODEC_LAST];
    double page_ratio[DR_PAGE_CODEC_LAST];

    /* the source host */
    uint64_t host_free_bytes;   /* available: free, buffers and cache (dr-hostmem.h); 0: not known */
    unsigned int host_cpus;
    /* CPUs' worth of the host busy with other work than this guest's
     * vCPUs (other guests, other processes), measured over a quiet
     * moment; the migration's threads share what is left.  0: none, or
     * not measured. */
    double host_other_cpus;
    double xbzrle_encode_speed; /* page bytes/s one thread encodes; 0: not known */
    /* One thread's speed on the changed pages of later rounds, and on
     * the first pass's pages (0: as on the changed ones); 0: not known. */
    double page_codec_speed[DR_PAGE_CODEC_LAST];
    double page_codec_speed_first[DR_PAGE_CODEC_LAST];

    /* the link */
    double bandwidth;           /* bytes/s */
    DrMigMultifdAccounting multifd_accounting; /* the source's QEMU */
    /* What this host's migrations of each kind really moved per second
     * of the bandwidth asked (dr-calibration.h); 0: not calibrated,
     * taken as 1. */
    double link_factor[DR_MIG_LINK_CLASS_LAST];
} DrMigInput;

void dr_mig_input_init(DrMigInput *in);

/* Takes the working-set curve (its model, W and r, its span and whether
 * it flattened) from @wss. */
void dr_mig_input_set_wss(DrMigInput *in, const DrWss *wss);
/* Takes the deltas, overflow, hot share, zero pages, the written set's
 * placement and the whole-page codecs' ratios and speeds from @est; a
 * stretch no page was sampled from gets the whole sample's density. */
void dr_mig_input_set_compress(DrMigInput *in, const DrCompressEstimate *est);

/* One way to migrate. */
typedef struct {
    DrMigCompression compression;
    uint64_t xbzrle_cache;      /* bytes, with XBZRLE */
    unsigned int parallel;      /* multifd connections; 0: no multifd */
    gboolean auto_converge;
    unsigned int auto_converge_initial;   /* percent */
    unsigned int auto_converge_increment; /* percent */
    gboolean postcopy;          /* switch to postcopy after the first pass */
    double dirty_limit;         /* bytes/s per vCPU; 0: none */
    uint64_t max_downtime_ms;
    uint64_t max_time_ms;       /* past it, the migration has not converged */
} DrMigSettings;

typedef enum {
    DR_MIG_UNCERTAIN_THROTTLE = 1 << 0,  /* vCPU use not measured */
    DR_MIG_UNCERTAIN_PLACEMENT = 1 << 1, /* working set's layout not measured */
    DR_MIG_UNCERTAIN_XBZRLE = 1 << 2,    /* deltas not measured */
    DR_MIG_UNCERTAIN_PAGE_RATIO = 1 << 3,/* whole-page ratio not measured */
    DR_MIG_UNCERTAIN_ENCODER = 1 << 4,   /* encoder speed not measured */
    DR_MIG_UNCERTAIN_POSTCOPY = 1 << 5,  /* page faults over the link */
    DR_MIG_UNCERTAIN_LINK = 1 << 6,      /* multifd's pace past the limit, uncalibrated */
    DR_MIG_UNCERTAIN_WSS = 1 << 7,       /* the first pass outlasts an open curve */
} DrMigUncertainty;

typedef struct {
    gboolean converges;      /* switched over by itself within max time */
    double total_s;          /* to the switchover; max time when it does not */
    double downtime_s;       /* when it converges; else what it would be if
                              * forced at max time */
    uint64_t bytes;          /* sent, headers included */
    unsigned int rounds;     /* dirty-bitmap syncs, QEMU's dirty-sync-count */
    double pending_bytes;    /* dirty at the end (uncompressed) */
    double cache_miss_rate;  /* XBZRLE, after the first round */
    double throttle;         /* auto-converge's last share, 0-0.99 */
    uint64_t source_memory;  /* bytes the source host gives the migration */
    double source_cpu_s;     /* encoding and compression CPU time */
    double postcopy_s;       /* time in postcopy, with postcopy */
    unsigned int uncertain;  /* DrMigUncertainty */
} DrMigPrediction;

DrMigLinkClass dr_mig_link_class(const DrMigSettings *s);

/* The time a migration of kind @cls spends on @zero_pages zero pages
 * beyond their bytes (DR_MIG_ZERO_PAGE_S a page on one stream, none on
 * multifd's channels): the model adds it, the calibration takes it out. */
double dr_mig_zero_pages_s(DrMigLinkClass cls, double zero_pages);

/* Checks @in and @s; FALSE with @error naming the value that is wrong. */
gboolean dr_mig_check(const DrMigInput *in, const DrMigSettings *s, GError **error);

/**
 * dr_mig_predict:
 *
 * Runs the model for @s on @in (checked with dr_mig_check()).  It is
 * deterministic: the same input gives the same prediction.
 *
 * Returns: FALSE with @error when the input is not valid.
 */
gboolean dr_mig_predict(const DrMigInput *in, const DrMigSettings *s,
                        DrMigPrediction *out, GError **error);

/* W(T): bytes dirtied in @period_s, from the input's curve. */
double dr_mig_dirtied(const DrMigInput *in, double period_s);

G_END_DECLS
