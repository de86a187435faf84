/*
 * dr-pagecache.c: a model of QEMU's XBZRLE page cache
 *
 * QEMU's semantics (migration/page_cache.c, ram.c save_xbzrle_page):
 * - the cache is direct-mapped: slot = pfn % slots, slots a power of two;
 * - a hit refreshes the entry's age to the current round;
 * - a miss inserts the page, unless the slot holds another page whose age
 *   is less than CACHED_PAGE_LIFETIME (2) rounds old;
 * - a miss or a refused insert sends the page whole;
 * - a hit sends the delta, nothing when the page is unchanged, or the
 *   whole page when the delta overflows;
 * - XBZRLE is off until the first full pass is done.
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-pagecache.h"

#define CACHED_PAGE_LIFETIME 2
#define NO_PAGE UINT64_MAX

typedef struct {
    uint64_t pfn;
    uint64_t age;
} DrPageCacheSlot;

struct _DrPageCache {
    uint32_t page_size;
    uint64_t mask;
    uint64_t age;            /* the current round, QEMU's dirty_sync_count */
    DrPageCacheSlot *slots;
    DrPageCacheStats stats;
};

DrPageCache *
dr_page_cache_new(uint64_t cache_bytes, uint32_t page_size, GError **error)
{
    g_autoptr(DrPageCache) cache = NULL;
    uint64_t nslots;

    if (page_size == 0 || (page_size & (page_size - 1))) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Page size %1$u is not a power of two"), page_size);
        return NULL;
    }
    if (cache_bytes < page_size) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("An XBZRLE cache of %1$llu bytes holds no page of %2$u bytes"),
                    (unsigned long long)cache_bytes, page_size);
        return NULL;
    }
    nslots = 1ULL << (63 - __builtin_clzll(cache_bytes / page_size));

    cache = g_new0(DrPageCache, 1);
    cache->page_size = page_size;
    cache->mask = nslots - 1;
    cache->slots = g_try_new(DrPageCacheSlot, nslots);
    if (!cache->slots) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot allocate a model of %1$llu cache slots"),
                    (unsigned long long)nslots);
        return NULL;
    }
    for (uint64_t i = 0; i < nslots; i++) {
        cache->slots[i].pfn = NO_PAGE;
        cache->slots[i].age = 0;
    }
    return g_steal_pointer(&cache);
}

void
dr_page_cache_free(DrPageCache *cache)
{
    if (!cache)
        return;
    g_free(cache->slots);
    g_free(cache);
}

uint64_t
dr_page_cache_slots(const DrPageCache *cache)
{
    return cache->mask + 1;
}

void
dr_page_cache_begin_round(DrPageCache *cache)
{
    cache->age++;
    cache->stats.rounds++;
}

static void
send_full(DrPageCache *cache)
{
    cache->stats.full_pages++;
    cache->stats.bytes += DR_XBZRLE_PAGE_HEADER + cache->page_size;
}

void
dr_page_cache_send(DrPageCache *cache, uint64_t pfn, int encoded_len)
{
    DrPageCacheSlot *slot;

    cache->stats.pages++;
    if (cache->stats.rounds < 2) {
        /* The first pass: no XBZRLE, nothing cached. */
        cache->stats.first_pass_pages++;
        send_full(cache);
        return;
    }

    slot = &cache->slots[pfn & cache->mask];
    if (slot->pfn != pfn) {
        cache->stats.misses++;
        if (slot->pfn != NO_PAGE &&
            slot->age + CACHED_PAGE_LIFETIME > cache->age) {
            cache->stats.insert_refused++;
        } else {
            slot->pfn = pfn;
            slot->age = cache->age;
        }
        send_full(cache);
        return;
    }

    slot->age = cache->age;
    cache->stats.hits++;
    if (encoded_len == 0) {
        cache->stats.unchanged++;
    } else if (encoded_len < 0 || (uint32_t)encoded_len >= cache->page_size) {
        cache->stats.overflow++;
        send_full(cache);
    } else {
        uint64_t b = DR_XBZRLE_DELTA_HEADER + (uint64_t)encoded_len;
        cache->stats.xbzrle_pages++;
        cache->stats.xbzrle_bytes += b;
        cache->stats.bytes += DR_XBZRLE_PAGE_HEADER + b;
    }
}

void
dr_page_cache_get_stats(const DrPageCache *cache, DrPageCacheStats *stats)
{
    uint64_t later = cache->stats.pages - cache->stats.first_pass_pages;

    *stats = cache->stats;
    stats->cache_miss_rate = later ? (double)cache->stats.misses / (double)later : 0.0;
    stats->encoding_rate = cache->stats.xbzrle_bytes ?
        (double)(cache->stats.xbzrle_pages * cache->page_size) /
        (double)cache->stats.xbzrle_bytes : 0.0;
}
