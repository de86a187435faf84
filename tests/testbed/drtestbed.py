"""The virt-dirtyrate test bed: real daemons and a real guest on one machine.

- Source host: the system libvirtd (qemu:///system), started if it is not
  running.
- Destination host: the session libvirtd of a second, unprivileged user
  (DEST_USER), with its own host_uuid so that libvirt agrees to migrate to
  it, reached at qemu+unix:///session?socket=...
- Guest: a TCG domain with no disk image.  It boots the Debian cloud kernel
  with an initramfs made here of busybox-static and our workload generator
  (tests/workload/dr-workload.c), which is configured from the kernel
  command line and reports the dirty rate it achieved on the serial console.

Everything started here is recorded, and teardown() stops only that.
Used by the pytest fixtures (tests/integration/conftest.py), the
benchmarks (bench/) and the README's demo (dev/demo).
"""

import glob
import gzip
import io
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import tty
import urllib.request
import uuid
import xml.etree.ElementTree as ET

SOURCE_URI = "qemu:///system"
VIRTLOGD_SOCKET = "/run/libvirt/virtlogd-sock"
DEST_USER = os.environ.get("DR_TESTBED_DEST_USER", "drdest")
WORKDIR = os.environ.get("DR_TESTBED_DIR", "/var/tmp/virt-dirtyrate-testbed")
DEST_RUNTIME = "/run/virt-dirtyrate-" + DEST_USER
# A fixed host UUID for the destination, different from any real host.
DEST_HOST_UUID = "d1e7a7e0-5e55-4d00-8000-0000d1e7a7e0"
GUEST_PREFIX = "drtest-"

# QEMU 7.2's TCG loses guest stores during a multi-pass migration: the
# aligned fast path of cpu_physical_memory_sync_dirty_bitmap() clears
# dirty bits without resetting the vCPUs' TLB, so later stores through a
# TLB entry already marked dirty are not logged (fixed upstream in 2024,
# "physmem: Fix migration dirty bitmap coherency with TCG memory
# access").  The destination then panics on stale kernel data.  libvirt
# aligns RAM to 1 MiB, so the correct slow path is never taken.  With
# page-table isolation the kernel's mappings are not global and every
# return to user space reloads CR3, which flushes the TCG TLB: the window
# shrinks to a scheduler tick and nearly every guest survives.  The qemu64 model
# is an AMD CPU, where PTI is off unless asked for.
#
# pti=on narrows the window but does not close it: about one migration in
# a hundred on the Debian 12 bed still ends with the guest resetting
# itself on arrival (libvirt's log says "shutting down, reason=shutdown";
# on_reboot is destroy).  A process woken on each vCPU every 4 ms, to
# flush idle vCPUs too, did not save a guest booted without pti=on, and
# cost a quarter of a host core.  TestBed.lost_to_tcg_bug() recognises
# such a loss, so that a test can tell it from one of ours.
GUEST_KERNEL_ARGS = "console=ttyS0 quiet panic=-1 pti=on"
# The first QEMU with the fix (commit 03bfc2188f).
TCG_STORES_FIXED_IN = (9, 0)
# What a test failure says when the guest was lost to that bug; the
# integration tests rerun such a test once (tests/integration.sh).
LOST_TO_TCG_BUG = "guest lost to QEMU's TCG migration bug"
# A guest that arrived by migration on such a QEMU and then printed none
# of its workload's once-a-second reports for this long is taken for hung
# (TestBed.lost_to_tcg_bug(quiet=)).  On a busy host the reports come late
# by a few seconds, not fifteen.
HUNG_AFTER_S = 15
# DR_TESTBED_PTI=off boots without it, to check whether a QEMU still
# needs it (see tests/testbed/pti-check).
if os.environ.get("DR_TESTBED_PTI") == "off":
    GUEST_KERNEL_ARGS = "console=ttyS0 quiet panic=-1"

