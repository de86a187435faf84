"""domdirtyrate-policy on the real test bed: every way of setting a policy,
read back with plain virsh and python3-libvirt (tests/policy_example.py),
bad input that changes nothing, other namespaces left alone, and a policy
that survives a libvirtd restart and a live migration."""
import os
import stat
import subprocess
import sys
import time

import pytest

import drtestbed
from conftest import TOP_SRCDIR

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests"))
import policy_example  # noqa: E402

NS = policy_example.NS
NOVA_NS = "http://openstack.org/xmlns/libvirt/nova/1.1"
NOVA_XML = "<instance><name>web-1</name></instance>"


@pytest.fixture
def policy_guest(make_guest):
    return make_guest(drtestbed.Workload(wss_mib=32, rate=256))


def dumpxml(guest):
    return subprocess.run(["virsh", "-c", drtestbed.SOURCE_URI, "dumpxml", guest.name],
                          capture_output=True, text=True, check=True).stdout


def virsh_metadata(uri, name):
    r = subprocess.run(["virsh", "-c", uri, "metadata", name, "--uri", NS],
                       capture_output=True, text=True)
    return r.returncode, r.stdout


def test_python_example_round_trip(policy_guest, vdr):
    g = policy_guest
    policy_example.write_policy(g.dom, {"xbzrle.use": "off", "network.bandwidth": "10Gbit/s"})
    r = vdr("domdirtyrate-policy", g.name, "--json")
    assert r.returncode == 0, r.stderr
    assert '"value" : "10Gbit/s"' in r.stdout and '"value" : "off"' in r.stdout
    policy_example.remove_policy(g.dom)
    assert policy_example.read_policy(g.dom) == {}
    assert g.is_running()


def test_set_read_back_with_virsh_and_python(policy_guest, vdr):
    g = policy_guest
    r = vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.use=on",
            "--set", "xbzrle.cache=0.5GiB", "--set", "limits.max-downtime=0.2s")
    assert r.returncode == 0, r.stderr
    assert "updated" in r.stdout
    rc, out = virsh_metadata(drtestbed.SOURCE_URI, g.name)
    assert rc == 0 and 'cache="512MiB"' in out and 'use="on"' in out, out
    assert policy_example.read_policy(g.dom) == {
        "limits.max-downtime": "200ms", "xbzrle.use": "on", "xbzrle.cache": "512MiB"}
    # Shown with defaults filled in and marked.
    r = vdr("domdirtyrate-policy", g.name)
    assert "xbzrle.cache                      512MiB\n" in r.stdout, r.stdout
    assert "measure.mode                      auto         (default)" in r.stdout
    # KEY= goes back to the default.
    assert vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.use=").returncode == 0
    assert "xbzrle.use" not in policy_example.read_policy(g.dom)
    assert g.is_running()


def test_file_and_remove(policy_guest, vdr, tmp_path):
    g = policy_guest
    path = os.path.join(TOP_SRCDIR, "xml", "policy-batch.xml")
    r = vdr("domdirtyrate-policy", g.name, "--file", path)
    assert r.returncode == 0, r.stderr
    got = policy_example.read_policy(g.dom)
    assert got["network.bandwidth"] == "1Gbit/s" and got["limits.when-exceeded"] == "suspend"
    # virsh dumpxml's output carries the policy: --validate and --file
    # read it from there, so a policy can be copied from a domain.
    dumped = tmp_path / "dumped.xml"
    dumped.write_text(subprocess.run(["virsh", "-c", drtestbed.SOURCE_URI, "dumpxml", g.name],
                                     capture_output=True, text=True, check=True).stdout)
    r = vdr("domdirtyrate-policy", "--validate", str(dumped))
    assert r.returncode == 0, r.stderr
    r = vdr("domdirtyrate-policy", g.name, "--remove")
    assert r.returncode == 0 and "removed" in r.stdout
    assert policy_example.read_policy(g.dom) == {}
    # Gone for virsh too: libvirt 9.0's virsh metadata fails on missing
    # metadata; 11.3's prints nothing and succeeds.
    rc, out = virsh_metadata(drtestbed.SOURCE_URI, g.name)
    assert rc != 0 or out.strip() == "", out
    r = vdr("domdirtyrate-policy", g.name, "--file", str(dumped))
    assert r.returncode == 0, r.stderr
    assert policy_example.read_policy(g.dom) == got
    r = vdr("domdirtyrate-policy", g.name, "--remove")
    assert r.returncode == 0
    assert g.is_running()


