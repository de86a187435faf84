/*
 * dr-hostmem.h: the memory the source host can spare
 *
 * XBZRLE's cache lives in the source's QEMU, so its size is capped by
 * what the host has to give.  virNodeGetFreeMemory() is not that figure:
 * it sums the NUMA nodes' free pages, so on a host that has run for a
 * while it leaves out the page cache the kernel gives back on demand, and
 * on some virtual hosts it leaves out memory that no node reports.  The
 * same guest would then get a smaller cache after a large file copy.
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/**
 * dr_hostmem_available:
 *
 * The host's memory that a new allocation can have, in bytes: free,
 * buffers and page cache from virNodeGetMemoryStats() over all cells, as
 * OpenStack Nova counts it.  The page cache includes tmpfs and shared
 * memory, which cannot be given back without swap, so this leans high
 * on a host whose guests use memfd or tmpfs backing: the engine takes
 * half of it at most.  Where libvirt gives no such statistics, the free
 * memory of virNodeGetFreeMemory().
 *
 * Returns: bytes, or 0 when libvirt gave neither.
 */
uint64_t dr_hostmem_available(virConnectPtr conn);

G_END_DECLS
