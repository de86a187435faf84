"""virt-dirtyrated on the real test bed: it publishes status metadata that
plain virsh reads, serves valid Prometheus text on its endpoint (parsed
here), keeps serving beside malformed and idle connections, survives a
libvirtd restart, a guest destroyed mid-measurement and a bad reload, and
stops cleanly on SIGTERM.  One guest (two for the destroy case), booted
once for the module: the bed's time is counted in CI.  And TESTBED.md's
headline migration, started with plain virsh and QEMU's 64 MiB cache,
converges only with the daemon steering it."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

import drtestbed
from conftest import TOP_BUILDDIR, TOP_SRCDIR

STATUS_NS = "https://virt-dirtyrate.org/xmlns/status/1"
# A TCG guest's measurement (1 s rate, 1 s + 2 s working set, the
# compressibility sample) takes ~10 s; on a loaded machine far more.
WAIT_S = 180

METRIC_LINE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*)?\})? '
    r'(?P<value>-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$')


def parse_prometheus(text):
    """The text format's samples as {(name, labels): value}; fails on any
    line that is not a comment, a HELP/TYPE line or a valid sample."""
    samples = {}
    typed = set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            assert len(parts) >= 3, line
            if parts[1] == "TYPE":
                assert parts[3] in ("gauge", "counter", "untyped", "histogram", "summary"), line
                typed.add(parts[2])
            continue
        assert not line.startswith("#") or line.startswith("# "), line
        if line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not a Prometheus sample: {line!r}"
        labels = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                         m.group(3) or "")))
        samples[(m.group(1), labels)] = float(m.group("value"))
    return samples, typed


def Daemon(port, state_dir, conf="", extra=(), uri=drtestbed.SOURCE_URI):
    return drtestbed.Daemon(TOP_BUILDDIR, TOP_SRCDIR, port, state_dir, conf, extra, uri)


def status_xml(name, *flags, uri=drtestbed.SOURCE_URI):
    r = subprocess.run(["virsh", "-c", uri, "metadata", name, "--uri", STATUS_NS,
                        *flags], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def set_policy(vdr, name, *settings):
    args = []
    for s in settings:
        args += ["--set", s]
    r = vdr("domdirtyrate-policy", name, "--live", *args)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def daemon_guest(testbed):
    g = testbed.boot_guest(drtestbed.Workload(wss_mib=32, rate=2048), memory_mib=256, vcpus=1)
    g.wait_ready()
    yield g
    g.destroy()


def test_daemon_publishes_serves_and_survives(testbed, daemon_guest, vdr, free_port, tmp_path):
    g = daemon_guest
    set_policy(vdr, g.name, "measure.every=5s", "network.bandwidth=40MiB/s")
    d = Daemon(free_port(), str(tmp_path))
    try:
        # 1. Published in the live metadata, read with plain virsh.
        d.wait_log(rf"Monitoring domain '{g.name}'")
        deadline = time.monotonic() + WAIT_S
        xml = ""
        while time.monotonic() < deadline and "<advice " not in xml:
            assert d.proc.poll() is None, d.text()
            time.sleep(1)
            xml = status_xml(g.name)
        assert "<measurement " in xml and "<advice " in xml, (xml, d.text())
        rate = float(re.search(r'dirty-rate="([0-9.]+)"', xml).group(1))
        low = float(re.search(r'dirty-rate-low="([0-9.]+)"', xml).group(1))
        high = float(re.search(r'dirty-rate-high="([0-9.]+)"', xml).group(1))
        # Page sampling on a small guest may see no dirty page in 1 s:
        # the interval says how much it could be.
        assert 0 <= low <= rate <= high and high > 0, xml
        wss = float(re.search(r'working-set="([0-9.]+)"', xml).group(1))
        wss_low = float(re.search(r'working-set-low="([0-9.]+)"', xml).group(1))
        wss_high = float(re.search(r'working-set-high="([0-9.]+)"', xml).group(1))
        assert 0 <= wss_low <= wss <= wss_high and wss > 0, xml
        # The grammar holds what the daemon wrote.
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(xml.replace("<status", f'<status xmlns="{STATUS_NS}"', 1)
                    if "xmlns=" not in xml.split(">", 1)[0] else xml)
            f.flush()
            r = subprocess.run(["xmllint", "--noout", "--relaxng",
                                os.path.join(TOP_SRCDIR, "schemas", "status.rng"), f.name],
                               capture_output=True, text=True)
            assert r.returncode == 0, (r.stderr, xml)

        # 2. The endpoint: valid Prometheus text with the same numbers.
        samples, typed = parse_prometheus(d.metrics())
        mine = {k: v for k, v in samples.items() if ("domain", g.name) in k[1]}
        assert mine, samples
        def one(name):
            vals = [v for (n, _), v in mine.items() if n == "virt_dirtyrate_" + name]
            assert len(vals) == 1, (name, mine)
            return vals[0]
        # Measured every 5 s, so not necessarily the one in the metadata.
        assert 0 <= one("dirty_rate_low_bytes_per_second") <= one("dirty_rate_bytes_per_second") \
            <= one("dirty_rate_high_bytes_per_second"), mine
        assert one("working_set_bytes") > 0 and one("advice_converges") in (0, 1), mine
        assert one("working_set_low_bytes") <= one("working_set_bytes") \
            <= one("working_set_high_bytes"), mine
        for (n, _), _v in mine.items():
            base = re.sub(r"_(sum|count|bucket)$", "", n)
            assert n in typed or base in typed, f"{n} has no TYPE line"
        assert g.is_running()

        # 3. Malformed requests and idle connections do not stop it.
        idle = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
            idle.append(s)
        with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
            s.sendall(b"\x00\xffGARBAGE / HTTP/9.9\r\n\r\n")
            # Answered with an error or held until its timeout: either way
            # it does not hold up the next request.
        t0 = time.monotonic()
        assert "virt_dirtyrate_" in d.metrics()
        assert time.monotonic() - t0 < 5
        req = urllib.request.Request(f"http://127.0.0.1:{d.port}/other")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.code == 404
        for s in idle:
            s.close()

        # 4. A libvirtd restart: it reconnects and publishes again.
        from test_dirtyrate import restart_system_libvirtd
        mark = len(d.text())
        conn = restart_system_libvirtd()
        g.conn, g.dom = conn, conn.lookupByName(g.name)
        d.wait_log(r"Connected to libvirt", start=mark)
        mark = len(d.text())
        d.wait_log(rf"{g.name}: dirty rate [0-9.]+ MiB/s", start=mark)
        assert g.is_running()

        # 5. A bad configuration on SIGHUP is refused; the daemon runs on.
        with open(d.conf, "a") as f:
            f.write("[measure]\nmax-running=0\n")
        mark = len(d.text())
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log(r"Configuration not reloaded: .*max-running", start=mark)
        assert "virt_dirtyrate_" in d.metrics()

        # 6. SIGTERM: a clean stop.
        assert d.stop() == 0, d.text()
        assert "virt-dirtyrated stopped" in d.text()
        assert g.is_running()
    finally:
        d.stop()


def test_daemon_survives_a_guest_destroyed_mid_measurement(testbed, daemon_guest, vdr, free_port,
                                                           tmp_path):
    g = daemon_guest
    victim = testbed.boot_guest(drtestbed.Workload(wss_mib=16, rate=64), memory_mib=256, vcpus=1)
    victim.wait_ready()
    set_policy(vdr, victim.name, "measure.every=3s", "network.bandwidth=40MiB/s")
    # A malformed policy on the other guest is warned about once, skipped.
    import libvirt
    g.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                      '<policy><limits max-downtime="5 parsecs"/></policy>',
                      "dirtyrate", "https://virt-dirtyrate.org/xmlns/policy/1",
                      libvirt.VIR_DOMAIN_AFFECT_LIVE)
    d = Daemon(free_port(), str(tmp_path))
    try:
        d.wait_log(rf"{victim.name}: measuring")
        victim.destroy()
        d.wait_log(rf"(went away while it was measured|Measuring domain '{victim.name}' failed)")
        time.sleep(2)
        assert d.proc.poll() is None, d.text()
        samples, _ = parse_prometheus(d.metrics())
        assert not [k for k in samples if ("domain", victim.name) in k[1]], samples
        assert d.text().count(f"Domain '{g.name}' is skipped") == 1, d.text()
        assert g.is_running()
        assert d.stop() == 0, d.text()
    finally:
        d.stop()
        victim.destroy()


# The steering scenario (TESTBED.md): 1 byte into 25600 pages/s over a
# 256 MiB set of a 1 GiB guest (~100 MB/s), a 40 MiB/s link, and plain
# virsh migrate --compressed: XBZRLE with QEMU's 64 MiB cache, which
# misses three pages in four and never converges.  QEMU does not resize
# the cache of a running migration (it reports the new size and keeps
# the old), so the daemon sets the size its advice predicts best ahead,
# after measuring (within the default cap, 25% of RAM: 256 MiB, which
# holds this set), and the same command converges.  Steered runs took
# 17-21 s on both beds; the unsteered one is given up at GIVE_UP_S
# (TESTBED.md saw it still going at 128 s), with its rounds and the data
# left printed.
STEER_BANDWIDTH_MIB = 40
GIVE_UP_S = 50
STEER_ARGS = ("--compressed", "--comp-methods", "xbzrle")


def test_daemon_steers_a_plain_virsh_migrate(testbed, vdr, free_port, tmp_path):
    g = testbed.boot_guest(drtestbed.Workload(wss_mib=256, rate=25600))
    conn = testbed.connect("source")
    d = dd = None
    try:
        g.wait_ready()
        g.wait_rate_reports(2)
        # Persistent, as Nova's are; and migrated as Nova does, with
        # --persistent --undefinesource, so the source's definition is
        # gone and the record is the destination daemon's to keep.
        conn.defineXML(g.dom.XMLDesc(0))
        set_policy(vdr, g.name, "measure.every=20s",
                   f"network.bandwidth={STEER_BANDWIDTH_MIB}MiB/s")

        off = drtestbed.virsh_migrate(g, free_port(), STEER_BANDWIDTH_MIB, GIVE_UP_S, STEER_ARGS)
        print(f"\nwithout the daemon: {off}")
        assert not off["converged"] and off["aborted"], off
        assert g.is_running()

        os.mkdir(tmp_path / "source")
        os.mkdir(tmp_path / "dest")
        d = Daemon(free_port(), str(tmp_path / "source"))
        dd = Daemon(free_port(), str(tmp_path / "dest"), uri=drtestbed.dest_uri())
        # It measures, advises, and sets the cache for the next migration.
        m = d.wait_log(rf"{g.name}: XBZRLE cache set to ([0-9]+) MiB for its next migration "
                       r"\(was 64 MiB\)")
        assert 128 <= int(m.group(1)) <= 256, d.text()
        assert g.is_running()
        # The status says what a plain migration will run: the plan, or
        # where the plan is another, the prepared XBZRLE setting beside it
        # (both from one measurement: one reading holds no race).
        xml = status_xml(g.name, "--live")
        adv = re.search(r'<advice plan="([^"]+)"[^>]*?(?:/>|>(.*?)</advice>)', xml, re.S)
        assert adv, (xml, d.text())
        if not re.fullmatch(r"xbzrle [0-9]+MiB", adv.group(1)):
            assert re.search(r'<prepared plan="xbzrle [0-9]+MiB" converges="yes" total-ms="[1-9]',
                             adv.group(2) or ""), xml
        else:
            assert "<prepared" not in xml, xml
        on = drtestbed.virsh_migrate(g, free_port(), STEER_BANDWIDTH_MIB, 2 * GIVE_UP_S,
                                     STEER_ARGS + ("--persistent", "--undefinesource"))
        log = d.text()
        print(f"with the daemon: {on}")
        print("the daemon:\n  " + "\n  ".join(
            l.split(": ", 2)[-1] for l in log.splitlines()
            if re.search(r"XBZRLE cache set|Following the migration|Round [0-9]+:|Migration of", l)))
        assert on["converged"] and not on["aborted"], (on, log)
        assert g.is_running()
        assert re.search(rf"Following the migration of '{g.name}': XBZRLE on, cache "
                         rf"{m.group(1)} MiB", log), log
        d.wait_log(rf"Migration of '{g.name}' completed", timeout=30)
        with pytest.raises(testbed.libvirt.libvirtError):
            conn.lookupByName(g.name)

        # The destination's daemon records it, with the prediction the
        # advice made on the source, in the live status and the new
        # definition, readable with virsh.  The advice's plan may be
        # another (a throttle beside the cache, when the working set is
        # near the policy's cap): the cache's own prediction travels
        # beside it, and the plain migration is set against that.
        a = dd.wait_log(rf"Migration of '{g.name}' arrived: ([0-9.]+) s, [0-9]+ ms downtime, "
                        r"predicted ([0-9.]+) s \((the advice it carried|the setting prepared "
                        r"for it)\)", timeout=30)
        print("the destination's daemon: " + a.group(0))
        assert abs(float(a.group(1)) - on["total_s"]) < 0.2, (a.group(0), on)
        assert float(a.group(2)) > 0, a.group(0)
        for flag in ("--live", "--config"):
            xml = status_xml(g.name, flag, uri=drtestbed.dest_uri())
            rec = re.search(r'<migration [^>]*outcome="completed"[^>]*>.*?</migration>', xml, re.S)
            assert rec, (flag, xml, dd.text())
            assert f'plan="observed: xbzrle {m.group(1)}MiB"' in rec.group(0), rec.group(0)
            assert re.search(r'<predicted converges="yes" total-ms="[1-9]', rec.group(0)), rec.group(0)
            assert re.search(rf'<actual total-ms="{round(on["total_s"] * 1000)}"', rec.group(0)), \
                (rec.group(0), on)
        assert d.stop() == 0, d.text()
        assert dd.stop() == 0, dd.text()
    finally:
        for daemon in (d, dd):
            if daemon:
                daemon.stop()
        g.destroy()
        for c in (conn, testbed.connect("dest")):
            try:
                c.lookupByName(g.name).undefine()
            except testbed.libvirt.libvirtError:
                pass
        conn.close()


def test_daemon_reads_multifd_through_qmp_where_allowed(testbed, vdr, free_port, tmp_path):
    """libvirt's job statistics do not say whether a migration runs
    multifd, nor with which compression; QEMU does.  With measure.qmp=allow
    the daemon asks, so it predicts and calibrates a plain `virsh migrate
    --parallel` (with zlib where libvirt is 9.4 or later) as multifd, not
    as one stream."""
    g = testbed.boot_guest(drtestbed.Workload(wss_mib=128, rate=2048, fill="half"),
                           memory_mib=256, vcpus=1)
    conn = testbed.connect("source")
    d = None
    try:
        g.wait_ready()
        g.wait_rate_reports(2)
        conn.defineXML(g.dom.XMLDesc(0))
        set_policy(vdr, g.name, "measure.every=20s", "measure.qmp=allow",
                   f"network.bandwidth={STEER_BANDWIDTH_MIB}MiB/s")
        if conn.getLibVersion() >= 9004000:
            args, plan, cls = (("--parallel", "--parallel-connections", "2", "--compressed",
                                "--comp-methods", "zlib"), "multifd 2 zlib", "multifd-compressed")
        else:
            args, plan, cls = ("--parallel", "--parallel-connections", "2"), "multifd 2", "multifd"
        d = Daemon(free_port(), str(tmp_path))
        d.wait_log(rf"{g.name}: dirty rate [0-9.]+ MiB/s")
        mig = drtestbed.virsh_migrate(g, free_port(), STEER_BANDWIDTH_MIB, 120, args)
        print(f"\n{plan}: {mig}")
        assert mig["converged"], mig
        assert g.is_running()
        d.wait_log(rf"Migration of '{g.name}' runs with {plan} \(QMP\)", timeout=30)
        done = d.wait_log(rf"Migration of '{g.name}' completed: ([0-9.]+) s, predicted "
                          r"([0-9.]+) s", timeout=30)
        print("the daemon: " + done.group(0))
        # Predicted as what ran: the advice's own candidate for it.
        assert float(done.group(2)) > 0, d.text()
        # Calibrated as what ran, not as one stream.
        cal = d.wait_log(r"Calibration: ([a-z-]+) link factor now", timeout=30)
        assert cal.group(1) == cls, d.text()
        # The source's definition keeps the record, under that name.
        xml = status_xml(g.name, "--config")
        assert f'plan="observed: {plan}"' in xml, (xml, d.text())
        assert d.stop() == 0, d.text()
    finally:
        if d:
            d.stop()
        g.destroy()
        for c in (conn, testbed.connect("dest")):
            try:
                c.lookupByName(g.name).undefine()
            except testbed.libvirt.libvirtError:
                pass
        conn.close()
