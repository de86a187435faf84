#!/usr/bin/python3
"""Migrate a domain as domdirtyrate-advise --json advises, with plain
libvirt calls: how Nova, VDSM or a shell script can use the advice
without our library.

    virsh-dirtyrate -c qemu:///system domdirtyrate-advise vm1 --json > advice.json
    python3 xml/advice-to-migrate.py qemu:///system vm1 DEST_URI advice.json \
        [--migrateuri tcp://host:port] [--dry-run]

The advice's "plan" holds libvirt's names: "flags" are VIR_MIGRATE_*
constants and "params" are typed parameters for virDomainMigrateToURI3.
The max downtime has no typed parameter: it is set once the job runs.
"""
import argparse
import json
import sys
import threading

import libvirt

# libvirt's typed parameters and their Python types.
PARAM_TYPES = {
    "bandwidth": int,
    "compression": str,
    "compression.xbzrle.cache": int,
    "parallel.connections": int,
    "auto_converge.initial": int,
    "auto_converge.increment": int,
    "migrate_uri": str,
}


def migrate_args(advice, migrate_uri=None):
    """The flags and typed parameters of the advice's plan."""
    lv = advice["plan"]["libvirt"]
    flags = 0
    for name in lv["flags"]:
        flags |= getattr(libvirt, name)
    params = {}
    for name, value in lv["params"].items():
        if name not in PARAM_TYPES:
            raise ValueError(f"unknown migration parameter {name!r}")
        params[name] = PARAM_TYPES[name](value)
    if migrate_uri:
        params["migrate_uri"] = migrate_uri
    return flags, params, lv["max_downtime_ms"], lv["postcopy_after_precopy"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("uri")
    ap.add_argument("domain")
    ap.add_argument("dest_uri")
    ap.add_argument("advice")
    ap.add_argument("--migrateuri")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()

    with open(args.advice) as f:
        advice = json.load(f)
    flags, params, downtime_ms, postcopy = migrate_args(advice, args.migrateuri)
    pred = advice["plan"]["prediction"]
    print(f"plan: {advice['plan']['name']}; predicted: converges={pred['converges']} "
          f"total={pred['total_s']:.1f}s downtime={pred['downtime_s'] * 1000:.0f}ms")
    print(f"flags={flags:#x} params={params} max_downtime={downtime_ms}ms")
    if args.dry_run:
        return 0

    conn = libvirt.open(args.uri)
    dom = conn.lookupByName(args.domain)
    failure = []

    def run():
        try:
            dom.migrateToURI3(args.dest_uri, params, flags)
        except libvirt.libvirtError as e:
            failure.append(e)

    t = threading.Thread(target=run)
    t.start()
    # The max downtime can be set only while the job runs.
    while t.is_alive():
        try:
            if dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
                dom.migrateSetMaxDowntime(downtime_ms)
                break
        except libvirt.libvirtError:
            pass
        t.join(0.05)
    # A postcopy plan switches after the first pass.
    while postcopy and t.is_alive():
        try:
            if dom.jobStats().get("memory_iteration", 0) >= 2:
                dom.migrateStartPostCopy()
                break
        except libvirt.libvirtError:
            pass
        t.join(0.1)
    t.join()
    if failure:
        print(f"migration failed: {failure[0]}", file=sys.stderr)
        return 1
    print("migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
