/*
 * dr-guestmem.c: where a domain's RAM is in guest-physical space
 *
 * QEMU's rule for x86 (hw/i386/pc_piix.c and pc_q35.c, unchanged from
 * 7.2 to 10.0), for the boot RAM size R given with -m:
 *
 *   i440fx ("pc", "pc-i440fx-X.Y"):
 *     R >= 3.5 GiB: 3 GiB below 4 GiB (3.5 GiB on pc-i440fx-1.7 and
 *                   older, which lack gigabyte_align), the rest from 4 GiB
 *     otherwise:    all of R from 0
 *   q35 ("q35", "pc-q35-X.Y"):
 *     R >= 2.75 GiB: 2 GiB below 4 GiB, the rest from 4 GiB
 *     otherwise:     all of R from 0
 *
 * Everything else in guest-physical space is devices, and reading it
 * through virDomainMemoryPeek reaches their registers.  So:
 *   - the legacy VGA/BIOS window 640 KiB..1 MiB is left out;
 *   - on q35, the top of low RAM that the firmware may close as TSEG
 *     (SMRAM, read as a device) is left out: 16 MiB, or the domain's
 *     <smm><tseg> when larger;
 *   - R is the boot RAM (<memory>, less memory devices), never the
 *     balloon's current size;
 *   - hot-plugged DIMMs are added at the base address libvirt reports;
 *     a DIMM without one, or other memory devices (virtio-mem, NVDIMM),
 *     and QEMU arguments passed through <qemu:commandline>, which can
 *     move the split (max-ram-below-4g), make the layout unknown: refuse.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-guestmem.h"
#include <libxml/xpathInternals.h>

#include "dr-xml.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define LEGACY_HOLE_START 0xA0000ULL
#define LEGACY_HOLE_END 0x100000ULL
#define Q35_TSEG_DEFAULT (16 * MiB)
#define MAX_RANGES (3 + DR_GUEST_MEM_MAX_DIMMS)

struct _DrGuestMem {
    DrGuestMemRange ranges[MAX_RANGES];
    size_t nranges;
    uint64_t pages;
};

static void
add_range(DrGuestMem *mem, uint64_t start, uint64_t end)
{
    start = (start + DR_GUEST_PAGE_SIZE - 1) & ~(uint64_t)(DR_GUEST_PAGE_SIZE - 1);
    end &= ~(uint64_t)(DR_GUEST_PAGE_SIZE - 1);
    if (end <= start || mem->nranges >= MAX_RANGES)
        return;
    mem->ranges[mem->nranges].start = start;
    mem->ranges[mem->nranges].size = end - start;
    mem->nranges++;
    mem->pages += (end - start) / DR_GUEST_PAGE_SIZE;
}

/* A libvirt <memory unit='KiB'>N</memory>-like element, in bytes. */
static gboolean
scaled_bytes(xmlXPathContext *ctxt, const char *path, uint64_t *bytes)
{
    g_autofree char *value = NULL;
    g_autofree char *unit = NULL;
    g_autofree char *vexpr = g_strdup_printf("string(%s)", path);
    g_autofree char *uexpr = g_strdup_printf("string(%s/@unit)", path);
    guint64 v;
    uint64_t scale = 1024; /* libvirt's default unit is KiB */

    if (!(value = dr_xml_xpath_string(ctxt, vexpr)) ||
        !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v, NULL))
        return FALSE;
    unit = dr_xml_xpath_string(ctxt, uexpr);
    if (unit) {
        if (strcmp(unit, "b") == 0 || strcmp(unit, "bytes") == 0)
            scale = 1;
        else if (strcmp(unit, "KiB") == 0 || strcmp(unit, "k") == 0)
            scale = 1024;
        else if (strcmp(unit, "MiB") == 0 || strcmp(unit, "M") == 0)
            scale = MiB;
        else if (strcmp(unit, "GiB") == 0 || strcmp(unit, "G") == 0)
            scale = GiB;
        else
            return FALSE;
    }
    if (v > G_MAXUINT64 / scale)
        return FALSE;
    *bytes = v * scale;
    return TRUE;
}

static double
xpath_number(xmlXPathContext *ctxt, const char *expr)
{
    g_autoptr(xmlXPathObject) o = xmlXPathEvalExpression(BAD_CAST expr, ctxt);

    return o && o->type == XPATH_NUMBER ? o->floatval : 0;
}

/* Old i440fx machine types ("pc-i440fx-1.7") split at 3.5 GiB. */
static gboolean
i440fx_gigabyte_align(const char *machine)
{
    const char *ver = g_str_has_prefix(machine, "pc-i440fx-") ? machine + strlen("pc-i440fx-") : NULL;
    guint64 major;

    if (!ver || !g_ascii_isdigit(*ver))
        return TRUE;
    major = g_ascii_strtoull(ver, NULL, 10);
    return major >= 2;
}

