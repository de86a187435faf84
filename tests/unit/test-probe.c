/*
 * test-probe.c: what the probe allows and refuses, before QEMU sees it
 */
#include <config.h>

#include <string.h>

#include "dr-error.h"
#include "dr-probe.h"

#define LIBVIRT_9_0 9000000UL
#define QEMU_7_2 7002022UL
#define LIBVIRT_11_3 11003000UL
#define QEMU_10_0 10000013UL
#define GiB (1ULL << 30)

static DrProbe *
probe(const char *type, const char *features, unsigned long lv, unsigned long qv)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='%s'><name>vm1</name><os><type arch='x86_64' machine='pc'>hvm</type></os>"
        "<features>%s</features></domain>", type, features);
    g_autoptr(GError) err = NULL;
    DrProbe *p = dr_probe_new_from_facts(xml, lv, qv, GiB, 2, &err);

    g_assert_no_error(err);
    return p;
}

static void
assert_refused(const DrProbe *p, const DrDirtyRateRequest *req, int code,
               const char *says)
{
    DrDirtyRateRequest out;
    g_autoptr(GError) err = NULL;

    g_assert_false(dr_probe_resolve(p, req, &out, &err));
    g_assert_error(err, DR_ERROR, code);
    if (!strstr(err->message, says))
        g_error("'%s' does not say '%s'", err->message, says);
}

static void
test_tcg_defaults(void)
{
    g_autoptr(DrProbe) p = probe("qemu", "", LIBVIRT_9_0, QEMU_7_2);
    DrDirtyRateRequest req, out;

    g_assert_cmpint(p->accel, ==, DR_PROBE_ACCEL_TCG);
    g_assert_false(p->dirty_ring);
    g_assert_true(p->native_api);
    dr_dirtyrate_request_init(&req);
    g_assert_true(dr_probe_resolve(p, &req, &out, NULL));
    g_assert_cmpint(out.mode, ==, DR_DIRTYRATE_MODE_PAGE_SAMPLING);
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_NATIVE);
    g_assert_cmpuint(out.period_ms, ==, DR_DIRTYRATE_PERIOD_MS_DEFAULT);
}

static void
test_tcg_refuses_bitmap_and_ring(void)
{
    g_autoptr(DrProbe) p = probe("qemu", "", LIBVIRT_9_0, QEMU_7_2);
    DrDirtyRateRequest req;

    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_DIRTY_BITMAP;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "needs a KVM guest");
    req.backend = DR_DIRTYRATE_BACKEND_QMP;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "QEMU 7.2 aborts");
    req.mode = DR_DIRTYRATE_MODE_DIRTY_RING;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "use page-sampling");
    dr_dirtyrate_request_init(&req);
    req.vcpus = TRUE; /* auto then means dirty-ring */
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "dirty ring");
}

/* QEMU 10.0 no longer aborts in dirty-bitmap mode on TCG: it reports
 * 0 MB/s while the guest writes (found on the Debian 13 bed).  Still
 * refused, with that reason, through either backend. */
static void
test_tcg_bitmap_reason_per_version(void)
{
    g_autoptr(DrProbe) p = probe("qemu", "", LIBVIRT_11_3, QEMU_10_0);
    DrDirtyRateRequest req;

    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_DIRTY_BITMAP;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "QEMU 10.0.13 reports 0 MB/s");
    req.backend = DR_DIRTYRATE_BACKEND_QMP;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "a wrong number");
    req.mode = DR_DIRTYRATE_MODE_DIRTY_RING;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "a TCG guest has no dirty ring");
}

static void
test_kvm(void)
{
    g_autoptr(DrProbe) plain = probe("kvm", "", LIBVIRT_9_0, QEMU_7_2);
    g_autoptr(DrProbe) ring = probe("kvm", "<kvm><dirty-ring state='on' size='4096'/></kvm>",
                                    LIBVIRT_9_0, QEMU_7_2);
    DrDirtyRateRequest req, out;

    dr_dirtyrate_request_init(&req);
    req.mode = DR_DIRTYRATE_MODE_DIRTY_BITMAP;
    g_assert_true(dr_probe_resolve(plain, &req, &out, NULL));
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_NATIVE);
    req.mode = DR_DIRTYRATE_MODE_DIRTY_RING;
    assert_refused(plain, &req, DR_ERROR_UNSUPPORTED, "does not enable");
    g_assert_true(ring->dirty_ring);
    g_assert_cmpuint(ring->dirty_ring_size, ==, 4096);
    g_assert_true(dr_probe_resolve(ring, &req, &out, NULL));
    dr_dirtyrate_request_init(&req);
    req.vcpus = TRUE;
    g_assert_true(dr_probe_resolve(ring, &req, &out, NULL));
    g_assert_cmpint(out.mode, ==, DR_DIRTYRATE_MODE_DIRTY_RING);
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_NATIVE);
    req.mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    assert_refused(ring, &req, DR_ERROR_INVALID_ARG, "Per-vCPU rates come from dirty-ring mode only");
}

