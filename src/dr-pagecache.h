/*
 * dr-pagecache.h: a model of QEMU's XBZRLE page cache
 *
 * It replays page sends, round by round, through a cache with the
 * semantics of QEMU's migration/page_cache.c and ram.c, and counts what
 * migration would do and send.  It holds page numbers only, never page
 * contents: each send carries the encoded size its delta would have.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

#include "dr-xbzrle.h"

G_BEGIN_DECLS

/* A send's delta, as encoded against the cached copy. */
#define DR_PAGE_CACHE_DELTA_OVERFLOW (-1)

typedef struct _DrPageCache DrPageCache;

typedef struct {
    uint64_t rounds;         /* rounds begun */
    uint64_t pages;          /* pages offered to send */
    uint64_t first_pass_pages; /* of which in the first round, sent whole */
    uint64_t full_pages;     /* pages sent whole */
    uint64_t xbzrle_pages;   /* pages sent as an XBZRLE delta */
    uint64_t unchanged;      /* cache hits with no change: nothing sent */
    uint64_t hits;           /* cache hits (xbzrle_pages + unchanged + overflow) */
    uint64_t misses;         /* cache misses, in rounds with XBZRLE on */
    uint64_t overflow;       /* hits whose delta did not fit a page */
    uint64_t insert_refused; /* misses whose slot held a younger page */
    uint64_t xbzrle_bytes;   /* payload + XBZRLE headers of delta pages */
    uint64_t bytes;          /* everything sent, headers included */
    double cache_miss_rate;  /* misses / pages after the first round,
                              * QEMU's cache-miss-rate */
    double encoding_rate;    /* delta pages' size / their encoded size */
} DrPageCacheStats;

/**
 * dr_page_cache_new:
 * @cache_bytes: the XBZRLE cache size, as set with
 *   VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE
 * @page_size: the target page size (4096 on x86)
 *
 * QEMU rounds the number of slots down to a power of two.
 *
 * Returns: a new model, or NULL with @error set when the cache holds
 * less than one page or @page_size is not a power of two.
 */
DrPageCache *dr_page_cache_new(uint64_t cache_bytes, uint32_t page_size,
                               GError **error);
void dr_page_cache_free(DrPageCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrPageCache, dr_page_cache_free)

/* Slots the cache has, after QEMU's rounding. */
uint64_t dr_page_cache_slots(const DrPageCache *cache);

/**
 * dr_page_cache_begin_round:
 *
 * Starts a migration round (a dirty-bitmap sync: QEMU's cache age).
 * The first round sends every page whole and leaves the cache empty;
 * XBZRLE starts with the second.
 */
void dr_page_cache_begin_round(DrPageCache *cache);

/**
 * dr_page_cache_send:
 * @pfn: the page's frame number
 * @encoded_len: the size of its delta against its previous copy: 0 for
 *   an unchanged page, DR_PAGE_CACHE_DELTA_OVERFLOW when the delta does
 *   not fit in a page
 *
 * Sends one dirty page in the current round.
 */
void dr_page_cache_send(DrPageCache *cache, uint64_t pfn, int encoded_len);

void dr_page_cache_get_stats(const DrPageCache *cache, DrPageCacheStats *stats);

G_END_DECLS
