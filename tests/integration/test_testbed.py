"""The test bed itself: the guest boots, its workload runs at the rate it
was given, and it migrates to the destination daemon and back."""
import os
import signal
import time

import pytest

import drtestbed


def assert_rate_near(reports, target, tolerance):
    for t, rate, _ in reports:
        assert abs(rate - target) <= tolerance * target, \
            f"t={t}: achieved {rate} pages/s, configured {target}"


def test_guest_boots_and_reports_rate(make_guest):
    wl = drtestbed.Workload(wss_mib=64, rate=5120, bytes_per_write=1)
    g = make_guest(wl)
    assert "dr-guest: booted" in g.console_text()
    assert "drw: config wss=64MiB rate=5120 pages/s bytes=1 order=seq threads=1 fill=random" \
        in g.console_text()
    # The fill is done before the first report.
    text = g.console_text()
    assert "drw: filled 16384 pages (random)" in text
    assert text.index("drw: filled") < text.index("drw: ready")
    reports = g.wait_rate_reports(3)
    assert_rate_near(reports, wl.rate, 0.05)
    assert g.is_running()


def test_dense_random_workload_with_threads(make_guest):
    wl = drtestbed.Workload(wss_mib=32, rate=1024, bytes_per_write=4096,
                            order="random", threads=2, fill="half")
    g = make_guest(wl)
    assert "order=random threads=2 fill=half" in g.console_text()
    assert "drw: filled 8192 pages (half)" in g.console_text()
    assert_rate_near(g.wait_rate_reports(3), wl.rate, 0.10)
    assert g.is_running()


def test_migrate_to_destination_and_back(testbed, make_guest, source_conn,
                                         dest_conn, free_port):
    wl = drtestbed.Workload(wss_mib=64, rate=2560)
    g = make_guest(wl)
    name = g.name
    assert g.is_running()

    g.migrate(dest_conn, free_port())
    assert g.is_running(), "guest not running on the destination"
    assert name in [d.name() for d in dest_conn.listAllDomains()]
    assert name not in [d.name() for d in source_conn.listAllDomains()]
    # The workload goes on over there.
    assert_rate_near(g.wait_rate_reports(2), wl.rate, 0.10)

    g.migrate(source_conn, free_port())
    assert g.is_running(), "guest not running back on the source"
    assert name not in [d.name() for d in dest_conn.listAllDomains()]
    assert_rate_near(g.wait_rate_reports(2), wl.rate, 0.10)
    assert g.is_running()

    # The rerun of a test whose guest QEMU 7.2 lost (conftest.py) rests on
    # this: a guest that runs is not taken for lost; one that resets
    # after it arrived is, on a QEMU without the fix, and only there.
    assert testbed.lost_to_tcg_bug(name, wait=0, quiet=drtestbed.HUNG_AFTER_S) is None
    # A guest that arrived and then hung is taken for lost too: a QEMU
    # stopped by SIGSTOP stays "running" for libvirt and prints nothing.
    with open(f"/run/libvirt/qemu/{name}.pid") as f:
        qemu_pid = int(f.read().strip())
    os.kill(qemu_pid, signal.SIGSTOP)
    try:
        why = testbed.lost_to_tcg_bug(name, wait=0, quiet=3)
    finally:
        os.kill(qemu_pid, signal.SIGCONT)
    if testbed.qemu_version() < drtestbed.TCG_STORES_FIXED_IN:
        assert why and "by live migration and hung there" in why, why
    else:
        assert why is None
    assert g.is_running()
    g.dom.reset()
    why = testbed.lost_to_tcg_bug(name, wait=30)
    if testbed.qemu_version() < drtestbed.TCG_STORES_FIXED_IN:
        assert why and "arrived on the source by live migration" in why, why
    else:
        assert why is None
        deadline = time.monotonic() + 30
        while g.is_running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not g.is_running(), "the reset guest was not destroyed (on_reboot)"


@pytest.mark.parametrize("method", ["xbzrle", "auto-converge", "multifd"])
def test_migration_methods(testbed, make_guest, source_conn, dest_conn, free_port, method):
    """Each method the engine can choose migrates a guest that keeps
    working, on this bed.  multifd compresses with zstd where libvirt has
    it (>= 9.4, the Debian 13 bed); libvirt 9.0 refuses zstd, and that
    refusal is checked too, before plain multifd migrates."""
    libvirt = testbed.libvirt
    wl = drtestbed.Workload(wss_mib=64, rate=2560)
    g = make_guest(wl)
    g.wait_rate_reports(1)
    params, flags = {}, 0
    if method == "xbzrle":
        params = {libvirt.VIR_MIGRATE_PARAM_COMPRESSION: "xbzrle",
                  libvirt.VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE: 128 << 20}
        flags = libvirt.VIR_MIGRATE_COMPRESSED
    elif method == "auto-converge":
        params = {libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL: 20,
                  libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT: 10}
        flags = libvirt.VIR_MIGRATE_AUTO_CONVERGE
    else:
        params = {libvirt.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS: 2}
        flags = libvirt.VIR_MIGRATE_PARALLEL
        zstd = dict(params, **{libvirt.VIR_MIGRATE_PARAM_COMPRESSION: "zstd"})
        if source_conn.getLibVersion() >= 9004000:
            params, flags = zstd, flags | libvirt.VIR_MIGRATE_COMPRESSED
        else:
            with pytest.raises(libvirt.libvirtError, match="Unsupported compression method"):
                g.migrate(dest_conn, free_port(), params=zstd,
                          flags=flags | libvirt.VIR_MIGRATE_COMPRESSED)
            assert g.is_running(), "a refused migration harmed the guest"
    g.migrate(dest_conn, free_port(), params=params, flags=flags)
    assert g.is_running(), f"guest not running on the destination after {method}"
    assert_rate_near(g.wait_rate_reports(2), wl.rate, 0.10)
