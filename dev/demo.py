"""dev/demo: boot the bundled test guest and run the main job on it."""
import argparse
import os
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "testbed"))
import drtestbed  # noqa: E402

NAME = "drtest-demo"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stop", action="store_true", help="destroy the demo guest")
    ap.add_argument("--wss", type=int, default=256, help="working set, MiB")
    ap.add_argument("--rate", type=int, default=25600, help="pages dirtied per second")
    ap.add_argument("--bandwidth", default="40MiB/s", help="the migration link, e.g. 40MiB/s")
    ap.add_argument("--no-migrate", action="store_true",
                    help="measure and advise, but leave the guest on the source")
    ap.add_argument("--bytes", type=int, default=1, help="bytes changed per page write")
    args = ap.parse_args()

    bed = drtestbed.TestBed(os.path.join(TOP, "tests", "workload", "dr-workload")).start()
    conn = bed.connect("source")
    dest = bed.connect("dest")
    for c, where in ((conn, "source"), (dest, "destination")):
        try:
            old = c.lookupByName(NAME)
            print(f"destroying the old {NAME} on the {where}")
            old.destroy()
        except bed.libvirt.libvirtError:
            pass
    if args.stop:
        return 0

    wl = drtestbed.Workload(wss_mib=args.wss, rate=args.rate, bytes_per_write=args.bytes)
    print(f"booting {NAME} (TCG, 1 GiB, 2 vCPUs): workload writes {args.bytes} byte(s) "
          f"into {args.rate} pages/s ({wl.mib_per_s:.0f} MiB/s of pages) "
          f"over a {args.wss} MiB working set")
    t0 = time.monotonic()
    guest = bed.boot_guest(wl, name=NAME)
    guest.wait_ready()
    print(f"guest ready in {time.monotonic() - t0:.1f}s; the workload reports:")
    for t, rate, mib in guest.wait_rate_reports(3):
        print(f"  t={t}s  {rate} pages/s  {mib:.1f} MiB/s")

    vdr = os.path.join(TOP, "virsh-ext", "virsh-dirtyrate")
    dest_uri = drtestbed.dest_uri()
    # The main job: measure, decide, migrate, and compare with the prediction.
    cmds = [["domdirtyrate", NAME],
            ["domdirtyrate-advise", NAME, "--bandwidth", args.bandwidth]]
    if not args.no_migrate:
        cmds.append(["domdirtyrate-migrate", NAME, dest_uri, "--migrateuri",
                     f"tcp://127.0.0.1:{free_port()}", "--bandwidth", args.bandwidth])
    for cmd in cmds:
        print(f"\n$ virsh-dirtyrate {' '.join(cmd)}", flush=True)
        subprocess.run([vdr, "-c", drtestbed.SOURCE_URI] + cmd, check=False)

    print(f"\nThe workload's own count: "
          f"{guest.achieved_rates()[-1][2]:.1f} MiB/s over a {args.wss} MiB working set")
    guest.console.close()
    for c, where, uri in ((conn, "source", drtestbed.SOURCE_URI), (dest, "destination", dest_uri)):
        try:
            state = c.lookupByName(NAME).state()[0]
        except bed.libvirt.libvirtError:
            continue
        running = state == bed.libvirt.VIR_DOMAIN_RUNNING
        print(f"The guest '{NAME}' is on the {where}, running: {running}")
        print(f"  virsh -c '{uri}' dominfo {NAME}")
        print(f"  virsh -c '{uri}' metadata {NAME} https://virt-dirtyrate.org/xmlns/status/1")
    print("  ./dev/demo --stop           # to destroy it")
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
