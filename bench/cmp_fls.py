#!/usr/bin/env python3
"""Compares a scan's manifest with The Sleuth Kit: the names (not archive
members) as a multiset against `fls -r -p`, and the SHA-256 of 200 random
allocated files against `icat`.  Exit 1 on any difference.
usage: cmp_fls.py IMAGE OUTDIR [VOLUME_LABEL TSK_OPTION...]
(for an APFS volume: cmp_fls.py disk.img out "!apfs:Data" -B 131099)"""
import collections
import csv
import hashlib
import random
import subprocess
import sys

img, out = sys.argv[1], sys.argv[2]
label = sys.argv[3] if len(sys.argv) > 3 else None
tsk = sys.argv[4:]
fls = subprocess.run(["fls", "-r", "-p", *tsk, img], capture_output=True, check=True).stdout
want, inode = collections.Counter(), {}
for line in filter(None, fls.split(b"\n")):
    meta, path = line.split(b"\t", 1)
    p = "/" + path.decode("utf-8", "replace")
    want[p] += 1
    inode[p] = meta.split(b" ")[-1].rstrip(b":").decode()
csv.field_size_limit(1 << 30)
rows = list(csv.DictReader(open(f"{out}/manifest.csv", newline="", encoding="utf-8")))
rows = [r for r in rows if label is None or r["volume"] == label]
got = collections.Counter(r["path"] for r in rows if "!/" not in r["path"] and r["kind"] != "volume")
extra, missing = got - want, want - got
files = [r for r in rows if r["kind"] == "file" and "!/" not in r["path"] and r["allocated"] == "1"
         and r["sha256"] and r["path"] in inode]
random.seed(1)
sample = random.sample(files, min(200, len(files)))
bad = [r["path"] for r in sample
       if hashlib.sha256(subprocess.run(["icat", *tsk, img, inode[r["path"]]], capture_output=True).stdout).hexdigest()
       != r["sha256"]]
print(f"  names: fls {sum(want.values())}, ptriage {sum(got.values())}; only in ptriage {sorted(extra)[:5]}, "
      f"only in fls {sorted(missing)[:5]}; SHA-256 of {len(sample)} files against icat: {len(bad)} differ {bad[:5]}")
sys.exit(1 if extra or missing or bad else 0)
