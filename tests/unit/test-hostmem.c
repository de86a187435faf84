/*
 * test-hostmem.c: the host's available memory, where libvirt has no
 * memory statistics (the test driver): the free memory, and no error
 * left behind.  The statistics path runs on the test bed
 * (test_migrate.py::test_advise_json_plans_xbzrle_for_the_sparse_set).
 */
#include <config.h>

#include <libvirt/virterror.h>

#include "dr-hostmem.h"

static void
silence(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static void
test_fallback(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    unsigned long long free_bytes;

    g_assert_nonnull(conn);
    free_bytes = virNodeGetFreeMemory(conn);
    g_assert_cmpuint(free_bytes, >, 0);
    g_assert_cmpuint(dr_hostmem_available(conn), ==, free_bytes);
    g_assert_null(virGetLastError());
    virConnectClose(conn);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, silence);
    g_test_add_func("/hostmem/fallback", test_fallback);
    return g_test_run();
}
