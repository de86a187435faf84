/*
 * dr-guestmem.c: where a domain's RAM is in guest-physical space
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-guestmem.h"
#include "dr-xml.h"

#define GiB (1ULL << 30)
#define LEGACY_HOLE_START 0xA0000ULL
#define LEGACY_HOLE_END 0x100000ULL

struct _DrGuestMem {
    DrGuestMemRange ranges[3];
    size_t nranges;
    uint64_t pages;
};

static void
add_range(DrGuestMem *mem, uint64_t start, uint64_t end)
{
    start = (start + DR_GUEST_PAGE_SIZE - 1) & ~(uint64_t)(DR_GUEST_PAGE_SIZE - 1);
    end &= ~(uint64_t)(DR_GUEST_PAGE_SIZE - 1);
    if (end <= start)
        return;
    mem->ranges[mem->nranges].start = start;
    mem->ranges[mem->nranges].size = end - start;
    mem->nranges++;
    mem->pages += (end - start) / DR_GUEST_PAGE_SIZE;
}

DrGuestMem *
dr_guest_mem_new_from_xml(const char *domain_xml, uint64_t ram_bytes,
                          GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *arch = NULL;
    g_autofree char *machine = NULL;
    g_autoptr(DrGuestMem) mem = NULL;
    uint64_t below_4g;

    if (!(doc = dr_xml_read_libvirt(domain_xml, &ctxt, error)))
        return NULL;
    arch = dr_xml_xpath_string(ctxt, "string(/domain/os/type/@arch)");
    machine = dr_xml_xpath_string(ctxt, "string(/domain/os/type/@machine)");
    if (!arch || (strcmp(arch, "x86_64") != 0 && strcmp(arch, "i686") != 0)) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Guest memory layout of architecture '%1$s' is not known; only x86 guests can be sampled"),
                    arch ? arch : "?");
        return NULL;
    }
    if (!machine) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("The domain XML names no machine type"));
        return NULL;
    }

    /* QEMU 7.2, hw/i386/pc_piix.c and pc_q35.c, with gigabyte_align. */
    if (g_str_has_prefix(machine, "pc-q35") || strcmp(machine, "q35") == 0) {
        below_4g = ram_bytes >= 0xb0000000ULL ? 0x80000000ULL : ram_bytes;
    } else if (g_str_has_prefix(machine, "pc-i440fx") || strcmp(machine, "pc") == 0) {
        below_4g = ram_bytes >= 0xe0000000ULL ? 0xc0000000ULL : ram_bytes;
    } else {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Guest memory layout of machine type '%1$s' is not known; use an i440fx or q35 machine"),
                    machine);
        return NULL;
    }

    mem = g_new0(DrGuestMem, 1);
    add_range(mem, 0, MIN(below_4g, LEGACY_HOLE_START));
    add_range(mem, LEGACY_HOLE_END, below_4g);
    if (ram_bytes > below_4g)
        add_range(mem, 4 * GiB, 4 * GiB + (ram_bytes - below_4g));
    if (mem->pages == 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("The guest has no RAM to sample"));
        return NULL;
    }
    return g_steal_pointer(&mem);
}

DrGuestMem *
dr_guest_mem_new_for_domain(virDomainPtr dom, GError **error)
{
    virDomainInfo info;
    g_autofree char *xml = NULL;

    if (virDomainGetInfo(dom, &info) < 0 || !(xml = virDomainGetXMLDesc(dom, 0))) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("Cannot read the domain's memory size: %1$s"), msg);
        return NULL;
    }
    return dr_guest_mem_new_from_xml(xml, (uint64_t)info.memory * 1024, error);
}

void
dr_guest_mem_free(DrGuestMem *mem)
{
    g_free(mem);
}

uint64_t
dr_guest_mem_pages(const DrGuestMem *mem)
{
    return mem->pages;
}

const DrGuestMemRange *
dr_guest_mem_ranges(const DrGuestMem *mem, size_t *nranges)
{
    *nranges = mem->nranges;
    return mem->ranges;
}

uint64_t
dr_guest_mem_page_address(const DrGuestMem *mem, uint64_t index)
{
    for (size_t i = 0; i < mem->nranges; i++) {
        uint64_t n = mem->ranges[i].size / DR_GUEST_PAGE_SIZE;
        if (index < n)
            return mem->ranges[i].start + index * DR_GUEST_PAGE_SIZE;
        index -= n;
    }
    g_return_val_if_reached(0);
}
