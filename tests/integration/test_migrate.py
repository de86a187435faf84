"""domdirtyrate-advise and domdirtyrate-migrate on the real test bed.

Scenario 1 of the migration grid (TESTBED.md): a 1 GiB guest whose
workload writes 1 byte into 25,600 pages a second, cycling over 256 MiB
(100 MiB/s of pages), on a 40 MiB/s link.  Without compression it does
not converge; XBZRLE with a cache that holds the set does.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import pytest

import drtestbed
from conftest import TOP_SRCDIR, spawn_vdr, taint_lines

SCENARIO_1 = dict(wss_mib=256, rate=25600, bytes_per_write=1)
BANDWIDTH = "40MiB/s"


def meminfo_bytes(field):
    with open("/proc/meminfo") as f:
        for line in f:
            name, value = line.split(":", 1)
            if name == field:
                return int(value.split()[0]) * 1024
    raise KeyError(field)


def _job_active(dom, libvirt):
    try:
        return dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE
    except libvirt.libvirtError:
        return False


def _on(conn, name):
    return name in [d.name() for d in conn.listAllDomains()]


def test_advise_json_plans_xbzrle_for_the_sparse_set(make_guest, vdr, testbed):
    g = make_guest(drtestbed.Workload(**SCENARIO_1))
    g.wait_rate_reports(2)
    before = taint_lines(g.name)
    # A calibration history as the daemon keeps it: three XBZRLE
    # migrations that moved exactly their bandwidth, which changes no
    # figure but must show in the inputs (the other kinds have none).
    with tempfile.NamedTemporaryFile("w", suffix=".history") as hist:
        hist.write("[xbzrle]\nlink-factor=1;1;1;\n")
        hist.flush()
        r = vdr("domdirtyrate-advise", g.name, "--bandwidth", BANDWIDTH, "--max-seconds", "4",
                "--calibration", hist.name, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["inputs"]["link_factors"] == \
        {"plain": 0, "xbzrle": 1.0, "multifd": 0, "multifd-compressed": 0}
    plan = doc["plan"]
    assert doc["converges"] is True
    assert plan["settings"]["compression"] == "xbzrle", plan["name"]
    assert plan["settings"]["xbzrle_cache_bytes"] >= 256 << 20
    assert plan["libvirt"]["params"]["compression.xbzrle.cache"] == \
        plan["settings"]["xbzrle_cache_bytes"]
    assert "VIR_MIGRATE_COMPRESSED" in plan["libvirt"]["flags"]
    assert plan["libvirt"]["params"]["bandwidth"] == 40
    # No compression does not converge, and the output says why.
    none = [a for a in doc["alternatives"] if a["name"] == "none"]
    assert none and none[0]["prediction"]["converges"] is False
    assert any("Without compression" in line for line in doc["reasons"])
    assert doc["inputs"]["zero_fraction"] > 0.3, "most of the idle guest's RAM is zero"
    # The cache may take from the host's page cache, not only from the
    # NUMA nodes' free pages (dr-hostmem.h): what libvirt counts as
    # available is at least what the kernel calls free, give or take what
    # changed between the two readings.
    assert doc["inputs"]["host_free_bytes"] >= 0.8 * meminfo_bytes("MemFree")
    # Nothing tainted, nothing changed, the guest runs.
    assert taint_lines(g.name) == before
    assert g.is_running()

    # Any client can carry it out with plain libvirt: the example reads it.
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(r.stdout)
        f.flush()
        ex = subprocess.run([sys.executable,
                             os.path.join(TOP_SRCDIR, "xml", "advice-to-migrate.py"),
                             testbed.source_uri, g.name, "unused", f.name, "--dry-run"],
                            capture_output=True, text=True, timeout=60)
    assert ex.returncode == 0, ex.stderr
    assert "compression.xbzrle.cache" in ex.stdout
    assert g.is_running()


def test_advise_rate_matches_the_workload(make_guest, vdr):
    """The dirty rate advise feeds the engine is near what the workload
    does meanwhile.  It is a 1 s page sample of 512 pages, 9.8% of which
    are dirtied: about 50, a standard error of 13%.  Between 0.55 and
    1.6 times the truth, a correct measurement fails 1.6e-4 of the time
    (binomial sums: 1.5e-4 below, 1.2e-5 above).  The rate is the higher
    of the 1 s and 2 s periods' (dr_wss_rate()); the 2 s one, ~100 pages
    of a 256 MiB set that saturates, reads ~0.7 of the truth and is
    above 1.6 never in practice, so the upper tail stays ~1.2e-5 and the
    lower shrinks.  Beside a CPU hog a 1 s sample once read 40 of 100:
    QEMU's sampling or the vCPUs were kept off the CPU for part of it.
    It read 38-74 MiB/s against 100 before QEMU's first, low measurement
    was thrown away (dr-measureplan.c, warm_up)."""
    g = make_guest(drtestbed.Workload(**SCENARIO_1))
    g.wait_rate_reports(2)
    n = len(g.achieved_rates())
    r = vdr("domdirtyrate-advise", g.name, "--bandwidth", BANDWIDTH, "--max-seconds", "4", "--json")
    assert r.returncode == 0, r.stderr
    reps = g.achieved_rates()[n:] or g.achieved_rates()[-1:]
    truth = sum(x[2] for x in reps) / len(reps) * 1048576
    rate = json.loads(r.stdout)["inputs"]["dirty_rate_bytes_per_s"]
    print(f"advise rate {rate / 1048576:.1f} MiB/s, workload {truth / 1048576:.1f} MiB/s")
    assert g.is_running()
    assert truth * 0.55 <= rate <= truth * 1.6, (rate / 1048576, truth / 1048576)


def test_migrate_dry_run_migrates_nothing(make_guest, vdr, dest_conn, free_port):
    g = make_guest(drtestbed.Workload(**SCENARIO_1))
    g.wait_rate_reports(2)
    r = vdr("domdirtyrate-migrate", g.name, drtestbed.dest_uri(),
            "--migrateuri", f"tcp://127.0.0.1:{free_port()}", "--bandwidth", BANDWIDTH,
            "--max-seconds", "4", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "Parameters:" in r.stdout and "compression=xbzrle" in r.stdout
    assert "migrate_uri=tcp://127.0.0.1:" in r.stdout
    assert "Dry run: nothing was migrated." in r.stdout
    assert g.is_running()
    assert not _on(dest_conn, g.name)


def test_migrate_scenario_1_converges_as_predicted(make_guest, vdr, dest_conn, free_port,
                                                   testbed):
    g = make_guest(drtestbed.Workload(**SCENARIO_1))
    g.wait_rate_reports(2)
    name = g.name
    # A migration that does not converge is aborted by the tool at the
    # policy's max time, with what it saw in its JSON, well inside this
    # test's own timeout.
    r = vdr("domdirtyrate-policy", name, "--live", "--set", "limits.max-time=240s")
    assert r.returncode == 0, r.stderr
    r = vdr("domdirtyrate-migrate", name, drtestbed.dest_uri(),
            "--migrateuri", f"tcp://127.0.0.1:{free_port()}", "--bandwidth", BANDWIDTH,
            "--json", timeout=600)
    assert r.returncode == 0, r.stderr + r.stdout
    doc = json.loads(r.stdout)
    assert doc["migrated"] is True and doc["outcome"] == "completed"
    assert doc["predicted"]["converges"] is True
    predicted, actual = doc["predicted"]["total_s"], doc["actual"]["total_s"]
    print(f"predicted {predicted:.1f} s, actual {actual:.1f} s; actions {doc['actions']}")
    print("inputs", json.dumps(doc["inputs"]))
    # The goal of the issue: the prediction within 20% of what happened.
    assert abs(actual - predicted) <= 0.2 * predicted, (doc["plan"], predicted, actual,
                                                         doc["inputs"])
    assert doc["actual"]["downtime_s"] < 0.3

    # The guest runs over there, and the status element says what happened.
    ddom = dest_conn.lookupByName(name)
    try:
        assert ddom.state()[0] == testbed.libvirt.VIR_DOMAIN_RUNNING
        status = ddom.metadata(testbed.libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                               "https://virt-dirtyrate.org/xmlns/status/1")
        assert 'outcome="completed"' in status
        assert "<predicted" in status and "<actual" in status
        assert f'plan="{doc["plan"]}"' in status
        # Valid against our schema.  libvirt hands metadata back with the
        # prefix declared but no element in the namespace, so a client
        # puts it back first, as virt-dirtyrate itself does.
        root = ET.fromstring(status)
        for e in root.iter():
            if not e.tag.startswith("{"):
                e.tag = "{https://virt-dirtyrate.org/xmlns/status/1}" + e.tag
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(ET.tostring(root, encoding="unicode"))
            f.flush()
            v = subprocess.run(["xmllint", "--noout", "--relaxng",
                                os.path.join(TOP_SRCDIR, "schemas", "status.rng"), f.name],
                               capture_output=True, text=True)
            assert v.returncode == 0, v.stderr + status
    finally:
        ddom.destroy()


def test_sigint_aborts_and_the_guest_stays(make_guest, testbed, source_conn, dest_conn,
                                           free_port):
    # A slow link: the first pass alone takes minutes, so the job is
    # surely running when the signal comes.
    g = make_guest(drtestbed.Workload(wss_mib=32, rate=256))
    libvirt = testbed.libvirt
    p = spawn_vdr(testbed.source_uri, "domdirtyrate-migrate", g.name, drtestbed.dest_uri(),
                  "--migrateuri", f"tcp://127.0.0.1:{free_port()}", "--bandwidth", "2MiB/s",
                  "--max-seconds", "2")
    try:
        deadline = time.monotonic() + 180
        while not _job_active(g.dom, libvirt):
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the migration never started"
            time.sleep(0.2)
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 1, out + err
    assert "aborted" in err and "still running on the source" in err
    assert g.is_running()
    assert _on(source_conn, g.name)
    assert not _on(dest_conn, g.name)
    # The job is gone, so a new one could start.
    assert not _job_active(g.dom, libvirt)


def test_refusals_leave_the_guest_alone(make_guest, vdr, dest_conn):
    g = make_guest(drtestbed.Workload(wss_mib=32, rate=256))
    cases = [
        (["domdirtyrate-migrate", g.name, drtestbed.dest_uri(), "--tunnelled"],
         "--tunnelled needs --p2p"),
        (["domdirtyrate-migrate", g.name, drtestbed.dest_uri(), "--bandwidth", "0MiB/s"],
         "must be above zero"),
        (["domdirtyrate-migrate", "no-such-domain", drtestbed.dest_uri()],
         "not found"),
        (["domdirtyrate-migrate", g.name, "qemu+unix:///session?socket=/nonexistent"],
         "Cannot connect to the destination"),
        (["-r", "domdirtyrate-advise", g.name], "read-write connection"),
        # The policy's network.bandwidth is 'measure' by default.
        (["domdirtyrate-advise", g.name, "--max-seconds", "2"], "No link bandwidth"),
    ]
    for args, want in cases:
        r = vdr(*args)
        assert r.returncode == 1, (args, r.stdout)
        assert want in r.stderr, (args, r.stderr)
        assert g.is_running(), args
    assert not _on(dest_conn, g.name)


def test_domxbzrle_refused_by_default_then_shows_a_migration(make_guest, vdr, testbed,
                                                              dest_conn, free_port):
    g = make_guest(drtestbed.Workload(**SCENARIO_1))
    libvirt = testbed.libvirt
    before = taint_lines(g.name)
    # The default policy forbids QMP: refused, and nothing tainted.
    r = vdr("domxbzrle", g.name)
    assert r.returncode == 1 and "measure.qmp=forbid" in r.stderr, r.stderr
    assert taint_lines(g.name) == before
    assert g.is_running()

    r = vdr("domdirtyrate-policy", g.name, "--live", "--set", "measure.qmp=allow")
    assert r.returncode == 0, r.stderr
    r = vdr("domxbzrle", g.name, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["capability"] is False and doc["cache_size_bytes"] > 0
    assert doc["migration_status"] in (None, "none", "setup")

    # During a migration with XBZRLE, QEMU's counters and miss rate.
    p = spawn_vdr(testbed.source_uri, "domdirtyrate-migrate", g.name, drtestbed.dest_uri(),
                  "--migrateuri", f"tcp://127.0.0.1:{free_port()}", "--bandwidth", BANDWIDTH,
                  "--max-seconds", "4")
    seen = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and p.poll() is None:
            if _job_active(g.dom, libvirt):
                r = vdr("domxbzrle", g.name, "--json")
                if r.returncode == 0:
                    d = json.loads(r.stdout)
                    if d.get("stats") and d["migration_status"] == "active":
                        seen = d
                        break
            time.sleep(0.5)
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, out + err
    assert seen, "domxbzrle never showed an active migration's XBZRLE counters"
    assert seen["capability"] is True
    assert 0 <= seen["stats"]["cache_miss_rate"] <= 1
    assert seen["cache_size_bytes"] >= 64 << 20
    try:
        assert dest_conn.lookupByName(g.name).isActive()
    finally:
        dest_conn.lookupByName(g.name).destroy()
