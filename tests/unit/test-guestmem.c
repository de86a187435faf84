/*
 * test-guestmem.c: guest RAM layout from the domain XML
 */
#include <config.h>

#include "dr-error.h"
#include "dr-guestmem.h"

#define GiB (1ULL << 30)

static char *
xml_for(const char *arch, const char *machine)
{
    return g_strdup_printf("<domain type='qemu'><name>t</name><os>"
                           "<type arch='%s' machine='%s'>hvm</type></os></domain>",
                           arch, machine);
}

static void
check_ranges(DrGuestMem *mem, const DrGuestMemRange *expect, size_t n)
{
    size_t got;
    const DrGuestMemRange *r = dr_guest_mem_ranges(mem, &got);
    uint64_t pages = 0;

    g_assert_cmpuint(got, ==, n);
    for (size_t i = 0; i < n; i++) {
        g_assert_cmphex(r[i].start, ==, expect[i].start);
        g_assert_cmphex(r[i].size, ==, expect[i].size);
        pages += expect[i].size / DR_GUEST_PAGE_SIZE;
    }
    g_assert_cmpuint(dr_guest_mem_pages(mem), ==, pages);
}

static void
test_i440fx_1g(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-i440fx-7.2");
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, GiB, NULL);
    const DrGuestMemRange expect[] = {
        { 0, 0xA0000 }, { 0x100000, GiB - 0x100000 },
    };

    check_ranges(mem, expect, G_N_ELEMENTS(expect));
    g_assert_cmphex(dr_guest_mem_page_address(mem, 0), ==, 0);
    g_assert_cmphex(dr_guest_mem_page_address(mem, 0x9F), ==, 0x9F000);
    g_assert_cmphex(dr_guest_mem_page_address(mem, 0xA0), ==, 0x100000);
}

static void
test_i440fx_4g(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc");
    g_autoptr(DrGuestMem) mem = dr_guest_mem_new_from_xml(xml, 4 * GiB, NULL);
    const DrGuestMemRange expect[] = {
        { 0, 0xA0000 }, { 0x100000, 0xc0000000ULL - 0x100000 },
        { 4 * GiB, GiB },
    };

    check_ranges(mem, expect, G_N_ELEMENTS(expect));
}

static void
test_q35(void)
{
    g_autofree char *xml = xml_for("x86_64", "pc-q35-7.2");
    g_autoptr(DrGuestMem) big = dr_guest_mem_new_from_xml(xml, 3 * GiB, NULL);
    g_autoptr(DrGuestMem) small = dr_guest_mem_new_from_xml(xml, 0xa0000000ULL, NULL);
    const DrGuestMemRange expect_big[] = {
        { 0, 0xA0000 }, { 0x100000, 0x80000000ULL - 0x100000 },
        { 4 * GiB, GiB },
    };
    const DrGuestMemRange expect_small[] = {
        { 0, 0xA0000 }, { 0x100000, 0xa0000000ULL - 0x100000 },
    };

    check_ranges(big, expect_big, G_N_ELEMENTS(expect_big));
    check_ranges(small, expect_small, G_N_ELEMENTS(expect_small));
}

static void
test_refused(void)
{
    g_autofree char *arm = xml_for("aarch64", "virt");
    g_autofree char *isa = xml_for("x86_64", "isapc");
    g_autoptr(GError) err = NULL;

    g_assert_null(dr_guest_mem_new_from_xml(arm, GiB, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "aarch64"));
    g_clear_error(&err);
    g_assert_null(dr_guest_mem_new_from_xml(isa, GiB, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "isapc"));
    g_clear_error(&err);
    g_assert_null(dr_guest_mem_new_from_xml("<domain", GiB, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_PROTOCOL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/guestmem/i440fx-1g", test_i440fx_1g);
    g_test_add_func("/guestmem/i440fx-4g", test_i440fx_4g);
    g_test_add_func("/guestmem/q35", test_q35);
    g_test_add_func("/guestmem/refused", test_refused);
    return g_test_run();
}
