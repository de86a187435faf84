/*
 * dr-hostmem.c: the memory the source host can spare
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "dr-hostmem.h"

/* More cells than this in one reply is not a reply to trust. */
#define STATS_MAX 64

uint64_t
dr_hostmem_available(virConnectPtr conn)
{
    g_autofree virNodeMemoryStatsPtr stats = NULL;
    int n = 0;
    unsigned long long kib = 0;
    gboolean have_free = FALSE;

    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) == 0 &&
        n > 0 && n <= STATS_MAX) {
        stats = g_new0(virNodeMemoryStats, n);
        if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) < 0)
            n = 0;
        for (int i = 0; i < MIN(n, STATS_MAX); i++) {
            const char *f = stats[i].field;
            unsigned long long v = MIN(stats[i].value, G_MAXUINT64 / 1024 / 4);

            if (strcmp(f, VIR_NODE_MEMORY_STATS_FREE) == 0) {
                kib += v;
                have_free = TRUE;
            } else if (strcmp(f, VIR_NODE_MEMORY_STATS_BUFFERS) == 0 ||
                       strcmp(f, VIR_NODE_MEMORY_STATS_CACHED) == 0) {
                kib += v;
            }
        }
    }
    if (have_free) {
        g_debug("host memory: %llu MiB free, buffers and cache", kib >> 10);
        return (uint64_t)kib * 1024;
    }
    virResetLastError();
    return virNodeGetFreeMemory(conn);
}
