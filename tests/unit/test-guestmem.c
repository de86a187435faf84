/*
 * test-guestmem.c: guest RAM layout from the domain XML
 *
 * Every expectation is QEMU's split rule worked by hand (see the head
 * of src/dr-guestmem.c):
 *   i440fx: R >= 3.5 GiB -> 3 GiB low, R - 3 GiB from 4 GiB; else R low
 *   q35:    R >= 2.75 GiB -> 2 GiB low, R - 2 GiB from 4 GiB; else R low
 * less 640 KiB..1 MiB, and on q35 less the top 16 MiB of low RAM (TSEG).
 */
#include <config.h>

#include "dr-error.h"
#include "dr-guestmem.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define LOW0 { 0, 0xA0000 }

/* @ram and @balloon in KiB, as libvirt writes them. */
static char *
xml_for(const char *arch, const char *machine, uint64_t ram, uint64_t balloon,
        const char *extra)
{
    return g_strdup_printf("<domain type='qemu'><name>t</name>"
                           "<memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>"
                           "<currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>"
                           "<os><type arch='%s' machine='%s'>hvm</type></os>%s</domain>",
                           (guint64)(ram / 1024), (guint64)(balloon / 1024), arch, machine,
                           extra ? extra : "");
}

static void
check_ranges(DrGuestMem *mem, const DrGuestMemRange *expect, size_t n)
{
    size_t got;
    const DrGuestMemRange *r;
    uint64_t pages = 0;

    g_assert_nonnull(mem);
    r = dr_guest_mem_ranges(mem, &got);
    g_assert_cmpuint(got, ==, n);
    for (size_t i = 0; i < n; i++) {
        g_assert_cmphex(r[i].start, ==, expect[i].start);
        g_assert_cmphex(r[i].size, ==, expect[i].size);
        pages += expect[i].size / DR_GUEST_PAGE_SIZE;
    }
    g_assert_cmpuint(dr_guest_mem_pages(mem), ==, pages);
}

typedef struct {
    const char *machine;
    uint64_t ram;
    DrGuestMemRange expect[3];
    size_t n;
} LayoutCase;

static const LayoutCase layout_cases[] = {
    /* i440fx: below 3.5 GiB everything is low. */
    { "pc-i440fx-7.2", 1 * GiB, { LOW0, { 0x100000, 1 * GiB - 0x100000 } }, 2 },
    { "pc-i440fx-7.2", 2816 * MiB, { LOW0, { 0x100000, 2816 * MiB - 0x100000 } }, 2 },
    { "pc", 3 * GiB, { LOW0, { 0x100000, 3 * GiB - 0x100000 } }, 2 },
    /* 4 GiB >= 3.5 GiB: 3 GiB low, 1 GiB high. */
    { "pc", 4 * GiB, { LOW0, { 0x100000, 3 * GiB - 0x100000 }, { 4 * GiB, 1 * GiB } }, 3 },
    { "pc-i440fx-10.0", 8 * GiB, { LOW0, { 0x100000, 3 * GiB - 0x100000 }, { 4 * GiB, 5 * GiB } }, 3 },
    /* pc-i440fx-1.7 has no gigabyte_align: 3.5 GiB low. */
    { "pc-i440fx-1.7", 4 * GiB, { LOW0, { 0x100000, 3584 * MiB - 0x100000 }, { 4 * GiB, 512 * MiB } }, 3 },
    /* q35: below 2.75 GiB everything is low, less 16 MiB of TSEG. */
    { "pc-q35-7.2", 1 * GiB, { LOW0, { 0x100000, 1 * GiB - 16 * MiB - 0x100000 } }, 2 },
    /* 2.75 GiB >= 2.75 GiB: 2 GiB low, 0.75 GiB high. */
    { "q35", 2816 * MiB, { LOW0, { 0x100000, 2 * GiB - 16 * MiB - 0x100000 }, { 4 * GiB, 768 * MiB } }, 3 },
    { "q35", 3 * GiB, { LOW0, { 0x100000, 2 * GiB - 16 * MiB - 0x100000 }, { 4 * GiB, 1 * GiB } }, 3 },
    { "pc-q35-10.0", 4 * GiB, { LOW0, { 0x100000, 2 * GiB - 16 * MiB - 0x100000 }, { 4 * GiB, 2 * GiB } }, 3 },
    { "pc-q35-7.2", 8 * GiB, { LOW0, { 0x100000, 2 * GiB - 16 * MiB - 0x100000 }, { 4 * GiB, 6 * GiB } }, 3 },
    /* Just under the q35 split: 2.75 GiB - 4 KiB stays low. */
    { "q35", 2816 * MiB - 4096, { LOW0, { 0x100000, 2816 * MiB - 4096 - 16 * MiB - 0x100000 } }, 2 },
};

