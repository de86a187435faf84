"""dev/demo: boot the bundled test guest and run the main job on it."""
import argparse
import os
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
    ap.add_argument("--rate", type=int, default=12800, help="pages dirtied per second")
    ap.add_argument("--bytes", type=int, default=1, help="bytes changed per page write")
    args = ap.parse_args()

    bed = drtestbed.TestBed(os.path.join(TOP, "tests", "workload", "dr-workload")).start()
    conn = bed.connect("source")
    try:
        old = conn.lookupByName(NAME)
        print(f"destroying the old {NAME}")
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
    if os.path.exists(vdr):
        for cmd in (["domdirtyrate", NAME],
                    ["domdirtyrate-wss", NAME, "--max-seconds", "16"],
                    ["domdirtyrate-compress", NAME],
                    ["-r", "domdirtyrate-caps", NAME]):
            print(f"\n$ virsh-dirtyrate {' '.join(cmd)}")
            subprocess.run([vdr, "-c", drtestbed.SOURCE_URI] + cmd, check=False)

    print(f"\nThe workload's own count over the last seconds: "
          f"{guest.achieved_rates()[-1][2]:.1f} MiB/s over a {args.wss} MiB working set")
    print(f"The guest '{NAME}' is still running: {guest.is_running()}")
    print(f"  virsh -c {drtestbed.SOURCE_URI} dominfo {NAME}")
    print(f"  ./dev/demo --stop           # to destroy it")
    guest.console.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