def write_editor(tmp_path, body):
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_edit(policy_guest, vdr, tmp_path, monkeypatch):
    g = policy_guest
    editor = write_editor(tmp_path, 'sed -i "s|</dirtyrate:policy>|'
                          '<dirtyrate:xbzrle use=\\"off\\"/></dirtyrate:policy>|" "$1"')
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.delenv("VISUAL", raising=False)
    r = vdr("domdirtyrate-policy", g.name, "--edit")
    assert r.returncode == 0, r.stderr
    assert policy_example.read_policy(g.dom) == {"xbzrle.use": "off"}

    # An editor that leaves the file alone: nothing changes.
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, "true"))
    r = vdr("domdirtyrate-policy", g.name, "--edit")
    assert r.returncode == 0 and "unchanged" in r.stdout

    # A broken edit: refused (no terminal to offer a retry), domain untouched.
    before = dumpxml(g)
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, 'sed -i "s|use=\\"off\\"|use=\\"maybe\\"|" "$1"'))
    r = vdr("domdirtyrate-policy", g.name, "--edit")
    assert r.returncode == 1
    assert "xbzrle.use: 'maybe' is not one of auto, on, off" in r.stderr, r.stderr
    assert dumpxml(g) == before
    assert g.is_running()


def test_bad_input_leaves_domain_xml_byte_for_byte(policy_guest, vdr, tmp_path):
    g = policy_guest
    assert vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.use=on").returncode == 0
    before = dumpxml(g)
    bad = tmp_path / "bad.xml"
    bad.write_text(f'<dirtyrate:policy xmlns:dirtyrate="{NS}">\n  <dirtyrate:xbzrle cache="1GB"/>\n'
                   '</dirtyrate:policy>\n')
    cases = [
        (["--set", "xbzrle.cache=512MB"], "xbzrle.cache: '512MB' has an unknown unit 'MB'"),
        (["--set", "xbzrle.colour=red"], "Unknown policy key 'xbzrle.colour'"),
        (["--set", "limits.max-downtime=300"], "'300' has no unit"),
        (["--set", "xbzrle.max-cache=120%"], "over 100%"),
        (["--set", "measure.sample-pages=99999"], "out of range"),
        (["--set", "xbzrle.use=on", "--set", "xbzrle.cache=lots"], "xbzrle.cache"),
        (["--file", str(bad)], "line 2: xbzrle.cache: '1GB' has an unknown unit 'GB'"),
        (["--file", str(tmp_path / "missing.xml")], "Cannot read policy file"),
        (["--file", os.path.join(TOP_SRCDIR, "tests", "policy", "not-well-formed-invalid.xml")],
         "not well-formed"),
        (["--file", os.path.join(TOP_SRCDIR, "tests", "policy", "unknown-element-invalid.xml")],
         "unknown element <compression>"),
    ]
    for args, says in cases:
        r = vdr("domdirtyrate-policy", g.name, *args)
        assert r.returncode == 1, args
        assert says in r.stderr, (args, r.stderr)
        assert dumpxml(g) == before, f"domain XML changed after {args}"
        assert g.is_running()


def test_other_namespace_untouched(policy_guest, vdr):
    import libvirt
    g = policy_guest
    g.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NOVA_XML, "nova", NOVA_NS,
                      libvirt.VIR_DOMAIN_AFFECT_LIVE)
    nova_before = g.dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NOVA_NS, 0)
    for args in (["--set", "xbzrle.use=on"], ["--file", os.path.join(TOP_SRCDIR, "xml",
                                                                     "policy-database.xml")],
                 ["--remove"]):
        assert vdr("domdirtyrate-policy", g.name, *args).returncode == 0
        assert g.dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NOVA_NS, 0) == nova_before
    assert g.is_running()


def test_config_of_a_transient_domain_is_refused(policy_guest, vdr):
    g = policy_guest
    before = dumpxml(g)
    r = vdr("domdirtyrate-policy", g.name, "--config", "--set", "xbzrle.use=on")
    assert r.returncode == 1, r.stdout
    assert "transient domains do not have any persistent config" in r.stderr, r.stderr
    assert dumpxml(g) == before
    assert g.is_running()