_INIT_SCRIPT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "dr-guest: booted $(uname -r)"
/bin/dr-workload &
while :; do sleep 3600; done
"""


class Missing(Exception):
    """A prerequisite of the test bed is absent; the message names it."""


def _libvirt():
    try:
        import libvirt  # noqa: PLC0415 (optional until the test bed is used)
    except ImportError as e:
        raise Missing("python3-libvirt is not installed (apt-get install "
                      "python3-libvirt; run pytest with /usr/bin/python3)") from e
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt


def check_prerequisites():
    """Raise Missing, naming what is absent, unless the test bed can run."""
    if os.geteuid() != 0:
        raise Missing("the test bed needs root (it runs the system libvirtd)")
    for prog in ("libvirtd", "virtlogd", "qemu-system-x86_64", "runuser", "useradd"):
        if not shutil.which(prog, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
            raise Missing(f"{prog} is not installed")
    if not os.path.exists("/bin/busybox"):
        raise Missing("/bin/busybox is missing (apt-get install busybox-static)")
    kernel_path()
    _libvirt()


def qmp(dom, command, arguments=None):
    """One QMP command to @dom's QEMU through libvirt-qemu, around
    everything virt-dirtyrate checks (it taints the domain).  Returns the
    command as sent and QEMU's reply, parsed."""
    import libvirt_qemu  # noqa: PLC0415 (from python3-libvirt, with libvirt)
    cmd = {"execute": command}
    if arguments is not None:
        cmd["arguments"] = arguments
    text = json.dumps(cmd, separators=(",", ":"))
    return text, json.loads(libvirt_qemu.qemuMonitorCommand(dom, text, 0))


def kernel_path():
    kernels = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64"))
    if not kernels:
        raise Missing("no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)")
    return kernels[-1]


# ---------------------------------------------------------------------------
# The guest's boot files


def _cpio_newc(entries):
    """Pack (name, mode, data, rdev) tuples as a newc cpio archive."""
    out = io.BytesIO()
    ino = 1
    for name, mode, data, rdev in entries + [("TRAILER!!!", 0, b"", (0, 0))]:
        namez = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0]
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        out.write(namez)
        out.write(b"\0" * (-(110 + len(namez)) % 4))
        out.write(data)
        out.write(b"\0" * (-len(data) % 4))
        ino += 1
    return out.getvalue()


def build_boot_files(workload_bin):
    """Copy the kernel and build the initramfs under WORKDIR.

    Both are world-readable so that the destination user's QEMU can
    read them too.  Returns (kernel, initrd) paths.
    """
    os.makedirs(WORKDIR, exist_ok=True)
    os.chmod(WORKDIR, 0o755)
    kernel = os.path.join(WORKDIR, "vmlinuz")
    initrd = os.path.join(WORKDIR, "initrd.img")
    shutil.copyfile(kernel_path(), kernel)
    os.chmod(kernel, 0o644)

    with open("/bin/busybox", "rb") as f:
        busybox = f.read()
    with open(workload_bin, "rb") as f:
        workload = f.read()
    d = stat.S_IFDIR | 0o755
    entries = [(p, d, b"", (0, 0)) for p in ("bin", "sbin", "dev", "proc", "sys", "tmp")]
    entries += [
        ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
        ("init", stat.S_IFREG | 0o755, _INIT_SCRIPT.encode(), (0, 0)),
        ("bin/busybox", stat.S_IFREG | 0o755, busybox, (0, 0)),
        ("bin/dr-workload", stat.S_IFREG | 0o755, workload, (0, 0)),
    ]
    tmp = initrd + ".tmp"
    with open(tmp, "wb") as f:
        f.write(gzip.compress(_cpio_newc(entries), compresslevel=1))
    os.chmod(tmp, 0o644)
    os.replace(tmp, initrd)
    return kernel, initrd


class Workload:
    """The workload generator's settings (see tests/workload/dr-workload.c)."""

    def __init__(self, wss_mib=256, rate=25600, bytes_per_write=1, order="seq", threads=1,
                 fill="random"):
        self.wss_mib = wss_mib
        self.rate = rate  # pages per second
        self.bytes_per_write = bytes_per_write
        self.order = order
        self.threads = threads
        # random: incompressible pages, the default for every migration
        # test and benchmark; half: about 2:1; zero: zero pages.
        self.fill = fill

    @property
    def mib_per_s(self):
        return self.rate * 4096 / 1048576.0

    def cmdline(self):
        return (f"drw.wss={self.wss_mib}M drw.rate={self.rate} "
                f"drw.bytes={self.bytes_per_write} drw.order={self.order} "
                f"drw.threads={self.threads} drw.fill={self.fill}")


