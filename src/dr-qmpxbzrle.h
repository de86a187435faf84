/*
 * dr-qmpxbzrle.h: XBZRLE as QEMU sees it, through QMP
 *
 * query-migrate-capabilities (is xbzrle on), query-migrate-parameters
 * (xbzrle-cache-size) and, during a migration, query-migrate's
 * "xbzrle-cache" counters; with them, whether multifd is on, how many
 * channels and which compression it uses, which libvirt's job statistics
 * do not say.  QMP passthrough taints the domain: callers ask the policy
 * first (measure.qmp).
 */
#pragma once

#include <stdint.h>

#include "dr-qmp.h"

G_BEGIN_DECLS

typedef struct {
    gboolean capability;     /* the xbzrle migration capability is on */
    uint64_t cache_size;     /* the xbzrle-cache-size parameter, bytes */
    char *status;            /* query-migrate's status; NULL: no migration yet */
    gboolean have_stats;     /* the counters below came with it */
    uint64_t stats_cache_size;
    uint64_t bytes;          /* XBZRLE bytes sent */
    uint64_t pages;          /* pages sent as XBZRLE */
    uint64_t cache_miss;
    uint64_t overflow;
    double cache_miss_rate;  /* QEMU's, over its last period */
    gboolean have_encoding_rate; /* QEMU >= 5.1 */
    double encoding_rate;
    gboolean multifd;        /* the multifd migration capability is on */
    unsigned int multifd_channels;  /* 0: QEMU did not say */
    char *multifd_compression;      /* "none", "zlib", "zstd"...; NULL: not said */
} DrQmpXbzrle;

/* At most this many multifd channels is a believable reply. */
#define DR_QMP_MULTIFD_CHANNELS_MAX 255

void dr_qmp_xbzrle_clear(DrQmpXbzrle *x);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DrQmpXbzrle, dr_qmp_xbzrle_clear)

/* Runs the three queries; FALSE with @error on a failed or malformed
 * reply (every number is checked for type and range). */
gboolean dr_qmp_xbzrle_query(DrQmp *qmp, DrQmpXbzrle *out, GError **error);

G_END_DECLS