/* The layout follows the boot RAM, whatever the balloon holds: with a
 * balloon at 5/6 of RAM (the 3 GiB q35 guest at 2.5 GiB of the report)
 * the layout is the same as without. */
static void
test_layout(gconstpointer data)
{
    const LayoutCase *c = data;
    uint64_t balloons[] = { c->ram, c->ram / 6 * 5, 512 * MiB };

    for (size_t b = 0; b < G_N_ELEMENTS(balloons); b++) {
        g_autofree char *xml = xml_for("x86_64", c->machine, c->ram, balloons[b], NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, &err);
        g_assert_no_error(err);
        check_ranges(mem, c->expect, c->n);
    }
}

/* The report's case: q35, 3 GiB, balloon 2.5 GiB.  No page address may
 * fall in 2 GiB - 16 MiB .. 4 GiB, where the PCI hole and TSEG are. */
static void
test_no_address_in_hole(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-q35-7.2", 3 * GiB, 2560 * MiB, NULL);
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, NULL);
    uint64_t pages = dr_guest_mem_pages(mem);

    for (uint64_t i = 0; i < pages; i++) {
        uint64_t a = dr_guest_mem_page_address(mem, i);
        g_assert_true(a < 2 * GiB - 16 * MiB || a >= 4 * GiB);
        g_assert_true(a < 0xA0000 || a >= 0x100000);
        g_assert_true(a < 5 * GiB);
    }
}

static void
test_page_address(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-i440fx-7.2", GiB, GiB, NULL);
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, NULL);

    g_assert_cmphex(dr_guest_mem_page_address(mem, 0), ==, 0);
    g_assert_cmphex(dr_guest_mem_page_address(mem, 0x9F), ==, 0x9F000);
    g_assert_cmphex(dr_guest_mem_page_address(mem, 0xA0), ==, 0x100000);
}

/* A run of neighbouring pages stops at a hole: the last page below
 * 640 KiB, the last below the PCI hole, and past the end. */
static void
test_contiguous_pages(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-i440fx-7.2", 4 * GiB, 4 * GiB, NULL);
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, NULL);
    uint64_t pages = dr_guest_mem_pages(mem);
    uint64_t below_pci = 0x9F + 1 + (3 * GiB - 0x100000) / DR_GUEST_PAGE_SIZE;

    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, 0, 16), ==, 16);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, 0x90, 16), ==, 16);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, 0x9F, 16), ==, 1);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, 0xA0, 16), ==, 16);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, below_pci - 3, 16), ==, 3);
    g_assert_cmphex(dr_guest_mem_page_address(mem, below_pci), ==, 4 * GiB);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, below_pci, 16), ==, 16);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, pages - 2, 16), ==, 2);
    g_assert_cmpuint(dr_guest_mem_contiguous_pages(mem, pages, 16), ==, 0);
    /* Every page a run covers is where page_address() puts it. */
    for (uint64_t i = below_pci - 20; i < below_pci + 4; i++) {
        uint64_t n = dr_guest_mem_contiguous_pages(mem, i, 16);
        for (uint64_t j = 0; j < n; j++)
            g_assert_cmphex(dr_guest_mem_page_address(mem, i + j), ==,
                            dr_guest_mem_page_address(mem, i) + j * DR_GUEST_PAGE_SIZE);
    }
}

