/*
 * dr-guestmem.h: where a domain's RAM is in guest-physical space
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

G_BEGIN_DECLS

#define DR_GUEST_PAGE_SIZE 4096
/* Hot-plugged DIMMs that a layout can hold. */
#define DR_GUEST_MEM_MAX_DIMMS 32

typedef struct {
    uint64_t start; /* guest-physical address, page aligned */
    uint64_t size;  /* bytes, page aligned */
} DrGuestMemRange;

typedef struct _DrGuestMem DrGuestMem;

/**
 * dr_guest_mem_new_from_xml:
 * @domain_xml: the domain's live XML
 *
 * Lays out RAM as QEMU does for the domain's x86 machine type (i440fx
 * or q35), from the boot RAM size (<memory> less memory devices, never
 * the balloon's current size): RAM below the 32-bit PCI hole, the rest
 * from 4 GiB, hot-plugged DIMMs where libvirt says they are.  Leaves
 * out the legacy VGA/BIOS window (640 KiB to 1 MiB) and q35's TSEG,
 * whose reads could reach devices.  The rule is in dr-guestmem.c.
 *
 * Returns: the layout, or NULL with @error set when it is not known for
 * sure: another machine type or architecture, memory devices without
 * an address, or QEMU arguments passed through.
 */
DrGuestMem *dr_guest_mem_new_from_xml(const char *domain_xml, GError **error);

/* Layout of a running domain, from libvirt (read-only calls only). */
DrGuestMem *dr_guest_mem_new_for_domain(virDomainPtr dom, GError **error);

void dr_guest_mem_free(DrGuestMem *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrGuestMem, dr_guest_mem_free)

uint64_t dr_guest_mem_pages(const DrGuestMem *mem);
const DrGuestMemRange *dr_guest_mem_ranges(const DrGuestMem *mem, size_t *nranges);

/* The guest-physical address of the @index'th RAM page (0-based,
 * below dr_guest_mem_pages()). */
uint64_t dr_guest_mem_page_address(const DrGuestMem *mem, uint64_t index);

/* How many of the pages from the @index'th on, at most @max, lie one
 * after another in guest-physical space with no hole between them: a
 * read of that many pages from its address reads RAM only.  0 when
 * @index is past the end. */
uint64_t dr_guest_mem_contiguous_pages(const DrGuestMem *mem, uint64_t index, uint64_t max);

G_END_DECLS