def test_survives_live_migration(testbed, policy_guest, vdr, dest_conn, source_conn, free_port):
    g = policy_guest
    assert vdr("domdirtyrate-policy", g.name, "--file",
               os.path.join(TOP_SRCDIR, "xml", "policy-database.xml")).returncode == 0
    want = policy_example.read_policy(g.dom)
    g.migrate(dest_conn, free_port())
    assert g.is_running()
    assert policy_example.read_policy(g.dom) == want
    r = vdr("domdirtyrate-policy", g.name, "--json", uri=testbed.dest_uri)
    assert r.returncode == 0, r.stderr
    assert '"value" : "10Gbit/s"' in r.stdout
    g.migrate(source_conn, free_port())
    assert policy_example.read_policy(g.dom) == want
    assert g.is_running()


def test_survives_libvirtd_restart(testbed, policy_guest, vdr):
    g = policy_guest
    assert vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.cache=768MiB").returncode == 0
    from test_dirtyrate import restart_system_libvirtd
    conn = restart_system_libvirtd()
    import libvirt
    dom = conn.lookupByName(g.name)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert policy_example.read_policy(dom) == {"xbzrle.cache": "768MiB"}
    r = vdr("domdirtyrate-policy", g.name, "--json")
    assert '"value" : "768MiB"' in r.stdout
    # The fixture's guest object follows the new connection.
    g.conn, g.dom = conn, dom
    assert g.is_running()


def test_config_and_live_of_a_persistent_domain(testbed, vdr):
    """--config writes the persistent definition; a defined, inactive
    domain keeps its policy there, where virsh dumpxml --inactive shows it."""
    import libvirt
    conn = testbed.connect("source")
    name = "drtest-persistent-policy"
    xml = drtestbed.domain_xml(name, testbed.kernel, testbed.initrd, drtestbed.Workload())
    dom = conn.defineXML(xml)
    try:
        r = vdr("domdirtyrate-policy", name, "--config", "--set", "limits.max-time=20min")
        assert r.returncode == 0, r.stderr
        out = subprocess.run(["virsh", "-c", drtestbed.SOURCE_URI, "dumpxml", "--inactive", name],
                             capture_output=True, text=True, check=True).stdout
        assert 'max-time="20min"' in out and NS in out, out
        assert policy_example.read_policy(dom, libvirt.VIR_DOMAIN_AFFECT_CONFIG) == {
            "limits.max-time": "20min"}
        # --live needs a running domain: refused, definition unchanged.
        r = vdr("domdirtyrate-policy", name, "--live", "--set", "xbzrle.use=on")
        assert r.returncode == 1 and "not running" in r.stderr, r.stderr
        assert subprocess.run(["virsh", "-c", drtestbed.SOURCE_URI, "dumpxml", "--inactive", name],
                              capture_output=True, text=True, check=True).stdout == out
    finally:
        dom.undefine()
        conn.close()


# ---- hardening: each of these once stored, read or reported wrongly ----

def test_stored_values_read_back(policy_guest, vdr):
    """Values that were stored in a form the tool then refused to read
    (1e-07%, 0Gbit/s): shown, and changed again, after being set."""
    g = policy_guest
    for key, value in (("xbzrle.max-cache", "0.0000001%"),
                       ("network.bandwidth", "2147483648GiB/s"),
                       ("xbzrle.cache", "9000000000000000001B")):
        r = vdr("domdirtyrate-policy", g.name, "--set", f"{key}={value}")
        assert r.returncode == 0, (key, r.stderr)
        assert policy_example.read_policy(g.dom)[key] == value
        r = vdr("domdirtyrate-policy", g.name)
        assert r.returncode == 0 and value in r.stdout, (key, r.stderr)
        assert vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.use=on").returncode == 0
    r = vdr("domdirtyrate-policy", g.name, "--set", "network.bandwidth=17179869184GiB/s")
    assert r.returncode == 1 and "too large" in r.stderr, r.stderr
    assert g.is_running()


def test_nothing_to_change_writes_nothing(policy_guest, vdr):
    g = policy_guest
    r = vdr("domdirtyrate-policy", g.name, "--remove")
    assert r.returncode == 0 and "has no migration policy: nothing removed" in r.stdout, r.stdout
    assert vdr("domdirtyrate-policy", g.name, "--set", "xbzrle.use=on").returncode == 0
    before = dumpxml(g)
    for args in (["--set", "xbzrle.use=on"], ["--set", "xbzrle.cache="]):
        r = vdr("domdirtyrate-policy", g.name, *args)
        assert r.returncode == 0 and "unchanged" in r.stdout and "updated" not in r.stdout, r.stdout
        assert dumpxml(g) == before
    r = vdr("domdirtyrate-policy", g.name, "--remove")
    assert r.returncode == 0 and "removed" in r.stdout
    assert g.is_running()


