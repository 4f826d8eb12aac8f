#!/usr/bin/env python3
"""Hostile evidence: every fixture image with bytes overwritten at random
(deterministic seed) in its metadata-dense first 4 MiB (superblocks, FAT,
MFT, inode tables, partition tables).  Each scan must end with a documented
exit status (0, 1, 2), without a sanitizer report, and with a manifest in
which every unreadable item carries its reason.  Prints TAP lines.
Environment: PTRIAGE (binary), FIXTURES (directory of tests/fixtures/mkimages.sh)."""
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile

from tap import Tap

PT = os.path.abspath(os.environ.get("PTRIAGE", "./ptriage"))
FX = os.environ["FIXTURES"]
TRIALS = int(os.environ.get("TRIALS", "3"))


def scan_corrupted(img, out):
    """Scans one corrupted image; raises AssertionError with what went wrong."""
    try:
        p = subprocess.run([PT, "scan", img, "-o", out, "-q", "-j", "1"], capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise AssertionError("hung for 600 s")
    err = p.stderr.decode("utf-8", "replace")
    assert "Sanitizer" not in err and "runtime error" not in err, "sanitizer report: " + err[:1500]
    assert p.returncode in (0, 1, 2), f"exit {p.returncode}: {err[-500:]}"
    if p.returncode in (0, 1):
        with open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["kind"] in ("file", "stream", "volume") and r["allocated"] == "1" and not r["sha256"]:
                    assert r["error"], f"{r['path']}: no hash and no reason"


def main():
    rng = random.Random(20261125)
    work = tempfile.mkdtemp(prefix="ptriage-corrupt-")
    tap = Tap("corrupt")
    try:
        for name in ("ext4.img", "fat.img", "ntfs.img", "exfat.img", "mbr.img", "gpt.img"):
            src = os.path.join(FX, name)
            data = bytearray(open(src, "rb").read(min(os.path.getsize(src), 48 << 20)))
            for trial in range(TRIALS):
                d = bytearray(data)
                for _ in range(200):
                    d[rng.randrange(min(len(d), 4 << 20))] = rng.randrange(256)
                img = os.path.join(work, f"{name}.{trial}")
                with open(img, "wb") as f:
                    f.write(d)
                tap.result(f"{name} #{trial}", lambda: scan_corrupted(img, img + ".out"))
                os.remove(img)
                shutil.rmtree(img + ".out", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