def domain_xml(name, kernel, initrd, workload, memory_mib=1024, vcpus=2):
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{GUEST_KERNEL_ARGS} {workload.cmdline()}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
"""


# ---------------------------------------------------------------------------
# Daemons


def _wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise Missing(f"timed out after {timeout}s waiting for {what}")


def _can_open(uri):
    libvirt = _libvirt()
    try:
        libvirt.open(uri).close()
        return True
    except libvirt.libvirtError:
        return False


def _socket_listening(path):
    """True if something accepts connections on the Unix socket @path.  A
    socket file left by a daemon that died (a machine image taken while
    it ran, a kill -9) exists but refuses connections."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def dest_uri():
    return f"qemu+unix:///session?socket={DEST_RUNTIME}/libvirt/libvirt-sock"


class TestBed:
    """Starts what is missing, remembers it, and stops only that."""

    def __init__(self, workload_bin):
        check_prerequisites()
        self.libvirt = _libvirt()
        self.workload_bin = workload_bin
        self.started = []  # (description, pidfile or pid)
        self.guests = set()  # names of the guests this test bed booted
        self._guest_objects = {}  # name -> [Guest], for their consoles
        self.kernel = self.initrd = None
        self._qemu_version = None

    # -- source ---------------------------------------------------------
    def _start_source(self):
        # libvirtd needs virtlogd to start a guest, and either may be
        # running without the other: check each one by connecting.
        if not _socket_listening(VIRTLOGD_SOCKET):
            subprocess.run(["virtlogd", "-d"], check=True)
            self.started.append(("virtlogd", "/run/virtlogd.pid"))
            _wait_for(lambda: _socket_listening(VIRTLOGD_SOCKET), 30, "the system virtlogd")
        if _can_open(SOURCE_URI):
            return
        subprocess.run(["libvirtd", "-d"], check=True)
        self.started.append(("libvirtd", "/run/libvirtd.pid"))
        _wait_for(lambda: _can_open(SOURCE_URI), 30, "the system libvirtd")

    # -- destination ----------------------------------------------------
    def _ensure_dest_user(self):
        try:
            return pwd.getpwnam(DEST_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--create-home",
                            "--home-dir", f"/var/lib/{DEST_USER}",
                            "--shell", "/usr/sbin/nologin", DEST_USER], check=True)
            return pwd.getpwnam(DEST_USER)

    def _start_dest(self):
        pw = self._ensure_dest_user()
        confdir = os.path.join(pw.pw_dir, ".config", "libvirt")
        os.makedirs(confdir, exist_ok=True)
        with open(os.path.join(confdir, "libvirtd.conf"), "w") as f:
            f.write(f'host_uuid = "{DEST_HOST_UUID}"\n')
        for d in (os.path.join(pw.pw_dir, ".config"), confdir):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chown(os.path.join(confdir, "libvirtd.conf"), pw.pw_uid, pw.pw_gid)
        os.makedirs(DEST_RUNTIME, exist_ok=True)
        os.chown(DEST_RUNTIME, pw.pw_uid, pw.pw_gid)
        os.chmod(DEST_RUNTIME, 0o700)
        # The runtime directory is the test bed's own: sockets in it that
        # nobody listens on were left by daemons that died, and would stop
        # new ones from starting, or the session virtlogd from being
        # spawned again by a libvirtd that is still running.
        sockdir = os.path.join(DEST_RUNTIME, "libvirt")
        for entry in os.listdir(sockdir) if os.path.isdir(sockdir) else []:
            path = os.path.join(sockdir, entry)
            if stat.S_ISSOCK(os.lstat(path).st_mode) and not _socket_listening(path):
                os.unlink(path)
        uri = dest_uri()
        if _can_open(uri):
            return uri
        env = {"HOME": pw.pw_dir, "XDG_RUNTIME_DIR": DEST_RUNTIME,
               "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        subprocess.run(["runuser", "-u", DEST_USER, "--", "libvirtd", "--daemon"],
                       env=env, check=True)
        self.started.append(("session libvirtd", f"{DEST_RUNTIME}/libvirt/libvirtd.pid"))
        _wait_for(lambda: _can_open(uri), 30, f"the session libvirtd of {DEST_USER}")
        return uri

    def start(self):
        self.kernel, self.initrd = build_boot_files(self.workload_bin)
        self._start_source()
        self.dest_uri = self._start_dest()
        self.source_uri = SOURCE_URI
        return self

    def connect(self, which="source"):
        return self.libvirt.open(self.source_uri if which == "source" else self.dest_uri)

    def qemu_version(self):
        """The source's QEMU version as (major, minor)."""
        if self._qemu_version is None:
            conn = self.connect("source")
            try:
                v = conn.getVersion()
            finally:
                conn.close()
            self._qemu_version = (v // 1000000, (v // 1000) % 1000)
        return self._qemu_version

    def lost_to_tcg_bug(self, name, wait=5.0, quiet=0):
        """Why guest @name looks lost to QEMU's TCG migration bug (see
        GUEST_KERNEL_ARGS), or None.  It must have arrived on a host by
        live migration, on a QEMU older than the fix, and then either
        shut itself down there (the bed's guests never do: only a panic
        or a reset does, and on_reboot is destroy) or, with @quiet > 0,
        hung there: libvirt says it runs, but its workload, which reports
        once a second, printed nothing for @quiet seconds.  libvirt
        writes the shutdown line after it has reaped QEMU, so a start
        with no end yet is given @wait seconds.  The hang check closes the
        guest's console readers, which would take its lines."""
        if self.qemu_version() >= TCG_STORES_FIXED_IN:
            return None
        why = self._shut_down_after_arrival(name, wait)
        if why is None and quiet > 0:
            why = self._silent_after_arrival(name, quiet)
        return why

    def _last_start(self, path):
        """The part of a guest's libvirt log since QEMU last started."""
        try:
            with open(path, errors="replace") as f:
                return f.read().rsplit("starting up libvirt", 1)[-1]
        except OSError:
            return None

    def _log_paths(self, name):
        return (("source", f"/var/log/libvirt/qemu/{name}.log"),
                ("destination", os.path.join(pwd.getpwnam(DEST_USER).pw_dir, ".cache",
                                             "libvirt", "qemu", "log", f"{name}.log")))

    def _tcg_bug_words(self):
        v = self.qemu_version()
        return (f"QEMU {v[0]}.{v[1]} under TCG loses guest stores during migration, "
                f"fixed in {TCG_STORES_FIXED_IN[0]}.{TCG_STORES_FIXED_IN[1]}")

    def _silent_after_arrival(self, name, quiet):
        libvirt = self.libvirt
        for host, path in self._log_paths(name):
            last = self._last_start(path)
            if last is None or "-incoming" not in last or "shutting down" in last:
                continue
            try:
                conn = self.connect("source" if host == "source" else "dest")
            except libvirt.libvirtError:
                continue
            try:
                dom = conn.lookupByName(name)
                if dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
                    continue
                src = ET.fromstring(dom.XMLDesc(0)).find("./devices/serial/source")
                pty = src.get("path") if src is not None else None
            except libvirt.libvirtError:
                continue
            finally:
                conn.close()
            if not pty:
                continue
            # Two readers on a pty share its lines between them.
            for g in self._guest_objects.get(name, ()):
                if g.console:
                    g.console.close()
                    g.console = None
            console = Console(pty)
            try:
                deadline = time.monotonic() + quiet
                while time.monotonic() < deadline:
                    if RATE_RE.search(console.text()):
                        return None
                    time.sleep(0.2)
                text = console.text()
            finally:
                console.close()
            tail = text.strip()[-300:]
            return (f"{name} arrived on the {host} by live migration and hung there: libvirt "
                    f"says it runs, but its workload printed no report in {quiet:g} s "
                    f"({'console: ' + tail if tail else 'its console was silent'}); "
                    + self._tcg_bug_words())
        return None

    def _shut_down_after_arrival(self, name, wait):
        deadline = time.monotonic() + wait
        while True:
            pending = False
            for host, path in self._log_paths(name):
                last = self._last_start(path)
                if last is None or "-incoming" not in last:
                    continue
                if "shutting down, reason=shutdown" in last:
                    return (f"{name} arrived on the {host} by live migration and then shut "
                            f"itself down there (a guest panic or reset; {path}); "
                            + self._tcg_bug_words())
                pending = pending or "shutting down" not in last
            if not pending or time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def teardown(self):
        """Destroy the guests we booted that are still there (on either
        host), then stop the daemons we started.  Nothing else is touched."""
        for uri in (SOURCE_URI, dest_uri()):
            try:
                conn = self.libvirt.open(uri)
            except self.libvirt.libvirtError:
                continue
            for dom in conn.listAllDomains():
                if dom.name() in self.guests:
                    try:
                        if dom.isActive():
                            dom.destroy()
                        if dom.isPersistent():
                            dom.undefine()
                    except self.libvirt.libvirtError:
                        pass
            conn.close()
        for what, pidfile in reversed(self.started):
            try:
                with open(pidfile) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                continue
            deadline = time.monotonic() + 15
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        self.started = []

    # -- guests ---------------------------------------------------------
    def boot_guest(self, workload=None, name=None, memory_mib=1024, vcpus=2):
        workload = workload or Workload()
        name = name or f"{GUEST_PREFIX}{uuid.uuid4().hex[:8]}"
        conn = self.connect("source")
        xml = domain_xml(name, self.kernel, self.initrd, workload, memory_mib, vcpus)
        dom = conn.createXML(xml, 0)
        self.guests.add(name)
        guest = Guest(self, conn, dom, workload)
        self._guest_objects.setdefault(name, []).append(guest)
        return guest


class Daemon:
    """virt-dirtyrated (built in @builddir) against @uri (the source host),
    its log (G_MESSAGES_DEBUG) in a file; @conf adds configuration lines."""

    def __init__(self, builddir, srcdir, port, state_dir, conf="", extra=(), uri=SOURCE_URI):
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="vdd-", suffix=".log", delete=False)
        self.conf = os.path.join(state_dir, "virt-dirtyrated.conf")
        with open(self.conf, "w") as f:
            f.write("[libvirt]\nuri=%s\nreconnect-max=2s\n"
                    "[measure]\nwss-max-seconds=2\njitter=0%%\n"
                    "[metrics]\nlisten=127.0.0.1:%d\n"
                    "[daemon]\nstate-dir=%s\n%s" % (uri, port, state_dir, conf))
        # make check sets G_DEBUG=fatal-warnings for the unit tests; the
        # daemon's warnings are its log (a guest that went away, libvirt
        # restarting), not programming errors: only criticals abort it.
        env = dict(os.environ, LANG="C", LC_ALL="C", G_MESSAGES_DEBUG="virt-dirtyrated",
                   G_DEBUG="fatal-criticals", DR_SCHEMA_DIR=os.path.join(srcdir, "schemas"))
        self.proc = subprocess.Popen(
            [os.path.join(builddir, "src", "daemon", "virt-dirtyrated"), "--config", self.conf]
            + list(extra), stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            env=env)

    def text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=180, start=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the daemon died:\n{self.text()}"
            m = re.search(pattern, self.text()[start:])
            if m:
                return m
            time.sleep(0.5)
        raise AssertionError(f"no {pattern!r} in the daemon's log after {timeout} s:\n"
                             f"{self.text()}")

    def metrics(self):
        """GET /metrics, checked to be Prometheus' text format."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"SIGTERM did not stop the daemon:\n{self.text()}")
        return self.proc.returncode


def virsh_migrate(guest, port, bandwidth_mib, give_up_s, args=()):
    """Migrates @guest to the destination with plain `virsh migrate --live
    ARGS`, as an operator or Nova would, and aborts it at @give_up_s.
    Returns what happened: converged, the completed job's figures, or the
    round and the data left when it was given up.  The guest object
    follows the domain when it moved."""
    libvirt = guest.bed.libvirt
    cmd = ["virsh", "-c", SOURCE_URI, "migrate", "--live", *args, guest.name, dest_uri(),
           "--migrateuri", f"tcp://127.0.0.1:{port}", "--bandwidth", str(bandwidth_mib)]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    last, aborted = {}, False
    while p.poll() is None:
        try:
            st = guest.dom.jobStats()
        except libvirt.libvirtError:
            st = {}
        if st.get("type") in (libvirt.VIR_DOMAIN_JOB_BOUNDED, libvirt.VIR_DOMAIN_JOB_UNBOUNDED):
            last = st
        if not aborted and time.monotonic() - t0 > give_up_s:
            try:
                guest.dom.abortJob()
                aborted = True
            except libvirt.libvirtError:
                pass
        time.sleep(0.5)
    _, err = p.communicate()
    row = {"converged": p.returncode == 0, "aborted": aborted,
           "wall_s": round(time.monotonic() - t0, 1),
           "rounds": last.get("memory_iteration"),
           "remaining_mib": round(last.get("memory_remaining", 0) / 1048576.0, 1),
           "sent_mib": round(last.get("memory_processed", 0) / 1048576.0, 1),
           "error": err.strip() if p.returncode else None}
    if p.returncode == 0:
        dest = guest.bed.connect("dest")
        dom = dest.lookupByName(guest.name)
        st = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        row.update(total_s=st.get("time_elapsed", 0) / 1000.0, downtime_ms=st.get("downtime"),
                   rounds=st.get("memory_iteration"),
                   sent_mib=round(st.get("memory_processed", 0) / 1048576.0, 1),
                   remaining_mib=0)
        guest.conn, guest.dom = dest, dom
        guest._open_console()
    return row


class Console:
    """Reads a guest's pty serial console into a buffer, in a thread."""

    def __init__(self, path):
        self.path = path
        self.buf = []
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            tty.setraw(self.fd)
        except OSError:
            pass
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed.is_set():
            try:
                r, _, _ = select.select([self.fd], [], [], 0.2)
                if r:
                    data = os.read(self.fd, 65536)
                    if not data:
                        time.sleep(0.1)
                        continue
                    with self.lock:
                        self.buf.append(data.decode("utf-8", "replace"))
            except OSError:
                time.sleep(0.2)
                if self.closed.is_set():
                    break

    def text(self):
        with self.lock:
            return "".join(self.buf)

    def close(self):
        self.closed.set()
        self.thread.join(2)
        try:
            os.close(self.fd)
        except OSError:
            pass