def test_bad_stored_policy_is_named_and_mended(policy_guest, vdr):
    """A policy stored by another client that we cannot read: every
    command says it is the stored one and how to mend it."""
    import libvirt
    g = policy_guest
    g.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                      '<policy><xbzrle max-cache="1e-07%"/></policy>', "dirtyrate", NS,
                      libvirt.VIR_DOMAIN_AFFECT_LIVE)
    for args in ([], ["--set", "xbzrle.use=on"]):
        r = vdr("domdirtyrate-policy", g.name, *args)
        assert r.returncode == 1, args
        assert f"The policy stored in domain '{g.name}' is not valid" in r.stderr, r.stderr
        assert "--remove' deletes it" in r.stderr, r.stderr
    r = vdr("domdirtyrate-policy", g.name, "--file",
            os.path.join(TOP_SRCDIR, "xml", "policy-batch.xml"))
    assert r.returncode == 0 and "updated" in r.stdout, r.stderr
    assert policy_example.read_policy(g.dom)["network.bandwidth"] == "1Gbit/s"
    assert g.is_running()


def test_readonly_refuses_every_change_up_front(policy_guest, vdr, tmp_path, monkeypatch):
    g = policy_guest
    marker = tmp_path / "editor-ran"
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, f'touch "{marker}"'))
    monkeypatch.delenv("VISUAL", raising=False)
    before = dumpxml(g)
    for args in (["--edit"], ["--set", "xbzrle.use=on"], ["--remove"],
                 ["--file", os.path.join(TOP_SRCDIR, "xml", "policy-batch.xml")]):
        r = vdr("-r", "domdirtyrate-policy", g.name, *args)
        assert r.returncode == 1, args
        assert "needs a read-write connection, but --readonly was given" in r.stderr, r.stderr
    assert not marker.exists(), "the editor was opened on a read-only connection"
    assert dumpxml(g) == before
    assert g.is_running()


def test_policy_files_are_read_with_bounds(policy_guest, vdr, tmp_path):
    g = policy_guest
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    big = tmp_path / "big.xml"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    cases = [("/dev/zero", "is not a regular file"),
             (str(fifo), "is not a regular file"),
             (str(big), "is larger than 1048576 bytes")]
    before = dumpxml(g)
    for path, says in cases:
        for args in (["--validate", path], [g.name, "--file", path]):
            # A FIFO blocked forever: the timeout fails the test instead.
            r = vdr("domdirtyrate-policy", *args, timeout=60)
            assert r.returncode == 1 and says in r.stderr, (args, r.stderr)
    assert dumpxml(g) == before
    assert g.is_running()


def test_live_and_config_each_keep_their_own(testbed, vdr):
    """--live --config --set applies the change to each target's own
    policy: a setting only the config has is kept there."""
    import libvirt
    conn = testbed.connect("source")
    name = "drtest-live-config-policy"
    xml = drtestbed.domain_xml(name, testbed.kernel, testbed.initrd, drtestbed.Workload(wss_mib=16, rate=256))
    dom = conn.defineXML(xml)
    try:
        dom.create()
        assert vdr("domdirtyrate-policy", name, "--config", "--set", "limits.max-time=20min").returncode == 0
        assert vdr("domdirtyrate-policy", name, "--live", "--set", "xbzrle.use=on").returncode == 0
        r = vdr("domdirtyrate-policy", name, "--live", "--config", "--set", "xbzrle.cache=1GiB")
        assert r.returncode == 0, r.stderr
        assert "updated (live)" in r.stdout and "updated (config)" in r.stdout, r.stdout
        assert policy_example.read_policy(dom, libvirt.VIR_DOMAIN_AFFECT_CONFIG) == {
            "limits.max-time": "20min", "xbzrle.cache": "1GiB"}
        assert policy_example.read_policy(dom, libvirt.VIR_DOMAIN_AFFECT_LIVE) == {
            "xbzrle.use": "on", "xbzrle.cache": "1GiB"}
        # --edit cannot keep both: refused while they differ.
        r = vdr("domdirtyrate-policy", name, "--live", "--config", "--edit")
        assert r.returncode == 1 and "differ: edit one at a time" in r.stderr, r.stderr
        assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()