static void
test_what_needs_qmp(void)
{
    g_autoptr(DrProbe) p = probe("qemu", "", LIBVIRT_9_0, QEMU_7_2);
    g_autoptr(DrProbe) q82 = probe("qemu", "", LIBVIRT_9_0, 8002000UL);
    DrDirtyRateRequest req, out;

    dr_dirtyrate_request_init(&req);
    req.sample_pages = 4096;
    g_assert_true(dr_probe_resolve(p, &req, &out, NULL));
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_QMP);
    req.forbid_qmp = TRUE;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "cannot set sample pages");
    req.forbid_qmp = FALSE;
    req.backend = DR_DIRTYRATE_BACKEND_NATIVE;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "with the native backend");

    dr_dirtyrate_request_init(&req);
    req.period_ms = 500;
    assert_refused(p, &req, DR_ERROR_UNSUPPORTED, "whole seconds only");
    g_assert_true(dr_probe_resolve(q82, &req, &out, NULL));
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_QMP);
}

static void
test_ranges(void)
{
    g_autoptr(DrProbe) p = probe("qemu", "", LIBVIRT_9_0, QEMU_7_2);
    DrDirtyRateRequest req;

    dr_dirtyrate_request_init(&req);
    req.period_ms = 61000;
    assert_refused(p, &req, DR_ERROR_INVALID_ARG, "use 1 to 60 seconds");
    req.period_ms = 49;
    assert_refused(p, &req, DR_ERROR_INVALID_ARG, "from 50 ms");
    dr_dirtyrate_request_init(&req);
    req.sample_pages = 127;
    assert_refused(p, &req, DR_ERROR_INVALID_ARG, "use 128 to 16384");
    req.sample_pages = 16385;
    assert_refused(p, &req, DR_ERROR_INVALID_ARG, "use 128 to 16384");
}

static void
test_old_versions(void)
{
    g_autoptr(DrProbe) old_libvirt = probe("kvm", "", 7001000UL, QEMU_7_2);
    g_autoptr(DrProbe) old_qemu = probe("kvm", "", LIBVIRT_9_0, 5001000UL);
    g_autoptr(DrProbe) qemu61 = probe("kvm", "", LIBVIRT_9_0, 6001000UL);
    DrDirtyRateRequest req, out;

    dr_dirtyrate_request_init(&req);
    g_assert_true(dr_probe_resolve(old_libvirt, &req, &out, NULL));
    g_assert_cmpint(out.backend, ==, DR_DIRTYRATE_BACKEND_QMP);
    req.forbid_qmp = TRUE;
    assert_refused(old_libvirt, &req, DR_ERROR_UNSUPPORTED, "has no dirty-rate API");
    dr_dirtyrate_request_init(&req);
    assert_refused(old_qemu, &req, DR_ERROR_UNSUPPORTED, "no calc-dirty-rate command");
    req.mode = DR_DIRTYRATE_MODE_DIRTY_BITMAP;
    assert_refused(qemu61, &req, DR_ERROR_UNSUPPORTED, "page-sampling mode only");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe/tcg-defaults", test_tcg_defaults);
    g_test_add_func("/probe/tcg-refuses-bitmap-and-ring", test_tcg_refuses_bitmap_and_ring);
    g_test_add_func("/probe/tcg-bitmap-reason-per-version", test_tcg_bitmap_reason_per_version);
    g_test_add_func("/probe/kvm", test_kvm);
    g_test_add_func("/probe/what-needs-qmp", test_what_needs_qmp);
    g_test_add_func("/probe/ranges", test_ranges);
    g_test_add_func("/probe/old-versions", test_old_versions);
    return g_test_run();
}
