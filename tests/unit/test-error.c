/*
 * test-error.c: libvirt's errors on a domain, as libdirtyrate names
 * them, on libvirt's test driver: an unsupported call, a stopped
 * domain, and a failure whose error libvirt has already cleared (the
 * domain destroyed under a measurement, test_compress.py on the bed).
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"

static void
silence(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static void
test_domain_errors(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom;
    g_autoptr(GError) unsupported = NULL;
    g_autoptr(GError) running = NULL;
    g_autoptr(GError) stopped = NULL;
    g_autoptr(GError) cleared = NULL;

    g_assert_nonnull(conn);
    dom = virDomainLookupByName(conn, "test");
    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainIsActive(dom), ==, 1);

    /* The test driver cannot measure a dirty rate: unsupported, named. */
    g_assert_cmpint(virDomainStartDirtyRateCalc(dom, 1, 0), <, 0);
    dr_error_set_libvirt_domain(&unsupported, dom, "starting a dirty-rate measurement");
    g_assert_error(unsupported, DR_ERROR, DR_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(unsupported->message, "domain 'test'"));
    g_assert_nonnull(strstr(unsupported->message, "starting a dirty-rate measurement"));

    /* No error left to say, and the domain runs on: a libvirt failure,
     * after the wait for a dying domain. */
    virResetLastError();
    dr_error_set_libvirt_domain(&running, dom, "its memory was read");
    g_assert_error(running, DR_ERROR, DR_ERROR_LIBVIRT);

    /* Stopped: a call that libvirt refuses for it. */
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    g_assert_cmpint(virDomainSuspend(dom), <, 0);
    dr_error_set_libvirt_domain(&stopped, dom, "it was paused");
    g_assert_error(stopped, DR_ERROR, DR_ERROR_NO_DOMAIN);
    g_assert_nonnull(strstr(stopped->message, "went away"));

    /* Stopped, and libvirt's error already cleared: the domain's state
     * says it went away. */
    virResetLastError();
    dr_error_set_libvirt_domain(&cleared, dom, "its memory was read");
    g_assert_error(cleared, DR_ERROR, DR_ERROR_NO_DOMAIN);
    g_assert_nonnull(strstr(cleared->message, "Domain 'test' stopped or went away"));

    g_assert_cmpint(virDomainCreate(dom), ==, 0);
    virDomainFree(dom);
    virConnectClose(conn);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, silence);
    g_test_add_func("/error/domain", test_domain_errors);
    return g_test_run();
}
