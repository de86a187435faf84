"""pytest fixtures for the integration tests: the real test bed.

The test bed (tests/testbed/drtestbed.py) runs the system libvirtd as the
source host, another user's session libvirtd as the destination host, and
TCG guests with our workload generator.  Outside CI, a missing prerequisite
skips the tests with a message naming it; with DR_TESTBED_REQUIRED=1 (set by
.ci/run) it fails them instead.
"""
import os
import socket
import sys
import warnings

import pytest

TOP_SRCDIR = os.environ.get("abs_top_srcdir",
                            os.path.dirname(os.path.dirname(os.path.dirname(
                                os.path.abspath(__file__)))))
TOP_BUILDDIR = os.environ.get("abs_top_builddir", TOP_SRCDIR)
sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "testbed"))

import drtestbed  # noqa: E402


def _missing(why):
    if os.environ.get("DR_TESTBED_REQUIRED") == "1":
        pytest.fail(f"test bed required but unavailable: {why}", pytrace=False)
    pytest.skip(f"test bed unavailable: {why}")


@pytest.fixture(scope="session")
def testbed():
    workload = os.path.join(TOP_BUILDDIR, "tests", "workload", "dr-workload")
    if not os.path.exists(workload):
        _missing(f"{workload} is not built (run make)")
    try:
        bed = drtestbed.TestBed(workload).start()
    except drtestbed.Missing as e:
        _missing(str(e))
    yield bed
    bed.teardown()


@pytest.fixture(autouse=True)
def _guests_of_this_test(request, testbed):
    """Remember which guests the test booted, for the report below."""
    request.node.dr_bed = testbed
    request.node.dr_guests_before = set(testbed.guests)
    yield


# "node id: evidence" of each test whose guest was lost to QEMU's TCG bug.
_LOST = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test whose guest was lost to QEMU 7.2's TCG migration bug (see
    tests/testbed/drtestbed.py) fails with drtestbed.LOST_TO_TCG_BUG and
    the evidence first in its message: tests/integration.sh reruns such a
    failure once, and only such a failure.  The Debian 13 bed's QEMU has
    the fix, so there a lost guest always fails."""
    outcome = yield
    rep = outcome.get_result()
    bed = getattr(item, "dr_bed", None)
    if rep.when != "call" or not rep.failed or bed is None:
        return
    for name in sorted(bed.guests - item.dr_guests_before):
        why = bed.lost_to_tcg_bug(name, quiet=drtestbed.HUNG_AFTER_S)
        if why:
            crash = getattr(rep.longrepr, "reprcrash", None)
            if crash is not None:
                crash.message = f"{drtestbed.LOST_TO_TCG_BUG}: {why}\n{crash.message}"
            rep.sections.append((drtestbed.LOST_TO_TCG_BUG, why))
            _LOST.append(f"{item.nodeid}: {why}")
            return


def pytest_terminal_summary(terminalreporter):
    """Every guest lost to QEMU's TCG bug, with the evidence, whether or
    not the test passed when run again."""
    if _LOST:
        terminalreporter.section(drtestbed.LOST_TO_TCG_BUG)
        for line in _LOST:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def qemu_version(testbed):
    """The source's QEMU version as (major, minor): the two beds differ
    (Debian 12: 7.2; Debian 13: 10.0), and some answers with them."""
    return testbed.qemu_version()


@pytest.fixture
def source_conn(testbed):
    conn = testbed.connect("source")
    yield conn
    conn.close()


@pytest.fixture
def dest_conn(testbed):
    conn = testbed.connect("dest")
    yield conn
    conn.close()


@pytest.fixture
def make_guest(testbed):
    """Boot guests with a given workload; each is destroyed after the test."""
    guests = []

    def boot(workload=None, **kw):
        g = testbed.boot_guest(workload, **kw)
        guests.append(g)
        try:
            g.wait_ready()
        except AssertionError:
            # A guest whose console never printed anything (seen once in
            # many hundreds of boots) is a test-bed failure, not a product
            # one: boot another, once, and say so.
            if g.console_text().strip():
                raise
            warnings.warn(f"guest {g.name} printed nothing on its console; booting another")
            g.destroy()
            g = testbed.boot_guest(workload, **kw)
            guests.append(g)
            g.wait_ready()
        return g

    yield boot
    for g in guests:
        g.destroy()


@pytest.fixture
def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    def pick():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    return pick


VIRSH_DIRTYRATE = os.path.join(TOP_BUILDDIR, "virsh-ext", "virsh-dirtyrate")


@pytest.fixture
def vdr(testbed):
    """Run virsh-dirtyrate against the source host; returns CompletedProcess."""
    import subprocess

    def run(*args, uri=None, timeout=300):
        cmd = [VIRSH_DIRTYRATE, "-c", uri or testbed.source_uri] + [str(a) for a in args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, LANG="C", LC_ALL="C"))
    return run


def taint_lines(name):
    """The 'tainted' lines of a domain's libvirt log on the source host."""
    path = f"/var/log/libvirt/qemu/{name}.log"
    try:
        with open(path, errors="replace") as f:
            return [line for line in f if "tainted" in line]
    except FileNotFoundError:
        return []


def spawn_vdr(uri, *args):
    """virsh-dirtyrate in the background, for tests that act while it runs."""
    import subprocess
    return subprocess.Popen([VIRSH_DIRTYRATE, "-c", uri] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin"})