/* The hot-plugged DIMMs, at the addresses libvirt reports. */
static gboolean
add_dimms(DrGuestMem *mem, xmlXPathContext *ctxt, uint64_t *devices_bytes, GError **error)
{
    int n = (int)xpath_number(ctxt, "count(/domain/devices/memory)");

    *devices_bytes = 0;
    if (n > DR_GUEST_MEM_MAX_DIMMS) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("The domain has %1$d memory devices; at most %2$d can be laid out"),
                    n, DR_GUEST_MEM_MAX_DIMMS);
        return FALSE;
    }
    for (int i = 1; i <= n; i++) {
        g_autofree char *base = g_strdup_printf("/domain/devices/memory[%d]", i);
        g_autofree char *mexpr = g_strdup_printf("string(%s/@model)", base);
        g_autofree char *aexpr = g_strdup_printf("string(%s/address[@type='dimm']/@base)", base);
        g_autofree char *sizepath = g_strdup_printf("%s/target/size", base);
        g_autofree char *model = dr_xml_xpath_string(ctxt, mexpr);
        g_autofree char *addr = dr_xml_xpath_string(ctxt, aexpr);
        uint64_t size;
        guint64 start;

        if (!model || strcmp(model, "dimm") != 0) {
            g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                        _("The domain has a memory device of model '%1$s', whose guest-physical layout is not known"),
                        model ? model : "?");
            return FALSE;
        }
        if (!scaled_bytes(ctxt, sizepath, &size) || !addr ||
            !g_ascii_string_to_unsigned(addr + (g_str_has_prefix(addr, "0x") ? 2 : 0),
                                        16, 0, G_MAXUINT64 - size, &start, NULL) ||
            start < 4 * GiB) {
            g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                        _("Memory device %1$d of the domain has no valid size and base address"), i);
            return FALSE;
        }
        add_range(mem, start, start + size);
        *devices_bytes += size;
        g_debug("DIMM %d: %" G_GUINT64_FORMAT " bytes at 0x%" G_GINT64_MODIFIER "x",
                i, (guint64)size, (guint64)start);
    }
    return TRUE;
}

DrGuestMem *
dr_guest_mem_new_from_xml(const char *domain_xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *arch = NULL;
    g_autofree char *machine = NULL;
    g_autoptr(DrGuestMem) mem = NULL;
    uint64_t total, devices, ram, below_4g, tseg = 0, low_end;
    gboolean q35;

    if (!(doc = dr_xml_read_libvirt(domain_xml, &ctxt, error)))
        return NULL;
    xmlXPathRegisterNs(ctxt, BAD_CAST "qemu", BAD_CAST "http://libvirt.org/schemas/domain/qemu/1.0");
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
    if (g_str_has_prefix(machine, "pc-q35") || strcmp(machine, "q35") == 0) {
        q35 = TRUE;
    } else if (g_str_has_prefix(machine, "pc-i440fx") || strcmp(machine, "pc") == 0) {
        q35 = FALSE;
    } else {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("Guest memory layout of machine type '%1$s' is not known; use an i440fx or q35 machine"),
                    machine);
        return NULL;
    }
    if (xpath_number(ctxt, "count(/domain/qemu:commandline/* | /domain/qemu:override/*)") > 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("The domain passes its own arguments to QEMU, which can move its RAM; its memory layout is not known for sure"));
        return NULL;
    }
    if (!scaled_bytes(ctxt, "/domain/memory", &total)) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("The domain XML has no valid <memory> size"));
        return NULL;
    }

    mem = g_new0(DrGuestMem, 1);
    if (!add_dimms(mem, ctxt, &devices, error))
        return NULL;
    if (devices >= total) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("The domain's memory devices are not smaller than its <memory>"));
        return NULL;
    }
    ram = total - devices;

    if (q35) {
        below_4g = ram >= 0xb0000000ULL ? 0x80000000ULL : ram;
        scaled_bytes(ctxt, "/domain/features/smm/tseg", &tseg);
        tseg = MAX(tseg, Q35_TSEG_DEFAULT);
    } else {
        uint64_t split = i440fx_gigabyte_align(machine) ? 0xc0000000ULL : 0xe0000000ULL;
        below_4g = ram >= 0xe0000000ULL ? split : ram;
    }
    low_end = below_4g > tseg ? below_4g - tseg : 0;
    g_debug("machine %s, boot RAM %" G_GUINT64_FORMAT " bytes: %" G_GUINT64_FORMAT
            " below 4 GiB, %" G_GUINT64_FORMAT " above, %" G_GUINT64_FORMAT " left out as TSEG",
            machine, (guint64)ram, (guint64)below_4g, (guint64)(ram - below_4g), (guint64)tseg);

    {
        /* The DIMMs were added first; RAM goes before them, in address order. */
        DrGuestMem boot = { .nranges = 0 };
        add_range(&boot, 0, MIN(low_end, LEGACY_HOLE_START));
        add_range(&boot, LEGACY_HOLE_END, low_end);
        if (ram > below_4g)
            add_range(&boot, 4 * GiB, 4 * GiB + (ram - below_4g));
        for (size_t i = 0; i < mem->nranges; i++)
            add_range(&boot, mem->ranges[i].start, mem->ranges[i].start + mem->ranges[i].size);
        *mem = boot;
    }
    for (size_t i = 1; i < mem->nranges; i++) {
        if (mem->ranges[i].start < mem->ranges[i - 1].start + mem->ranges[i - 1].size) {
            g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                        _("A memory device of the domain overlaps its RAM; its memory layout is not known for sure"));
            return NULL;
        }
    }
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
    g_autofree char *xml = NULL;

    /* The live XML: it has the machine type QEMU runs and the DIMMs'
     * addresses.  Its <memory> is the boot size, not the balloon's. */
    if (!(xml = virDomainGetXMLDesc(dom, 0))) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                    _("Cannot read the domain's XML: %1$s"), msg);
        return NULL;
    }
    return dr_guest_mem_new_from_xml(xml, error);
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

uint64_t
dr_guest_mem_contiguous_pages(const DrGuestMem *mem, uint64_t index, uint64_t max)
{
    for (size_t i = 0; i < mem->nranges; i++) {
        uint64_t n = mem->ranges[i].size / DR_GUEST_PAGE_SIZE;
        if (index < n)
            return MIN(max, n - index);
        index -= n;
    }
    return 0;
}