RATE_RE = re.compile(r"drw: t=(\d+) rate=(\d+) pages/s ([\d.]+) MiB/s")


class Guest:
    """A running test guest and its console, on whichever host holds it."""

    def __init__(self, bed, conn, dom, workload):
        self.bed = bed
        self.conn = conn
        self.dom = dom
        self.name = dom.name()
        self.workload = workload
        self.console = None
        self._open_console()

    def _open_console(self):
        if self.console:
            self.console.close()
        root = ET.fromstring(self.dom.XMLDesc(0))
        src = root.find("./devices/serial/source")
        path = src.get("path") if src is not None else None
        self.console = Console(path) if path else None

    def console_text(self):
        return self.console.text() if self.console else ""

    def wait_for_console(self, pattern, timeout=60):
        """Wait until @pattern (a regex) appears on the console; return the match."""
        rx = re.compile(pattern)
        start = time.monotonic()
        deadline = start + timeout
        reopened = False
        while time.monotonic() < deadline:
            text = self.console_text()
            # Once on this test bed a console stayed silent from the start;
            # a fresh reader on the pty is cheap, so try one.
            if not text and not reopened and time.monotonic() - start > 20:
                self._open_console()
                reopened = True
            m = rx.search(text)
            if m:
                return m
            if "drw: error" in text or "dr-workload: not found" in text:
                break
            time.sleep(0.2)
        raise AssertionError(f"guest {self.name}: no '{pattern}' on the console "
                             f"(waited up to {timeout}s); console so far:\n{self.console_text()[-2000:]}")

    def wait_ready(self, timeout=90):
        self.wait_for_console(r"drw: ready", timeout)

    def achieved_rates(self):
        """The workload's per-second reports, as [(t, pages/s, MiB/s)]."""
        return [(int(t), int(r), float(m)) for t, r, m in RATE_RE.findall(self.console_text())]

    def wait_rate_reports(self, n, timeout=60):
        """Wait for @n more rate reports than there are now; return them."""
        have = len(self.achieved_rates())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rates = self.achieved_rates()
            if len(rates) >= have + n:
                return rates[have:have + n]
            time.sleep(0.2)
        raise AssertionError(f"guest {self.name}: fewer than {n} new rate reports in "
                             f"{timeout}s; console:\n{self.console_text()[-2000:]}")

    def is_running(self):
        libvirt = self.bed.libvirt
        try:
            state, _ = self.dom.state()
        except libvirt.libvirtError:
            return False
        return state == libvirt.VIR_DOMAIN_RUNNING

    def migrate(self, dest_conn, port, bandwidth_mib=None, params=None, flags=0):
        """Live-migrate to @dest_conn; the guest object follows the domain."""
        libvirt = self.bed.libvirt
        p = {libvirt.VIR_MIGRATE_PARAM_URI: f"tcp://127.0.0.1:{port}"}
        if bandwidth_mib:
            p[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = bandwidth_mib
        p.update(params or {})
        newdom = self.dom.migrate3(dest_conn, p, flags | libvirt.VIR_MIGRATE_LIVE)
        self.conn = dest_conn
        self.dom = newdom
        self._open_console()
        return newdom

    def destroy(self):
        libvirt = self.bed.libvirt
        if self.console:
            self.console.close()
            self.console = None
        try:
            self.dom.destroy()
        except libvirt.libvirtError:
            pass