/* A larger <smm><tseg> is left out too. */
static void
test_q35_tseg(void)
{
    g_autofree char *xml = xml_for("x86_64", "q35", GiB, GiB,
                                   "<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>");
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, NULL);
    const DrGuestMemRange expect[] = { LOW0, { 0x100000, GiB - 48 * MiB - 0x100000 } };

    check_ranges(mem, expect, G_N_ELEMENTS(expect));
}

/* <memory> counts the DIMMs: boot RAM is 4 GiB here, and the 1 GiB DIMM
 * sits where libvirt says. */
static void
test_dimm(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-i440fx-7.2", 5 * GiB, 5 * GiB,
                                   "<devices><memory model='dimm'><target><size unit='KiB'>1048576</size>"
                                   "<node>0</node></target><address type='dimm' slot='0' base='0x180000000'/>"
                                   "</memory></devices>");
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, NULL);
    const DrGuestMemRange expect[] = {
        LOW0, { 0x100000, 3 * GiB - 0x100000 }, { 4 * GiB, 1 * GiB }, { 6 * GiB, 1 * GiB },
    };

    check_ranges(mem, expect, G_N_ELEMENTS(expect));
}

static void
expect_refusal(const char *xml, int code, const char *needle)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(dr_guest_mem_new_from_xml(xml, &err));
    g_assert_error(err, DR_ERROR, code);
    if (needle && !strstr(err->message, needle))
        g_error("'%s' not in '%s'", needle, err->message);
}

static void
test_refused(void)
{
    g_autofree char *arm = xml_for("aarch64", "virt", GiB, GiB, NULL);
    g_autofree char *isa = xml_for("x86_64", "isapc", GiB, GiB, NULL);
    g_autofree char *nobase = xml_for("x86_64", "pc", 5 * GiB, 5 * GiB,
                                      "<devices><memory model='dimm'><target><size unit='KiB'>1048576</size>"
                                      "</target></memory></devices>");
    g_autofree char *vmem = xml_for("x86_64", "q35", 5 * GiB, 5 * GiB,
                                    "<devices><memory model='virtio-mem'><target><size unit='KiB'>1048576</size>"
                                    "</target></memory></devices>");
    g_autofree char *passthrough = xml_for("x86_64", "pc", GiB, GiB,
                                           "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
                                           "<qemu:arg value='-machine'/><qemu:arg value='max-ram-below-4g=1G'/>"
                                           "</qemu:commandline>");

    expect_refusal(arm, DR_ERROR_UNSUPPORTED, "aarch64");
    expect_refusal(isa, DR_ERROR_UNSUPPORTED, "isapc");
    expect_refusal(nobase, DR_ERROR_UNSUPPORTED, "base address");
    expect_refusal(vmem, DR_ERROR_UNSUPPORTED, "virtio-mem");
    expect_refusal(passthrough, DR_ERROR_UNSUPPORTED, "QEMU");
    expect_refusal("<domain", DR_ERROR_PROTOCOL, NULL);
    expect_refusal("<domain><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                   DR_ERROR_PROTOCOL, "<memory>");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(layout_cases); i++) {
        g_autofree char *name = g_strdup_printf("/guestmem/layout/%s/%" G_GUINT64_FORMAT "MiB",
                                                layout_cases[i].machine,
                                                (guint64)(layout_cases[i].ram / MiB));
        g_test_add_data_func(name, &layout_cases[i], test_layout);
    }
    g_test_add_func("/guestmem/no-address-in-hole", test_no_address_in_hole);
    g_test_add_func("/guestmem/page-address", test_page_address);
    g_test_add_func("/guestmem/contiguous-pages", test_contiguous_pages);
    g_test_add_func("/guestmem/q35-tseg", test_q35_tseg);
    g_test_add_func("/guestmem/dimm", test_dimm);
    g_test_add_func("/guestmem/refused", test_refused);
    return g_test_run();
}
