#!/usr/bin/env python3
"""End-to-end tests of containers inside the evidence: VM disks found as
files (qcow2, VMDK sparse and stream-optimised, VHD, VHDX), LVM2 volume
groups, LUKS1/LUKS2 volumes with and without the key in case.conf, XFS,
Btrfs (mkfs.btrfs's and a kernel-written image), NTFS Volume Shadow Copies,
and containers ptriage only names (Linux RAID member, ZFS, Linux
swap, classic HFS, CramFS, an unknown partition type).  File lists are compared with The Sleuth Kit's
fls on the inner filesystem image, contents with hashlib over the source
files; export and verify --evidence re-read items through every layer;
damaged containers are reported, never crash (run under ASan too)."""
import contextlib
import csv
import hashlib
import os
import re
import plistlib
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import run_suite  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))
FIX = os.path.join(ROOT, "tests", "fixtures")
MiB = 1 << 20


def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.decode(errors='replace')[-2000:]}")
    return p.stdout.decode(errors="replace")


def sparse_file(path, marks):
    """A file of holes with marks {offset: bytes} written in it; its SHA-256."""
    with open(path, "wb") as f:
        for off, data in marks.items():
            f.seek(off)
            f.write(data)
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def tree(root, files):
    for rel, data in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return {"/" + k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


def ext4(work, name, files, size_mb):
    src = os.path.join(work, name + ".d")
    sums = tree(src, files)
    img = os.path.join(work, name + ".img")
    sh(f"truncate -s {size_mb}M {img} && mkfs.ext4 -q -F -E root_owner=0:0 -d {src} {img}")
    return img, sums


def fixture(work, name):
    """A committed fixture, tests/fixtures/NAME.xz, decompressed into work."""
    path = os.path.join(work, name)
    sh(f"xz -dc {FIX}/{name}.xz > {path}")
    return path


def fls(img, offset=0):
    out = subprocess.run(["fls", "-r", "-p", "-o", str(offset), img], capture_output=True).stdout.decode()
    return sorted("/" + l.split("\t", 1)[1] for l in out.splitlines() if "\t" in l)


def scan(work, name, evidence, *opts):
    out = os.path.join(work, name)
    p = subprocess.run([PT, "scan", *evidence, "-o", out, "-q", *opts], capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error" in err or p.returncode > 2:
        raise AssertionError(f"exit {p.returncode}, stderr:\n" + err[:3000])
    return out, p


def db(out):
    return sqlite3.connect(os.path.join(out, "case.db"))


def items(out, prefix):
    """path -> sha256 of the items whose path starts with prefix (files only)."""
    c = db(out)
    return {r[0][len(prefix):]: r[1] for r in c.execute(
        "SELECT path, sha256 FROM items WHERE kind = 'file' AND parent_id IS NULL AND path LIKE ? || '%'",
        (prefix,))}


def vol_items(out, label):
    c = db(out)
    return {r[0]: r[1] for r in c.execute(
        "SELECT i.path, i.sha256 FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = ?"
        " AND i.kind IN ('file', 'dir') AND i.parent_id IS NULL", (label,))}


def listing(out, label, prefix=""):
    c = db(out)
    return sorted(r[0][len(prefix):] for r in c.execute(
        "SELECT i.path FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = ? AND i.parent_id IS NULL"
        " AND i.kind NOT IN ('volume', 'virtual')", (label,)))


def coverage_sums(out):
    cov = list(csv.DictReader(open(os.path.join(out, "coverage.csv"), newline="", encoding="utf-8")))
    sizes = {r[0]: r[1] for r in db(out).execute("SELECT label, size FROM evidence")}
    for ev, size in sizes.items():
        got = sum(int(r["bytes"]) for r in cov if r["evidence"] == ev)
        assert got == size, (ev, got, size)
    return cov


def export_and_verify(work, out, ids, *case):
    x = os.path.join(work, os.path.basename(out) + "-export")
    e = subprocess.run([PT, "export", out, "--to", x, "--include", ",".join(map(str, ids)), *case],
                       capture_output=True)
    assert e.returncode == 0, e.stderr
    rec = list(csv.DictReader(open(os.path.join(x, "receipt.csv"), newline="", encoding="utf-8")))
    assert len(rec) >= len(ids), rec
    v = subprocess.run([PT, "verify", out, "--export", x, "--evidence", *case], capture_output=True)
    assert v.returncode == 0, v.stdout.decode()
    return x, rec


def truncated(work, name, base, code, want):
    """The first half of base, scanned as evidence: exit code, and want in
    scan.log."""
    cut = os.path.join(work, name + ".img")
    open(cut, "wb").write(base[:len(base) // 2])
    o, r = scan(work, name, [cut])
    log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
    assert r.returncode == code and want in log, (r.returncode, log[-800:])


def never_crash(work, name, base, seed, span, count=20):
    """Scans count copies of base with 1-4 random bytes of its first span
    changed: each exits 0, 1 or 2 without a sanitizer report."""
    rnd = random.Random(seed)
    for k in range(count):
        bad = bytearray(base)
        for _ in range(rnd.randint(1, 4)):
            bad[rnd.randrange(0, span)] = rnd.randrange(256)
        path = os.path.join(work, name)
        open(path, "wb").write(bad)
        out = path + "-out"
        shutil.rmtree(out, ignore_errors=True)
        q = subprocess.run([PT, "scan", path, "-o", out, "-q"], capture_output=True)
        e = q.stderr.decode(errors="replace")
        assert q.returncode in (0, 1, 2) and "Sanitizer" not in e and "runtime error" not in e, (k, e[-2000:])

def mbr_disk(path, parts, size_mb, label="dos"):
    """parts: (image, type) placed from 1 MiB on, each 1 MiB-aligned."""
    sh(f"truncate -s {size_mb}M {path}")
    spec, start = f"label: {label}\n", 2048
    layout = []
    for img, typ in parts:
        sectors = (os.path.getsize(img) + MiB - 1) // MiB * 2048
        spec += f"start={start}, size={sectors}, type={typ}\n"
        layout.append(start)
        start += sectors
    subprocess.run(["sfdisk", "-q", path], input=spec.encode(), check=True)
    for (img, _), st in zip(parts, layout):
        sh(f"dd if={img} of={path} bs=512 seek={st} conv=notrunc status=none")
    return layout


def read_as_raw_disk(work, name, path, fmt, sha, raw, sums):
    """Scans the virtual disk at path with --image-hash and checks that it
    reads as raw: format, size and SHA-256, fls's listing of p1 and the
    files' hashes.  Returns the case's error and note messages, joined."""
    o, r = scan(work, name, [path], "--image-hash")
    assert r.returncode == 0, (name, r.stderr)
    ev = db(o).execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
    assert ev == (fmt, os.path.getsize(raw), sha), (name, ev)
    assert listing(o, "p1") == fls(raw, 2048), name
    got = vol_items(o, "p1")
    for p, h in sums.items():
        assert got.get(p) == h, (name, p)
    return " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))


CASE_NR = "[policy]\nunmatched_user = needs-review\nunmatched_other = needs-review\n"


def vm_disks(tap, work):
    """qcow2, VMDK, VHD, VHDX files of a libvirt directory, each a disk with an
    MBR partition holding ext4."""
    inner_fs, sums = ext4(work, "vmfs", {"etc/hostname": b"vm1\n", "home/c/invoice.txt": b"invoice 42\n" * 300,
                                         "var/log/big.log": bytes(range(256)) * 8000}, 12)
    disk = os.path.join(work, "vmdisk.raw")
    mbr_disk(disk, [(inner_fs, "83")], 16)
    ref = fls(disk, 2048)
    host = os.path.join(work, "host.d", "var/lib/libvirt/images")
    os.makedirs(host)
    fmts = {"vm.qcow2": "-O qcow2", "vm.vmdk": "-O vmdk", "vm-stream.vmdk": "-O vmdk -o subformat=streamOptimized",
            "vm.vhd": "-O vpc", "vm.vhdx": "-O vhdx"}
    for name, opt in fmts.items():
        sh(f"qemu-img convert {opt} {disk} {host}/{name}")
    outer = os.path.join(work, "host.img")
    sh(f"truncate -s 96M {outer} && mkfs.ext4 -q -F -d {os.path.join(work, 'host.d')} {outer}")
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "vm-out", [outer], "--case", case)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        for name in fmts:
            pre = f"/var/lib/libvirt/images/{name}!p1"
            got = listing(out, pre, pre)
            assert got == ref, (name, sorted(set(got) ^ set(ref))[:10])
            files = items(out, pre)
            for path, sha in sums.items():
                assert files.get(path) == sha, (name, path)
            cont = c.execute("SELECT container, parent_item_id FROM volumes WHERE label = ?", (pre,)).fetchone()
            assert cont[0] == {"qcow2": "qcow2", "vmdk": "vmdk", "vhd": "vhd", "vhdx": "vhdx"}[name.split(".")[1]]
            assert cont[1] is not None
    tap.result("qcow2, VMDK (sparse, stream-optimised), VHD and VHDX files are walked as nested disks: "
               "the listing of FILE!p1 is fls's on the raw disk, hashes are the source files'", walked)

    def exported():
        coverage_sums(out)
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE '%!p1/home/c/invoice.txt'")]
        assert len(ids) == len(fmts)
        x, rec = export_and_verify(work, out, ids)
        for r in rec:
            got = open(os.path.join(x, r["exported_as"]), "rb").read()
            assert hashlib.sha256(got).hexdigest() == sums["/home/c/invoice.txt"], r
    tap.result("items inside VM disk files export through the disk format, and verify --export --evidence "
               "passes; the coverage ledger still sums to the image size", exported)

    def damaged():
        bad = os.path.join(work, "bad.d")
        os.makedirs(bad)
        q = open(os.path.join(host, "vm.qcow2"), "rb").read()
        open(os.path.join(bad, "truncated.qcow2"), "wb").write(q[:70000])
        hdr = bytearray(q[:4096]) + bytes(70000)
        struct.pack_into(">Q", hdr, 24, 1 << 62)    # virtual size: 4 EiB
        open(os.path.join(bad, "huge.qcow2"), "wb").write(hdr)
        v = open(os.path.join(host, "vm.vhdx"), "rb").read()
        open(os.path.join(bad, "cut.vhdx"), "wb").write(v[:300000])
        o, r = scan(work, "vm-bad", [bad])
        assert r.returncode in (0, 1), r.stderr
        c = db(o)
        errs = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        for name in ("truncated.qcow2", "huge.qcow2", "cut.vhdx"):
            row = c.execute("SELECT sha256 FROM items WHERE path = ?", ("/" + name,)).fetchone()
            assert row and row[0], name  # the file itself is still hashed
        assert "qcow2" in errs or "libtsk" in errs, errs
    tap.result("truncated or lying qcow2/VHDX files are reported on the item, and the scan goes on", damaged)


def qcow_evidence(tap, work):
    """A cloud server's disk handed over as qcow2 (libtsk reads no qcow2): an
    overlay whose backing chain holds the older data, as OpenStack keeps it."""
    old_fs, _ = ext4(work, "q-old", {"etc/hostname": b"db1\n", "home/eve/notes.txt": b"draft\n" * 100,
                                      "var/lib/db/data.bin": bytes(range(256)) * 4000}, 12)
    new_fs, sums = ext4(work, "q-new", {"etc/hostname": b"db1\n", "home/eve/notes.txt": b"final, signed\n" * 90,
                                         "home/eve/ledger.csv": b"2024-05-01,300\n" * 200,
                                         "var/lib/db/data.bin": bytes(range(256)) * 4000}, 12)
    base_raw, new_raw = os.path.join(work, "q-base.raw"), os.path.join(work, "q-now.raw")
    mbr_disk(base_raw, [(old_fs, "83")], 16)
    mbr_disk(new_raw, [(new_fs, "83")], 16)
    ref = fls(new_raw, 2048)
    d = os.path.join(work, "images")
    os.makedirs(os.path.join(d, "base"))
    # base <- middle (same data) <- top (today's), names relative as qemu writes them
    sh(f"qemu-img convert -O qcow2 {base_raw} {d}/base/base.qcow2")
    sh(f"qemu-img create -q -f qcow2 -b base/base.qcow2 -F qcow2 {d}/mid.qcow2")
    sh(f"qemu-img convert -O qcow2 -B mid.qcow2 -F qcow2 {new_raw} {d}/top.qcow2", cwd=d)
    info = sh(f"qemu-img info --backing-chain {d}/top.qcow2")
    assert sum(l == "file format: qcow2" for l in info.splitlines()) == 3, info
    assert os.path.getsize(f"{d}/top.qcow2") < 4 * MiB   # only the clusters that changed
    before = {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest()
              for n in ("top.qcow2", "mid.qcow2", "base/base.qcow2")}
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "qcow-out", [os.path.join(d, "top.qcow2")], "--image-hash", "--case", case)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        ev = c.execute("SELECT format, size, segments FROM evidence").fetchone()
        assert ev == ("qcow2", 16 * MiB, 3), ev
        assert listing(out, "p1") == ref
        got = vol_items(out, "p1")
        for path, sha in sums.items():
            assert got.get(path) == sha, path
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "differential over backing file 'mid.qcow2'" in notes and "backing file " + d + "/base/base.qcow2" \
            in notes, notes
        img_sha = c.execute("SELECT image_sha256 FROM evidence").fetchone()[0]
        assert img_sha == hashlib.sha256(open(new_raw, "rb").read()).hexdigest(), "image hash is the virtual disk's"
        coverage_sums(out)
        after = {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in before}
        assert after == before
    tap.result("a qcow2 overlay given as evidence is read through its backing chain (3 files, relative names): "
               "fls's listing of today's disk, today's hashes, the disk's SHA-256 as the image hash", walked)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE '/home/eve/%'")]
        assert len(ids) == 2
        export_and_verify(work, out, ids, "--case", case)
    tap.result("qcow2 evidence items export and verify --evidence through the same chain", reread)

    def raw_base():
        # OpenStack Nova: instances/UUID/disk, a qcow2 overlay over a raw base image named by absolute path
        nova = os.path.join(work, "nova")
        os.makedirs(os.path.join(nova, "_base"))
        os.makedirs(os.path.join(nova, "7f3c"))
        shutil.copy(base_raw, os.path.join(nova, "_base", "9a1b2c"))
        sh(f"qemu-img convert -O qcow2 -c -B {nova}/_base/9a1b2c -F raw {new_raw} {nova}/7f3c/disk")
        assert "backing file format: raw" in sh(f"qemu-img info {nova}/7f3c/disk")
        chk = sh(f"qemu-img check {nova}/7f3c/disk")
        assert "100.00% compressed clusters" in chk, chk
        o, r = scan(work, "qcow-nova", [os.path.join(nova, "7f3c", "disk")], "--image-hash")
        assert r.returncode == 0, r.stderr
        c = db(o)
        ev = c.execute("SELECT format, segments, image_sha256 FROM evidence").fetchone()
        assert ev == ("qcow2", 2, hashlib.sha256(open(new_raw, "rb").read()).hexdigest()), ev
        assert listing(o, "p1") == ref
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "raw disk image, 16777216 bytes" in notes, notes
    tap.result("a compressed qcow2 overlay over a raw base image (OpenStack's instance disks) reads as qemu reads "
               "it", raw_base)

    def broken():
        lone = os.path.join(work, "lone")
        os.makedirs(lone)
        shutil.copy(f"{d}/top.qcow2", lone)
        o, r = scan(work, "qcow-lone", [os.path.join(lone, "top.qcow2")])
        assert r.returncode == 2, r.returncode
        msg = db(o).execute("SELECT error FROM evidence").fetchone()[0]
        assert "backing file" in msg and "mid.qcow2" in msg, msg
        loop = os.path.join(work, "loop")
        os.makedirs(loop)
        sh(f"qemu-img create -q -f qcow2 {loop}/a.qcow2 1M && qemu-img create -q -f qcow2 -b a.qcow2 -F qcow2 "
           f"{loop}/b.qcow2 && qemu-img rebase -q -u -f qcow2 -b b.qcow2 -F qcow2 {loop}/a.qcow2")
        o, r = scan(work, "qcow-loop", [os.path.join(loop, "a.qcow2")])
        assert r.returncode == 2
        assert "nested more than 16 deep" in db(o).execute("SELECT error FROM evidence").fetchone()[0]
        sh(f"qemu-img convert -O qcow2 -c -o compression_type=zstd {base_raw} {loop}/zstd.qcow2")
        o, r = scan(work, "qcow-zstd", [os.path.join(loop, "zstd.qcow2")])
        assert r.returncode == 2
        assert "compressed with zstd, which libqcow" in db(o).execute("SELECT error FROM evidence").fetchone()[0]
        # inside directory evidence, the overlay finds its chain there; a lone copy does not
        o, r = scan(work, "qcow-nested", [d, lone])
        assert r.returncode == 1, r.returncode
        c = db(o)
        errs = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "backing file mid.qcow2 (named by /top.qcow2): 'mid.qcow2' not found" in errs, errs
        assert listing(o, "/top.qcow2!p1", "/top.qcow2!p1") == ref
        assert listing(o, "/base/base.qcow2!p1", "/base/base.qcow2!p1") == fls(base_raw, 2048)
    tap.result("a qcow2 overlay whose backing file is missing, a backing loop, a zstd-compressed image libqcow "
               "cannot read are each reported with the reason; found inside directory evidence, an overlay is "
               "walked through the chain beside it, a lone one is named", broken)


def vmdk_evidence(tap, work):
    """VMware disks given as evidence: a snapshot over its parent disk, with
    zeroed grains (libvmdk read them as the file's header), and the descriptor
    layouts with extents of their own."""
    old_fs, _ = ext4(work, "v-old", {"home/ann/plan.txt": b"old plan\n" * 3000,
                                      "home/ann/photo.bin": bytes(range(256)) * 3000}, 12)
    new_fs, sums = ext4(work, "v-new", {"home/ann/plan.txt": b"new plan\n" * 10,
                                         "home/ann/mail.eml": b"From: ann@example.org\n\nhello\n"}, 12)
    old_raw, new_raw = os.path.join(work, "v-old.raw"), os.path.join(work, "v-new.raw")
    mbr_disk(old_raw, [(old_fs, "83")], 16)
    mbr_disk(new_raw, [(new_fs, "83")], 16)
    ref = fls(new_raw, 2048)
    new_sha = hashlib.sha256(open(new_raw, "rb").read()).hexdigest()
    d = os.path.join(work, "vm")
    os.makedirs(d)
    sh(f"qemu-img convert -O vmdk -o zeroed_grain=on {old_raw} {d}/disk.vmdk")
    sh(f"qemu-img convert -O vmdk -o zeroed_grain=on -B disk.vmdk -F vmdk {new_raw} {d}/disk-000001.vmdk", cwd=d)
    m = sh(f"qemu-img map --output=json {d}/disk-000001.vmdk")
    assert '"zero": true, "data": false' in m, m          # zeroed grains over the parent's data
    sh(f"qemu-img convert -O raw {d}/disk-000001.vmdk {work}/qemu-view.raw")
    assert hashlib.sha256(open(f"{work}/qemu-view.raw", "rb").read()).hexdigest() == new_sha
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "vmdk-out", [os.path.join(d, "disk-000001.vmdk")], "--image-hash", "--case", case)

    def snapshot():
        assert p.returncode == 0, p.stderr
        c = db(out)
        ev = c.execute("SELECT format, size, segments, image_sha256 FROM evidence").fetchone()
        assert ev == ("vmdk", 16 * MiB, 2, new_sha), ev
        assert listing(out, "p1") == ref
        got = vol_items(out, "p1")
        for path, sha in sums.items():
            assert got.get(path) == sha, path
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "a snapshot over parent disk 'disk.vmdk'" in notes, notes
        ids = [r[0] for r in c.execute("SELECT id FROM items WHERE path LIKE '/home/ann/%'")]
        export_and_verify(work, out, ids, "--case", case)
    tap.result("a VMDK snapshot given as evidence is read over its parent disk, zeroed grains as zeros: the "
               "disk's SHA-256 is qemu's, the listing fls's, hashes the files'; export and verify pass", snapshot)

    def layouts():
        for sub in ("monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "streamOptimized"):
            sh(f"qemu-img convert -O vmdk -o subformat={sub} {new_raw} {d}/{sub}.vmdk")
            o, r = scan(work, "vmdk-" + sub, [os.path.join(d, sub + ".vmdk")], "--image-hash")
            assert r.returncode == 0, (sub, r.stderr)
            ev = db(o).execute("SELECT format, image_sha256 FROM evidence").fetchone()
            assert ev == ("vmdk", new_sha), (sub, ev)
            assert listing(o, "p1") == ref, sub
        os.remove(os.path.join(d, "twoGbMaxExtentSparse-s001.vmdk"))
        o, r = scan(work, "vmdk-noextent", [os.path.join(d, "twoGbMaxExtentSparse.vmdk")])
        assert r.returncode == 2
        msg = db(o).execute("SELECT error FROM evidence").fetchone()[0]
        assert "twoGbMaxExtentSparse-s001.vmdk" in msg, msg
    tap.result("VMDK descriptors with flat, split sparse, split flat and stream-optimised extents read as the "
               "raw disk; a missing extent file is named", layouts)


def nested_chains(tap, work):
    """Virtual disks found inside the evidence find the files they name in
    the same tree: a compute node's partition of instance disks (qcow2 over a
    raw base named by its absolute path on the node), and a directory of
    VMware disks (a snapshot over its parent, a disk split into extents)."""
    fs, sums = ext4(work, "n-vm", {"home/kim/contract.pdf": b"%PDF-1.4 contract\n" * 500,
                                   "etc/hostname": b"vm7\n"}, 12)
    vm_raw = os.path.join(work, "n-vm.raw")
    mbr_disk(vm_raw, [(fs, "83")], 16)
    ref = fls(vm_raw, 2048)
    blank = os.path.join(work, "n-blank.raw")
    sh(f"truncate -s 16M {blank}")
    # /var/lib/nova is a partition of its own: the overlay names the base by its path on the node
    part = os.path.join(work, "nova.d")
    os.makedirs(os.path.join(part, "instances", "_base"))
    os.makedirs(os.path.join(part, "instances", "7f3c"))
    shutil.copy(blank, os.path.join(part, "instances", "_base", "9a1b2c"))
    disk = os.path.join(part, "instances", "7f3c", "disk")
    sh(f"qemu-img convert -O qcow2 -B {blank} -F raw {vm_raw} {disk}")
    sh(f"qemu-img rebase -u -b /var/lib/nova/instances/_base/9a1b2c -F raw {disk}")
    img = os.path.join(work, "nova.img")
    sh(f"truncate -s 96M {img} && mkfs.ext4 -q -F -d {part} {img}")
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "nova-out", [img], "--case", case)

    def nova():
        assert p.returncode == 0, p.stderr
        pre = "/instances/7f3c/disk!p1"
        assert listing(out, pre, pre) == ref
        got = items(out, pre)
        for path, sha in sums.items():
            assert got.get(path) == sha, path
        errs = " | ".join(m for (m,) in db(out).execute("SELECT message FROM errors"))
        assert "backing file '/var/lib/nova/instances/_base/9a1b2c'; backing file /instances/_base/9a1b2c: raw" \
            in errs, errs
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE ?", (pre + "/home/kim/%",))]
        assert len(ids) == 1
        export_and_verify(work, out, ids, "--case", case)
    tap.result("an instance disk found on a compute node's partition reads through the raw base it names by its "
               "path on the node (found as /instances/_base/...): fls's listing, the files' hashes; export and "
               "verify --evidence pass through the same chain", nova)

    def vmware():
        d = os.path.join(work, "vmware")
        os.makedirs(os.path.join(d, "vm1"))
        old_fs, _ = ext4(work, "n-old", {"home/kim/draft.txt": b"draft\n" * 900}, 12)
        old_raw = os.path.join(work, "n-old.raw")
        mbr_disk(old_raw, [(old_fs, "83")], 16)
        sh(f"qemu-img convert -O vmdk -o zeroed_grain=on {old_raw} {d}/vm1/vm1.vmdk")
        sh(f"qemu-img convert -O vmdk -o zeroed_grain=on -B vm1.vmdk -F vmdk {vm_raw} {d}/vm1/vm1-000001.vmdk",
           cwd=os.path.join(d, "vm1"))
        sh(f"qemu-img convert -O vmdk -o subformat=twoGbMaxExtentSparse {vm_raw} {d}/vm1/split.vmdk")
        o, r = scan(work, "vmware-out", [d], "--case", case)
        assert r.returncode == 0, r.stderr
        for name in ("vm1-000001.vmdk", "split.vmdk"):
            pre = f"/vm1/{name}!p1"
            assert listing(o, pre, pre) == ref, name
        assert listing(o, "/vm1/vm1.vmdk!p1", "/vm1/vm1.vmdk!p1") == fls(old_raw, 2048)
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "/vm1/split-s001.vmdk" not in notes or "an extent file" in notes, notes
        ids = [r[0] for r in db(o).execute("SELECT id FROM items WHERE path LIKE '/vm1/%!p1/home/kim/contract.pdf'")]
        assert len(ids) == 2
        export_and_verify(work, o, ids, "--case", case)
    tap.result("in a directory of VMware disks, a snapshot is read over its parent and a descriptor over its "
               "extent files; export and verify pass", vmware)


def bsd_label(tap, work):
    """A FreeBSD server's MBR disk: one slice holding a BSD disklabel whose
    partitions a (/) and d (/var) are UFS, with the label's offsets written
    as the disk's sectors and as the slice's."""
    trees = {"a": {"etc/rc.conf": b'hostname="fbsd1"\nsshd_enable="YES"\n', "root/.history": b"ls\n" * 50},
             "d": {"log/messages": b"Dec  6 kernel: boot\n" * 400, "mail/ann": b"From ann\n\nhi\n"}}
    imgs = {}
    for part, files in trees.items():
        src = os.path.join(work, "bsd-" + part)
        tree(src, files)
        imgs[part] = os.path.join(work, part + ".ufs")
        sh(f"makefs -t ffs -o version=1 -s 8m {imgs[part]} {src}")
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    for style in ("abs", "rel"):
        disk = os.path.join(work, f"fbsd-{style}.img")
        starts = sh(f"python3 {FIX}/mkbsd.py {disk} {imgs['a']} {imgs['d']} {style}").split()
        assert "BSD" in sh(f"mmls {disk}")
        out, p = scan(work, "bsd-" + style, [disk], "--case", case)

        def walked():
            assert p.returncode == 0, p.stderr
            c = db(out)
            assert c.execute("SELECT holds FROM volumes WHERE label = 'p1'").fetchone()[0] == "bsd"
            for part, start in zip("ad", starts):
                label = "p1!bsd:" + part
                assert listing(out, label) == fls(disk, int(start)), (style, part)
                got = vol_items(out, label)
                for path, sha in tree(os.path.join(work, "bsd-" + part), trees[part]).items():
                    assert got.get(path) == sha, (style, part, path)
            coverage_sums(out)
            ids = [r[0] for r in c.execute("SELECT id FROM items WHERE path IN ('/etc/rc.conf', '/mail/ann')")]
            assert len(ids) == 2
            export_and_verify(work, out, ids, "--case", case)
        tap.result(f"a BSD disklabel in an MBR slice ({ {'abs': 'disk', 'rel': 'slice'}[style]} offsets): "
                   "partitions a and d walked as "
                   "p1!bsd:a and p1!bsd:d like fls at their offsets, hashes the files'; ledger, export and verify",
                   walked)


def checkpoint_reads_as_now(work, tag, d, child, fmt, now, raw, notes_want, nfiles):
    """A checkpoint file `child` of directory d, given as evidence and found
    in d given as evidence: the disk as it is now (fmt; SHA-256 and fls of
    the raw disk `now`), the notes wanted, srv.vhdx beside it as the disk
    `raw`; export and verify of the checkpoint's nfiles files under /Users.
    Returns the checkpoint's p1 items, path to SHA-256."""
    o, r = scan(work, tag, [os.path.join(d, child)], "--image-hash")
    assert r.returncode == 0, r.stderr
    ev = db(o).execute("SELECT format, image_sha256 FROM evidence").fetchone()
    assert ev == (fmt, hashlib.sha256(open(now, "rb").read()).hexdigest()), ev
    assert listing(o, "p1") == fls(now, 2048)
    notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
    assert all(w in notes for w in notes_want), notes
    got = vol_items(o, "p1")
    case = os.path.join(work, tag + ".conf")
    open(case, "w").write(CASE_NR)
    o, r = scan(work, tag + "-dir", [d], "--case", case)
    assert r.returncode == 0, r.stderr
    pre = f"/{child}!p1"
    assert listing(o, pre, pre) == fls(now, 2048)
    assert listing(o, "/srv.vhdx!p1", "/srv.vhdx!p1") == fls(raw, 2048)
    ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE path LIKE ? AND kind = 'file'", (pre + "/Users/%",))]
    assert len(ids) == nfiles, ids
    export_and_verify(work, o, ids, "--case", case)
    return got


def vhd_evidence(tap, work):
    """Hyper-V disks given as evidence: dynamic VHD and VHDX read as the raw
    disk; a VHD differencing disk (a checkpoint) read over its parent,
    given or found inside the evidence."""
    sys.path.insert(0, FIX)
    import mkvhd
    fs, sums = ext4(work, "h-fs", {"Users/bo/Desktop/report.docx": b"PK\x03\x04 report" * 100}, 12)
    raw = os.path.join(work, "h.raw")
    mbr_disk(raw, [(fs, "7")], 16)
    sha = hashlib.sha256(open(raw, "rb").read()).hexdigest()
    d = os.path.join(work, "hv")
    os.makedirs(d)
    for fmt, name in (("vpc -o force_size=on", "srv.vhd"), ("vhdx", "srv.vhdx")):
        sh(f"qemu-img convert -O {fmt} {raw} {d}/{name}")
    data = open(raw, "rb").read()
    bs = 2 << 20
    puid = mkvhd.write(os.path.join(d, "base.vhd"), len(data), {i: (None, data[i * bs:(i + 1) * bs])
                                                                 for i in range(len(data) // bs)})
    # a checkpoint that changed the report's content after the base was
    # taken: only those sectors are in its block, whose bitmap bytes are
    # partly set at both ends (the case libvhdi misreads); the rest of the
    # block is the parent's
    at, size = data.find(b"PK\x03\x04 report"), len(b"PK\x03\x04 report" * 100)
    first, last = at // 512, (at + size - 1) // 512
    new = bytearray(data)
    new[at:at + size] = (b"PK\x03\x04 CHANGED" * 200)[:size]
    blk = first * 512 // bs
    assert last * 512 // bs == blk and first % 8 and (last + 1) % 8
    now = os.path.join(work, "h-now.raw")
    open(now, "wb").write(bytes(new))
    mkvhd.write(os.path.join(d, "base_1A2B.avhd"), len(data),
                {blk: (range(first - blk * bs // 512, last + 1 - blk * bs // 512), bytes(new[blk * bs:(blk + 1) * bs]))},
                parent=("base.vhd", puid))

    def read():
        for name in ("srv.vhd", "srv.vhdx", "base.vhd"):
            o, r = scan(work, "hv-" + name, [os.path.join(d, name)], "--image-hash")
            assert r.returncode == 0, (name, r.stderr)
            ev = db(o).execute("SELECT format, image_sha256 FROM evidence").fetchone()
            assert ev[1] == sha and ev[0] == ("vhdx" if name.endswith("x") else "vhd"), (name, ev)
            assert listing(o, "p1") == fls(raw, 2048), name
            got = vol_items(o, "p1")
            for path, h in sums.items():
                assert got.get(path) == h, (name, path)
    tap.result("VHD (qemu's and one written by hand to the specification) and VHDX given as evidence read as "
               "the raw disk: same SHA-256, fls's listing, the files' hashes", read)

    def differencing():
        changed = hashlib.sha256(bytes(new[at:at + size])).hexdigest()
        got = checkpoint_reads_as_now(work, "hv-diff", d, "base_1A2B.avhd", "vhd", now, raw,
                                      ("VHD differencing disk (a checkpoint)", "over parent 'base.vhd'"), 1)
        assert got["/Users/bo/Desktop/report.docx"] == changed
        # a parent of another UUID, and no parent: refused with the reason
        lone = os.path.join(work, "hv-lone")
        os.makedirs(lone)
        shutil.copy(os.path.join(d, "base_1A2B.avhd"), lone)
        o, r = scan(work, "hv-noparent", [os.path.join(lone, "base_1A2B.avhd")])
        assert r.returncode == 2
        shutil.copy(os.path.join(d, "srv.vhd"), os.path.join(lone, "base.vhd"))
        o, r = scan(work, "hv-otherparent", [os.path.join(lone, "base_1A2B.avhd")])
        assert r.returncode == 2
        msg = db(o).execute("SELECT error FROM evidence").fetchone()[0]
        assert "not" in msg and "as the checkpoint recorded: another disk" in msg, msg
    tap.result("a VHD differencing disk (Hyper-V checkpoint) is read sector by sector over its parent: the "
               "disk as it is now (SHA-256, fls's listing, the changed file's hash), given as evidence or found "
               "in a directory, with export and verify; a missing parent or one of another UUID is refused",
               differencing)


def vhdx_checkpoint(tap, work):
    """A Hyper-V checkpoint (.avhdx, written by hand to [MS-VHDX]; qemu
    writes none) over a dynamic VHDX that qemu wrote: a partly present block
    whose sector bitmap leaves most sectors to the parent (and holds garbage
    there), a fully present block, a zero block and an unmapped one over
    parent blocks that are not zero."""
    sys.path.insert(0, FIX)
    import mkvhdx
    fs, _ = ext4(work, "x-fs", {"Users/bo/Documents/contract.txt": b"contract v1 " * 400,
                                "Users/bo/Documents/keep.txt": b"unchanged " * 300}, 12)
    raw = os.path.join(work, "x.raw")
    mbr_disk(raw, [(fs, "7")], 16)
    data = bytearray(open(raw, "rb").read())
    mib = 1 << 20
    data[14 * mib:16 * mib] = b"\xab" * (2 * mib)      # past the filesystem: not zeros in the parent
    open(raw, "wb").write(bytes(data))
    d = os.path.join(work, "hv")
    os.makedirs(d)
    sh(f"qemu-img convert -O vhdx {raw} {d}/srv.vhdx")
    at, size = data.find(b"contract v1 "), len(b"contract v1 " * 400)
    new = bytearray(data)
    new[at:at + size] = (b"contract v2 SIGNED " * 300)[:size]
    new[14 * mib:16 * mib] = bytes(2 * mib)
    first, last = at // 512, (at + size - 1) // 512
    blk = first * 512 // mib
    assert last * 512 // mib == blk
    garbage = bytearray(b"\xee" * mib)                 # what a reader of the wrong sectors would see
    for sct in range(first, last + 1):
        garbage[sct * 512 - blk * mib:(sct + 1) * 512 - blk * mib] = new[sct * 512:(sct + 1) * 512]
    blocks = {blk: ("partial", range(first - blk * 2048, last + 1 - blk * 2048), bytes(garbage)),
              0: ("full", bytes(new[:mib])), 14: ("zero",), 15: ("unmapped",)}
    link = mkvhdx.data_write_guid(os.path.join(d, "srv.vhdx"))
    mkvhdx.write(os.path.join(d, "srv_6F1E.avhdx"), len(data), blocks, "srv.vhdx", link)
    now = os.path.join(work, "x-now.raw")
    open(now, "wb").write(bytes(new))

    def read():
        got = checkpoint_reads_as_now(work, "hvx", d, "srv_6F1E.avhdx", "vhdx", now, raw,
                                      ("VHDX differencing disk (a checkpoint)", "over parent './srv.vhdx'"), 2)
        assert got["/Users/bo/Documents/contract.txt"] == hashlib.sha256(new[at:at + size]).hexdigest()
        assert got["/Users/bo/Documents/keep.txt"] == hashlib.sha256(b"unchanged " * 300).hexdigest()
    tap.result("a VHDX differencing disk (Hyper-V checkpoint) is read over its parent: partly present blocks "
               "sector by sector, fully present, zero and unmapped blocks; the disk as it is now (SHA-256, fls, "
               "the changed file's hash), given or found in a directory, with export and verify", read)

    def refused():
        lone = os.path.join(work, "hvx-lone")
        os.makedirs(lone)
        shutil.copy(os.path.join(d, "srv_6F1E.avhdx"), lone)
        o, r = scan(work, "hvx-noparent", [os.path.join(lone, "srv_6F1E.avhdx")])
        assert r.returncode == 2
        # a parent written after the checkpoint (its DataWriteGuid changed): another disk
        sh(f"qemu-img convert -O vhdx {now} {lone}/srv.vhdx")
        o, r = scan(work, "hvx-otherparent", [os.path.join(lone, "srv_6F1E.avhdx")])
        assert r.returncode == 2
        msg = db(o).execute("SELECT error FROM evidence").fetchone()[0]
        assert "DataWriteGuid" in msg and "as the checkpoint recorded" in msg, msg
        # damage: the BAT entry of the partly present block points past the end
        cut = os.path.join(d, "srv_CUT.avhdx")
        b = bytearray(open(os.path.join(d, "srv_6F1E.avhdx"), "rb").read())
        struct.pack_into("<Q", b, 3 * mib + 8 * blk, (4096 << 20) | 7)
        open(cut, "wb").write(bytes(b))
        o, r = scan(work, "hvx-cut", [cut], "--image-hash")
        assert r.returncode == 1, r.stderr
        errs = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert f"block {blk} (virtual bytes" in errs and "past the end of the VHDX" in errs, errs[:2000]
    tap.result("a VHDX checkpoint without its parent, or over a parent written since, is refused with the "
               "reason; a block past the end of the file is named", refused)


def e01_in_a_filesystem(tap, work):
    """E01 sets found inside a seized disk (an examiner's or a lab's server):
    read through libtsk by ewfmap.c, as ewfacquire wrote them in every EWF1
    format it has (EnCase 2 to 6, FTK, linen, SMART .s01, the original EWF),
    in several segments, with and without compression, with 8 KiB and 1 MiB
    chunks; export and verify through them; a damaged chunk, a missing
    segment and an Ex01 (EWF2) set are errors that say so."""
    fs, sums = ext4(work, "e-fs", {"case/notes.txt": b"interview notes " * 3000,
                                   "case/photo.bin": random.Random(2026).randbytes(3 << 20)}, 8)
    raw = os.path.join(work, "e.raw")
    mbr_disk(raw, [(fs, "83")], 10)
    src = os.path.join(work, "e-outer.d")
    os.makedirs(src)
    sets = {"enc6": "-f encase6 -c fast", "enc5": "-f encase5 -c best", "enc2": "-f encase2 -c none",
            "ftk": "-f ftk -c fast", "linen": "-f linen6 -c empty-block", "smart": "-f smart -c fast",
            "ewf": "-f ewf -c fast", "small": "-f encase6 -c fast -b 16", "big": "-f encase6 -c fast -b 2048",
            "bad": "-f encase6 -c none", "gone": "-f encase6 -c fast"}
    for name, opt in sets.items():
        sh(f"ewfacquire -u -q -t {src}/{name} {opt} -S 1MiB {raw} >/dev/null")
    # a stored chunk of photo.bin damaged (its Adler-32 then fails); a middle segment removed
    piece = open(os.path.join(work, "e-fs.d", "case", "photo.bin"), "rb").read()[1 << 20:(1 << 20) + 4096]
    for seg in sorted(f for f in os.listdir(src) if f.startswith("bad.")):
        data = bytearray(open(os.path.join(src, seg), "rb").read())
        if (at := data.find(piece)) >= 0:
            data[at + 100] ^= 0xFF
            open(os.path.join(src, seg), "wb").write(bytes(data))
            break
    else:
        raise AssertionError("photo.bin's bytes not found stored in bad.E0*")
    os.remove(os.path.join(src, "gone.E02"))
    # an Ex01 (EWF2) segment: Debian's ewfacquire writes none, its signature is enough here
    v2 = open(os.path.join(src, "enc6.E01"), "rb").read()
    open(os.path.join(src, "v2.Ex01"), "wb").write(b"EVF2\r\n\x81\x00" + struct.pack("<BBHI", 2, 1, 1, 1) +
                                                   bytes(16) + v2[32:])      # version 2.1, zlib, segment 1
    outer = os.path.join(work, "e-outer.img")
    sh(f"mkfs.ext4 -q -F -d {src} {outer} 200M")
    case = os.path.join(work, "e.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "e01-out", [outer], "--case", case)
    good = [n for n in sets if n not in ("bad", "gone")]

    def read():
        assert p.returncode == 1, p.stderr                    # the three broken sets
        for name in good:
            first = f"/{name}.{ {'smart': 's01', 'ewf': 'e01'}.get(name, 'E01')}"
            assert listing(out, f"{first}!p1", f"{first}!p1") == fls(raw, 2048), name
            got = vol_items(out, f"{first}!p1")
            for path, h in sums.items():
                assert got.get(f"{first}!p1/" + path.lstrip("/")) == h, (name, path)
        notes = " | ".join(m for (m,) in db(out).execute("SELECT message FROM errors"))
        assert "EWF image of 4 segments" in notes and "stored MD5" in notes, notes[:3000]
        ids = [i for (i,) in db(out).execute("SELECT id FROM items WHERE path LIKE '/enc6.E01!p1/case/%' AND "
                                             "kind = 'file'")]
        assert len(ids) == 2
        export_and_verify(work, out, ids, "--case", case)
    tap.result("E01 sets inside a filesystem of the evidence, in every EWF1 format ewfacquire writes (several "
               "segments; compressed or not; 8 KiB to 1 MiB chunks), read as the raw disk: fls's listing and the "
               "files' hashes; export and verify through them", read)

    def broken():
        c = db(out)
        errs = {}
        for loc, msg in c.execute("SELECT location, message FROM errors WHERE message NOT LIKE 'segment %'"):
            errs.setdefault(loc, []).append(msg)
        gone, v2 = " ".join(errs.get("/gone.E01", [])), " ".join(errs.get("/v2.Ex01", []))
        assert "EWF image, not opened" in gone and "segment is missing" in gone, gone
        assert "EWF2 (Ex01/Lx01)" in v2, v2
        # the damaged chunk lands on what lies in it; the rest of that disk is read
        rows = {r[0]: r[1:] for r in c.execute("SELECT path, sha256, error FROM items WHERE path LIKE "
                                               "'/bad.E01!p1/case/%'")}
        photo, notes = rows["/bad.E01!p1/case/photo.bin"], rows["/bad.E01!p1/case/notes.txt"]
        assert photo[0] is None and "EWF chunk" in photo[1] and "fails its checksum: damaged" in photo[1], photo
        assert notes[0] == sums.get("/case/notes.txt", sums.get("case/notes.txt")), notes
    tap.result("a damaged chunk in an E01 found in the evidence is an error on what lies in it, a missing "
               "segment and an Ex01 set are named", broken)


def sparse_bundles(tap, work):
    """A Mac's Time Machine disk on a NAS: NAME.sparsebundle, a directory of
    bands (tests/fixtures/mksparsebundle.py, hdiutil's layout; bands never
    written are absent), found in an ext4 volume and in a directory given as
    evidence, read as the raw disk; its bands are not disks of their own.
    An encrypted bundle and one whose Info.plist is not a sparse bundle's
    are named."""
    fs, sums = ext4(work, "sb-fs", {"Users/ann/Documents/tax-2024.pdf": b"%PDF-1.4 tax " * 5000,
                                    "Users/ann/Pictures/cat.bin": random.Random(7).randbytes(2 << 20)}, 12)
    raw = os.path.join(work, "sb.raw")
    mbr_disk(raw, [(fs, "af")], 20)                     # 20 MiB, the tail never written
    nas = os.path.join(work, "nas.d")
    sh(f"python3 {FIX}/mksparsebundle.py {raw} {nas}/Backups/ann.sparsebundle --band 1048576")
    sh(f"python3 {FIX}/mksparsebundle.py {raw} {nas}/Backups/bob.sparsebundle --band 1048576 --encrypted")
    os.makedirs(os.path.join(nas, "Backups", "odd.sparsebundle"))
    open(os.path.join(nas, "Backups", "odd.sparsebundle", "Info.plist"), "w").write(
        "<plist><dict><key>diskimage-bundle-type</key><string>com.example.other</string></dict></plist>")
    bands = sorted(os.listdir(os.path.join(nas, "Backups", "ann.sparsebundle", "bands")), key=lambda b: int(b, 16))
    assert len(bands) < 20 and bands[-1] != "13"        # bands of zeros are absent
    img = os.path.join(work, "nas.img")
    sh(f"mkfs.ext4 -q -F -d {nas} {img} 96M")
    case = os.path.join(work, "sb.conf")
    open(case, "w").write(CASE_NR)
    pre = "/Backups/ann.sparsebundle!p1"

    def read():
        for name, ev in (("sb-img", img), ("sb-dir", nas)):
            out, p = scan(work, name, [ev], "--case", case)
            assert p.returncode == 1, p.stderr                   # the two that are not read
            assert listing(out, pre, pre) == fls(raw, 2048), name
            got = vol_items(out, pre)
            for path, h in sums.items():
                assert got.get(pre + path) == h, (name, path)
            c = db(out)
            errs = {loc: m for loc, m in c.execute("SELECT location, message FROM errors")}
            assert "Apple sparse bundle, 20971520 bytes in bands of 1048576" in errs["/Backups/ann.sparsebundle"]
            assert "encrypted sparse bundle" in errs["/Backups/bob.sparsebundle"], errs
            assert "does not describe a sparse bundle" in errs["/Backups/odd.sparsebundle"], errs
            # no band was walked as a disk of its own
            assert not c.execute("SELECT 1 FROM volumes WHERE label LIKE '%/bands/%'").fetchone()
            ids = [i for (i,) in c.execute("SELECT id FROM items WHERE path LIKE ? AND kind = 'file'",
                                           (pre + "/Users/%",))]
            assert len(ids) == 2
            export_and_verify(work, out, ids, "--case", case)
        # the bundle directory itself given as evidence: the disk, hashed;
        # an encrypted one is walked as the directory it is, with the reason
        out, p = scan(work, "sb-itself", [os.path.join(nas, "Backups", "ann.sparsebundle")], "--image-hash")
        assert p.returncode == 0, p.stderr
        ev = db(out).execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
        assert ev == ("sparsebundle", os.path.getsize(raw), hashlib.sha256(open(raw, "rb").read()).hexdigest()), ev
        assert listing(out, "p1") == fls(raw, 2048)
        v = subprocess.run([PT, "verify", out, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout.decode()
        out, p = scan(work, "sb-itself-enc", [os.path.join(nas, "Backups", "bob.sparsebundle")])
        c = db(out)
        assert c.execute("SELECT format FROM evidence").fetchone() == ("directory",)
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "sparse bundle not opened as a disk (encrypted sparse bundle" in notes, notes
        assert c.execute("SELECT 1 FROM items WHERE path = '/bands/0'").fetchone()
    tap.result("an Apple sparse bundle (Time Machine on a NAS), in an ext4 volume or a directory given as "
               "evidence, or given itself, is read as the raw disk from its bands (absent bands as zeros): fls's "
               "listing and the files' hashes, export and verify; encrypted and foreign bundles are named", read)


def lvm(tap, work):
    root_fs, root_sums = ext4(work, "lvroot", {"etc/hostname": b"db-server\n", "etc/passwd":
                                               b"root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000::/home/ann:/bin/sh\n"},
                              8)
    home_fs, home_sums = ext4(work, "lvhome", {"ann/mail/inbox.mbox": b"From a@b\nSubject: hi\n\nbody\n" * 100,
                                               "ann/photo.bin": os.urandom(0) + bytes(range(256)) * 600}, 6)
    pv = os.path.join(work, "pv.img")
    sh(f"python3 {FIX}/mklvm.py {pv} vg0 root={root_fs} home={home_fs}")
    boot, boot_sums = ext4(work, "boot", {"grub.cfg": b"linux /vmlinuz\n"}, 4)
    disk = os.path.join(work, "lvm-disk.img")
    mbr_disk(disk, [(boot, "83"), (pv, "8e")], 24)
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "lvm-out", [disk], "--case", case)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        vols = {r[0]: r[1:] for r in c.execute(
            "SELECT label, container, layer_name, filesystem, holds, parent_volume_id FROM volumes")}
        assert vols["p2"][3] == "lvm2", vols
        assert vols["p2!lvm:vg0/root"][:3] == ("lvm2", "vg0/root", "ext4"), vols
        assert vols["p2!lvm:vg0/home"][:3] == ("lvm2", "vg0/home", "ext4"), vols
        assert listing(out, "p2!lvm:vg0/root") == fls(root_fs)
        assert listing(out, "p2!lvm:vg0/home") == fls(home_fs)
        got = vol_items(out, "p2!lvm:vg0/root")
        for path, sha in root_sums.items():
            assert got[path] == sha, path
        got = vol_items(out, "p2!lvm:vg0/home")
        for path, sha in home_sums.items():
            assert got[path] == sha, path
        # the owner of /home files comes from the image's own passwd only when in the same volume: not asserted
    tap.result("an LVM2 physical volume: each logical volume is walked as a volume of its own "
               "(p2!lvm:vg0/root), listings as fls gives on the LV image, hashes the source files'", walked)

    def ledger():
        cov = coverage_sums(out)
        lv = [r for r in cov if r["volume"] == "p2"]
        examined = sum(int(r["bytes"]) for r in lv if r["status"] == "examined")
        assert examined == os.path.getsize(root_fs) + os.path.getsize(home_fs), lv
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path IN ('/etc/passwd', '/ann/mail/inbox.mbox')")]
        export_and_verify(work, out, ids)
    tap.result("the coverage ledger counts the logical volumes as examined and the rest of the PV as "
               "LVM structure; LV items export and verify --evidence", ledger)

    def snapshot_store():
        # a snapshot's copy-on-write LV: dm-snapshot's header (magic, valid, version, chunk size)
        cow = os.path.join(work, "cow.img")
        open(cow, "wb").write(struct.pack("<4sIII", b"SnAp", 1, 1, 8).ljust(2 * MiB, b"\0"))
        pv2 = os.path.join(work, "pv2.img")
        sh(f"python3 {FIX}/mklvm.py {pv2} vg1 root={root_fs} root-snap={cow}")
        o, r = scan(work, "lvm-snap", [pv2])
        assert r.returncode == 0, r.stderr
        err = db(o).execute("SELECT error FROM volumes WHERE label = '!lvm:vg1/root-snap'").fetchone()[0]
        assert "is an LVM snapshot's copy-on-write store (dm-snapshot exception store, chunks of 8 sectors)" in err, err
    tap.result("an LVM snapshot's copy-on-write volume is named for what it holds, and hashed whole", snapshot_store)

    def snapshot_view():
        # lvcreate -s: the origin changed since (debugfs, in place); the snapshot is the origin as it was
        old = os.path.join(work, "snap-old.img")
        src = os.path.join(work, "snap-src")
        tree(src, {"home/ann/secret.txt": b"the old secret\n" * 400, "etc/keep.conf": b"kept\n" * 100})
        sh(f"truncate -s 8M {old} && mkfs.ext4 -q -F -E root_owner=0:0 -d {src} {old}")
        new = os.path.join(work, "snap-new.img")
        shutil.copy(old, new)
        newer = os.path.join(work, "newer.txt")
        open(newer, "wb").write(b"written after the snapshot\n")
        sh(f"debugfs -w -f - {new} >/dev/null 2>&1 <<'EOF'\nrm home/ann/secret.txt\nwrite {newer} home/ann/new.txt\nEOF")
        pv3 = os.path.join(work, "pv-snap.img")
        sh(f"python3 {FIX}/mklvm.py {pv3} vg2 data={new} --snapshot backup=data:{old}")
        case = os.path.join(work, "nr-lvsnap.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "lvm-view", [pv3], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        vols = {row[0]: row[1:] for row in c.execute("SELECT label, filesystem, description FROM volumes")}
        assert vols["!lvm:vg2/backup"][0] == "ext4", vols
        assert vols["!lvm:vg2/backup"][1].startswith("LVM2 snapshot vg2/backup of vg2/data: the origin as it was"), vols
        assert not [v for v in vols if "snapshot0" in v], vols          # LVM's internal object is no volume
        assert listing(o, "!lvm:vg2/backup") == fls(old)
        assert listing(o, "!lvm:vg2/data") == fls(new)
        got = vol_items(o, "!lvm:vg2/backup")
        assert got["/home/ann/secret.txt"] == hashlib.sha256(b"the old secret\n" * 400).hexdigest()
        assert not c.execute("SELECT 1 FROM errors WHERE severity = 'error'").fetchall()
        # the ledger counts the store's extents, not the view's size, as the group's examined bytes
        cov = coverage_sums(o)
        examined = sum(int(row["bytes"]) for row in cov if row["status"] == "examined")
        lvs = sum(int(row["bytes"]) for row in cov if row["what"] == "LVM2 logical volumes")
        cow = int(vols["!lvm:vg2/backup"][1].split("copy-on-write store of ")[1].split()[0])
        assert lvs == os.path.getsize(new) + cow and examined < os.path.getsize(pv3), (lvs, examined, cov)
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE "
                                       "v.label = '!lvm:vg2/backup' AND i.kind = 'file'")]
        export_and_verify(work, o, ids, "--case", case)
        # a snapshot marked invalid (its store overflowed): the store is named and hashed, with the reason
        bad = bytearray(open(pv3, "rb").read())
        i = bad.index(struct.pack("<IIII", 0x70416E53, 1, 1, 8))
        struct.pack_into("<I", bad, i + 4, 0)
        path = os.path.join(work, "pv-snap-bad.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "lvm-view-bad", [path])
        desc = db(o).execute("SELECT description FROM volumes WHERE label = '!lvm:vg2/backup'").fetchone()[0]
        assert "whose view could not be rebuilt: the snapshot is marked invalid" in desc, desc
    tap.result("an LVM snapshot is walked as the origin was (fls and hashes of the old filesystem), exported and "
               "verified through it; an invalid one is named", snapshot_view)

    def damaged():
        bad = bytearray(open(pv, "rb").read())
        i = bad.index(b"logical_volumes")
        bad[i:i + 15] = b"logical_vol{{{{"
        path = os.path.join(work, "badpv.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "lvm-bad", [path])
        assert r.returncode == 1, r.returncode
        c = db(o)
        err = c.execute("SELECT error FROM volumes").fetchone()[0]
        assert "LVM2" in err, err
        assert c.execute("SELECT sha256 FROM items WHERE kind = 'volume'").fetchone()[0]
    tap.result("LVM2 metadata that cannot be parsed: the PV is named, hashed as one volume item, with the reason",
               damaged)

    def thin():
        # a Proxmox-style thin pool: VM disks as thin volumes (one a partitioned disk), a thin snapshot of
        # one taken before a file was deleted; the pool's metadata written by thin_restore, chunks shuffled
        src = os.path.join(work, "thin-src")
        tree(src, {"home/bob/notes.txt": b"bob's notes\n" * 300, "srv/db/ledger.csv": b"2011-03-01,4200\n" * 2000,
                   "srv/big.bin": bytes(range(256)) * 2048})
        old = os.path.join(work, "thin-old.img")
        sh(f"truncate -s 24M {old} && mkfs.ext4 -q -F -E root_owner=0:0 -d {src} {old}")
        new = os.path.join(work, "thin-new.img")
        shutil.copy(old, new)
        later = os.path.join(work, "later.txt")
        open(later, "wb").write(b"written after the snapshot\n")
        sh(f"debugfs -w -f - {new} >/dev/null 2>&1 <<'EOF'\nrm srv/db/ledger.csv\nwrite {later} srv/later.txt\nEOF")
        vmfs, vm_sums = ext4(work, "thin-vmfs", {"etc/hostname": b"vm-100\n", "home/c/mail.mbox":
                                                 b"From c@d\nSubject: q3\n\nnumbers\n" * 200}, 12)
        vmdisk = os.path.join(work, "vm-100.img")
        mbr_disk(vmdisk, [(vmfs, "83")], 16)
        pv = os.path.join(work, "pv-thin.img")
        sh(f"python3 {FIX}/mklvm.py {pv} pve root={root_fs} --thin data:vm-100-disk-0={vmdisk},"
           f"vm-101-disk-0={new} --thin-snapshot snap_vm-101-disk-0_before=vm-101-disk-0:{old}")
        case = os.path.join(work, "nr-thin.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "lvm-thin", [pv], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        vols = {row[0]: row[1:] for row in c.execute(
            "SELECT label, filesystem, holds, container, length, description, error FROM volumes")}
        # the pool is one row; its data and metadata LVs are not walked raw
        assert not [v for v in vols if v.endswith("_tdata") or v.endswith("_tmeta")], vols
        pool = vols["!lvm:pve/data"]
        assert pool[4].startswith("LVM2 thin pool pve/data: ") and " chunks of 64 KiB in use " in pool[4], pool
        used, total = map(int, pool[4].split(": ", 1)[1].split(" chunks")[0].split(" of "))
        assert used < total, pool  # the chunks a deleted volume left: in the pool, mapped by none
        snap = "!lvm:pve/snap_vm-101-disk-0_before"
        assert vols["!lvm:pve/vm-101-disk-0"][0] == "ext4" and vols[snap][0] == "ext4", vols
        assert "a thin snapshot of pve/vm-101-disk-0" in vols[snap][4], vols[snap]
        assert vols["!lvm:pve/vm-100-disk-0"][1] == "dos", vols
        assert vols["!lvm:pve/vm-100-disk-0!p1"][:3] == ("ext4", None, "partition"), vols
        # listings as fls gives on the images the volumes were made of, hashes as the sources'
        assert listing(o, "!lvm:pve/vm-101-disk-0") == fls(new)
        assert listing(o, snap) == fls(old)
        assert listing(o, "!lvm:pve/vm-100-disk-0!p1") == fls(vmdisk, 2048)
        got = vol_items(o, snap)
        assert got["/srv/db/ledger.csv"] == hashlib.sha256(b"2011-03-01,4200\n" * 2000).hexdigest()
        assert c.execute("SELECT i.allocated FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = ? AND "
                         "i.path = '/srv/db/ledger.csv'", ("!lvm:pve/vm-101-disk-0",)).fetchall() == [(0,)]
        got = vol_items(o, "!lvm:pve/vm-100-disk-0!p1")
        for path, sha in vm_sums.items():
            assert got[path] == sha, path
        assert not c.execute("SELECT 1 FROM errors WHERE severity = 'error'").fetchall()
        # the ledger: the pool's extents once, not the thin volumes' (over-provisioned) sizes
        cov = coverage_sums(o)
        lvs = sum(int(row["bytes"]) for row in cov if row["what"] == "LVM2 logical volumes")
        assert lvs == sum(v[3] for k, v in vols.items() if k.count("!") == 1 and k.count("/") == 1 and
                          not v[4].startswith("LVM2 thin volume")), (lvs, vols)
        assert lvs < os.path.getsize(pv), lvs
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE "
                                       "v.label IN (?, '!lvm:pve/vm-100-disk-0!p1') AND i.kind = 'file'", (snap,))]
        export_and_verify(work, o, ids, "--case", case)
        # damaged pool metadata: each thin volume is an error naming it; the linear LV is still walked
        bad = bytearray(open(pv, "rb").read())
        i = bad.index(struct.pack("<Q", 27022010)) - 32
        bad[i + 100] ^= 0xFF
        path = os.path.join(work, "pv-thin-bad.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "lvm-thin-bad", [path])
        assert r.returncode == 1, r.returncode
        errs = [m for (m,) in db(o).execute("SELECT message FROM errors WHERE severity = 'error'")]
        assert len([m for m in errs if "thin volume pve/" in m and "superblock fails its checksum" in m]) == 3, errs
        assert listing(o, "!lvm:pve/root") == fls(root_fs)
    def raid1():
        # lvcreate --type raid1 -m 1: walked once, from its first image; the images are not volumes of their own
        pv = os.path.join(work, "pv-raid1.img")
        sh(f"python3 {FIX}/mklvm.py {pv} vgr root={root_fs} --raid1 mirror={home_fs}")
        case = os.path.join(work, "nr-raid1.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "lvm-raid1", [pv], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        vols = {row[0]: row[1:] for row in c.execute("SELECT label, filesystem, length, description FROM volumes")}
        assert sorted(vols) == ["", "!lvm:vgr/mirror", "!lvm:vgr/root"], vols
        assert vols["!lvm:vgr/mirror"][0] == "ext4" and vols["!lvm:vgr/mirror"][2].startswith(
            "LVM2 RAID 1 logical volume vgr/mirror (segment type raid1, 2 images): read from its first image "
            "vgr/mirror_rimage_0"), vols
        assert listing(o, "!lvm:vgr/mirror") == fls(home_fs)
        got = vol_items(o, "!lvm:vgr/mirror")
        for path, sha in home_sums.items():
            assert got[path] == sha, path
        # the ledger: both images and both metadata LVs are the mirror's, counted once
        cov = coverage_sums(o)
        lvs = sum(int(row["bytes"]) for row in cov if row["what"] == "LVM2 logical volumes")
        images = 2 * ((os.path.getsize(home_fs) + MiB - 1) // MiB * MiB + MiB)
        assert lvs == os.path.getsize(root_fs) + images, (lvs, cov)
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE "
                                       "v.label = '!lvm:vgr/mirror' AND i.kind = 'file'")]
        export_and_verify(work, o, ids, "--case", case)
    tap.result("an LVM2 RAID 1 logical volume is walked once, read from its first image (fls's listing, the "
               "sources' hashes, export and verify); the ledger counts all its images once", raid1)

    tap.result("LVM2 thin volumes (a Proxmox pool): each read through the pool's dm-thin map (thin_restore's), "
               "a thin snapshot as it was, a VM disk's partitions; fls's listings and the sources' hashes, export "
               "and verify; the ledger counts the pool once; damaged pool metadata names each volume", thin)


def luks(tap, work):
    fs, sums = ext4(work, "secret", {"finance/ledger.csv": b"date,amount\n2011-03-01,100\n" * 200,
                                     "notes.txt": b"private notes\n"}, 6)
    passf = os.path.join(work, "pass")
    open(passf, "wb").write(b"correct horse battery")
    l1, l2 = os.path.join(work, "l1.img"), os.path.join(work, "l2.img")
    sh(f"python3 {FIX}/mkluks.py {l1} {fs} {passf} luks1")
    sh(f"python3 {FIX}/mkluks.py {l2} {fs} {passf} luks2 argon2id")
    disk = os.path.join(work, "luks-disk.img")
    mbr_disk(disk, [(l1, "83"), (l2, "83")], 24)
    ref = fls(fs)
    keyed = os.path.join(work, "keys.conf")
    open(keyed, "w").write(CASE_NR + "[keys]\npassphrase = wrong guess\nkey_file = pass\n")
    plain = os.path.join(work, "nokey.conf")
    open(plain, "w").write("[policy]\nunmatched_other = private\n")
    wrong = os.path.join(work, "wrong.conf")
    open(wrong, "w").write("[keys]\npassphrase = not it\n")
    out, p = scan(work, "luks-key", [disk], "--case", keyed)

    def with_key():
        assert p.returncode == 0, p.stderr
        c = db(out)
        for part, ver in (("p1", "LUKS1"), ("p2", "LUKS2")):
            label = part + "!luks"
            desc = c.execute("SELECT description FROM volumes WHERE label = ?", (label,)).fetchone()[0]
            assert desc.startswith(ver + ", aes-xts-plain64, 512-bit key"), desc
            assert "opened with key file pass" in desc, desc
            assert "correct horse" not in desc
            assert listing(out, label) == ref
            got = vol_items(out, label)
            for path, sha in sums.items():
                assert got[path] == sha, (label, path)
        assert b"correct horse" not in open(os.path.join(out, "case.db"), "rb").read()
        assert b"correct horse" not in open(os.path.join(out, "report.html"), "rb").read()
    tap.result("LUKS1 (512-bit key, PBKDF2) and LUKS2 (Argon2id) partitions open with a key_file of "
               "case.conf: walked as p1!luks, listings as fls gives, hashes the source files'; the key "
               "is never written", with_key)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path = '/finance/ledger.csv'")]
        assert len(ids) == 2
        export_and_verify(work, out, ids, "--case", keyed)
        v = subprocess.run([PT, "verify", out, "--evidence"], capture_output=True)
        assert v.returncode == 1 and b"no key" in v.stdout, v.stdout
    tap.result("items on LUKS volumes export and verify --evidence with --case; without the key, verify "
               "says the key is missing", reread)

    def without_key():
        for name, conf, why in (("luks-nokey", plain, "no key in case.conf"),
                                ("luks-wrong", wrong, "none of the 1 key")):
            o, r = scan(work, name, [disk], "--case", conf)
            assert r.returncode == 0, r.returncode  # every byte read: a note, not an error
            c = db(o)
            for part, ver in (("p1", "LUKS1"), ("p2", "LUKS2")):
                err = c.execute("SELECT error FROM volumes WHERE label = ?", (part,)).fetchone()[0]
                assert ver in err and why in err and "UUID 12345678-1234-4234-8234-123456789abc" in err, err
                row = c.execute("SELECT i.encryption, i.encryption_format, i.disposition, i.sha256 FROM items i"
                                " JOIN volumes v ON v.id = i.volume_id WHERE v.label = ? AND i.kind = 'volume'",
                                (part,)).fetchone()
                assert row[0] == "encrypted" and row[1].startswith("luks") and row[3], row
                assert row[2] == "needs-review", row
            cov = coverage_sums(o)
            assert any(r["volume"] == "p1" and r["status"] == "not examined" and "key" in r["reason"]
                       for r in cov), cov
    tap.result("without a key (or with a wrong one) each LUKS partition is one encrypted needs-review item, "
               "its header described (version, cipher, key size, UUID) and the reason given", without_key)

    def hostile():
        bad = bytearray(open(l1, "rb").read())
        struct.pack_into(">I", bad, 208 + 4, 0xFFFFFFFF)      # key slot 0: 4 billion PBKDF2 iterations
        struct.pack_into(">I", bad, 208 + 44, 0x7FFFFFFF)     # and absurd anti-forensic stripes
        p1 = os.path.join(work, "hostile1.img")
        open(p1, "wb").write(bad)
        bad2 = bytearray(open(l2, "rb").read())
        i = bad2.index(b'"segments"')
        bad2[i:i + 10] = b'"segmentz"'
        p2 = os.path.join(work, "hostile2.img")
        open(p2, "wb").write(bad2)
        o, r = scan(work, "luks-hostile", [p1, p2], "--case", keyed)
        assert r.returncode == 1, r.returncode
        errs = [e for (e,) in db(o).execute("SELECT error FROM volumes ORDER BY id")]
        assert "sizes out of range" in errs[0] or "iteration" in errs[0], errs
        assert "no crypt segment" in errs[1], errs
        # authenticated encryption (cryptsetup --integrity): named, not read as if plain
        bad3 = bytearray(open(l2, "rb").read())
        i = bad3.index(b'"type":"crypt",') + len(b'"type":"crypt",')
        add = b'"integrity":{"type":"hmac(sha256)","journal_encryption":"none","journal_integrity":"none"},'
        end = bad3.index(b"\0", i)
        bad3[i:end + len(add)] = add + bad3[i:end]
        p3 = os.path.join(work, "hostile3.img")
        open(p3, "wb").write(bad3)
        o, r = scan(work, "luks-integrity", [p3], "--case", keyed)
        err = db(o).execute("SELECT error FROM volumes WHERE label = ''").fetchone()[0]
        assert "LUKS2 with authenticated encryption (aes-xts-plain64, integrity hmac(sha256))" in err, err
    tap.result("a LUKS header with absurd iteration and stripe counts, LUKS2 metadata without a segment, or "
               "with authenticated encryption (dm-integrity) is refused with the reason, quickly", hostile)

    def large_sectors():
        l3 = os.path.join(work, "l3.img")
        sh(f"python3 {FIX}/mkluks.py {l3} {fs} {passf} luks2 pbkdf2 --sector-size 4096 2>/dev/null")
        assert "sector: 4096 [bytes]" in sh(f"cryptsetup luksDump {l3}")
        o, r = scan(work, "luks-4k", [l3], "--case", keyed)
        assert r.returncode == 0, r.stderr
        assert listing(o, "!luks") == ref
        got = vol_items(o, "!luks")
        for path, sha in sums.items():
            assert got[path] == sha, path
    tap.result("LUKS2 with 4096-byte sectors (cryptsetup's default since 2.4; IVs counted in those sectors) "
               "opens and reads as its filesystem", large_sectors)


def mkxfs(work, name, files, size_mb=64):
    """An XFS filesystem populated with a protofile (no mount).  xfsprogs 6
    refuses filesystems under 300 MB unless told it is testing (QA_CHECK_FS,
    TEST_DIR, TEST_DEV), which is what a small fixture is."""
    src = os.path.join(work, name + ".d")
    sums = tree(src, {k: v for k, (v, _, _) in files.items()})
    dirs = {}
    for rel, (_, uid, mode) in files.items():
        parts = rel.split("/")
        node = dirs
        for d in parts[:-1]:
            node = node.setdefault(d + "/", {})
        node[parts[-1]] = (os.path.join(src, rel), uid, mode)

    def emit(node, indent):
        lines = []
        for k, v in sorted(node.items()):
            if k.endswith("/"):
                lines.append(f"{indent}{k[:-1]} d--755 0 0")
                lines += emit(v, indent + " ")
                lines.append(f"{indent}$")
            else:
                path, uid, mode = v
                lines.append(f"{indent}{k} ---{mode} {uid} {uid} {path}")
        return lines
    proto = os.path.join(work, name + ".proto")
    open(proto, "w").write("\n".join(["dummy", "0 0", "d--755 0 0"] + emit(dirs, " ") + ["$", ""]))
    img = os.path.join(work, name + ".img")
    sh(f"truncate -s {size_mb}M {img} && QA_CHECK_FS=1 TEST_DIR=/tmp TEST_DEV=fixture mkfs.xfs -q -f -p {proto} {img}")
    return img, sums


def btrfs(tap, work):
    # mkfs.btrfs --rootdir (btrfs-progs writes it): a tree of several levels, hard and symbolic links,
    # a file of several extents, names the walk must keep as they are
    src = os.path.join(work, "btrfs-src")
    files = {"etc/passwd": b"root:x:0:0::/root:/bin/sh\ncarol:x:1001:1001::/home/carol:/bin/sh\n",
             "etc/os-release": b'PRETTY_NAME="openSUSE Leap 15.5"\n',
             "home/carol/ledger.csv": b"2012-01-01,100\n" * 30000,
             "home/carol/photo.raw": os.urandom(0) + bytes((i * 7919) % 251 for i in range(3 * MiB)),
             "home/carol/empty": b"",
             "home/carol/name with 'quotes' and <script>.txt": b"x\n"}
    for i in range(1500):
        files[f"srv/mail/msg-{i:04d}.eml"] = f"From: a{i}@b\nSubject: {i}\n\nbody {i}\n".encode()
    sums = tree(src, files)
    os.link(os.path.join(src, "home/carol/ledger.csv"), os.path.join(src, "home/carol/ledger-link.csv"))
    sums["/home/carol/ledger-link.csv"] = sums["/home/carol/ledger.csv"]
    os.symlink("ledger.csv", os.path.join(src, "home/carol/latest"))
    img = os.path.join(work, "btrfs.img")
    sh(f"truncate -s 160M {img} && mkfs.btrfs -q -f -L nas-vol1 --rootdir {src} {img} >/dev/null 2>&1")
    disk = os.path.join(work, "btrfs-disk.img")
    mbr_disk(disk, [(img, "83")], 170)
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "btrfs-out", [disk], "--case", case)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        v = c.execute("SELECT filesystem, os FROM volumes WHERE label = 'p1'").fetchone()
        assert v == ("btrfs", "openSUSE Leap 15.5"), v
        got = vol_items(out, "p1")
        for path, sha in sums.items():
            assert got.get(path) == sha, (path, got.get(path))
        want = set()
        for dp, dns, fns in os.walk(src):
            for n in dns + fns:
                want.add("/" + os.path.relpath(os.path.join(dp, n), src))
        names = set(listing(out, "p1"))
        assert names == want, sorted(names ^ want)[:10]
        row = c.execute("SELECT kind, link_target FROM items WHERE path = '/home/carol/latest'").fetchone()
        assert row == ("symlink", "ledger.csv"), row
        row = c.execute("SELECT uid, owner FROM items WHERE path = '/etc/passwd'").fetchone()
        assert row[0] == os.stat(os.path.join(src, "etc/passwd")).st_uid, row
        desc = c.execute("SELECT message FROM errors WHERE location = 'p1'").fetchone()[0]
        assert desc.startswith("Btrfs 'nas-vol1', ") and "deleted files are recovered only from the trees" in desc, desc
        cov = coverage_sums(out)
        assert any(r["volume"] == "p1" and r["what"] == "btrfs filesystem: free space" for r in cov), cov
    tap.result("a Btrfs partition (which The Sleuth Kit does not read) is walked by ptriage's own reader: "
               "every name mkfs.btrfs put there, hashes the source files', links, owners and OS", walked)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE '/home/carol/%' AND kind = 'file'")]
        x, rec = export_and_verify(work, out, ids, "--case", case)
        for r in rec:
            assert hashlib.sha256(open(os.path.join(x, r["exported_as"]), "rb").read()).hexdigest() == sums[r["path"]]
    tap.result("Btrfs items export and verify --evidence", reread)

    def kernel():
        # written by the Linux kernel (tests/fixtures/mkbtrfs-kernel.sh): subvolumes and a snapshot, zstd, zlib
        # and LZO extents, inline, sparse, preallocated and reflinked files; the kernel's own reading of each
        k = fixture(work, "btrfs-kernel.img")
        o, r = scan(work, "btrfs-kernel", [k], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        vols = {row[0]: row[1:] for row in c.execute("SELECT label, filesystem, container, layer_name FROM volumes")}
        assert vols == {"": ("btrfs", None, None), "!btrfs:@": ("btrfs", "btrfs", "256"),
                        "!btrfs:@home": ("btrfs", "btrfs", "257"),
                        "!btrfs:@home/.snapshots/before": ("btrfs", "btrfs", "258")}, vols
        want = {}
        for line in open(os.path.join(FIX, "btrfs-kernel.sums"), encoding="utf-8"):
            sub, path, size, sha = line.rstrip("\n").split("\t")
            want[("!btrfs:" + sub, path)] = (int(size), sha)
        got = {(lab, path): (size, sha) for lab, path, size, sha in c.execute(
            "SELECT v.label, i.path, i.size, i.sha256 FROM items i JOIN volumes v ON v.id = i.volume_id "
            "WHERE i.kind = 'file' AND i.parent_id IS NULL")}
        assert got == want, sorted(set(got.items()) ^ set(want.items()))[:6]
        assert ("!btrfs:@home/.snapshots/before", "/ann/deleted-later.txt") in got
        assert ("!btrfs:@home", "/ann/deleted-later.txt") not in got
        notes = [m for (m,) in c.execute("SELECT message FROM errors WHERE message LIKE 'Btrfs %'")]
        assert any("3 subvolumes besides the top level" in m for m in notes), notes
        assert not c.execute("SELECT 1 FROM errors WHERE severity = 'error'").fetchall()
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE i.kind = "
                                       "'file' AND (i.path LIKE '/var/log/%' OR (v.label LIKE '%before' AND i.path "
                                       "NOT LIKE '/ann/docs/%'))")]
        assert len(ids) == 10, ids  # three logs, seven files of the snapshot
        export_and_verify(work, o, ids, "--case", case)
    tap.result("a Btrfs volume the kernel wrote: each subvolume and snapshot a volume of its own, every file as "
               "the kernel reads it (zstd, zlib, LZO, inline, sparse, preallocated, reflinked), export and verify",
               kernel)

    def deleted():
        # written by the kernel (tests/fixtures/mkbtrfs-deleted.sh): files deleted in the last transaction,
        # named still by the trees of earlier generations that the superblock's backup roots point at
        k = fixture(work, "btrfs-deleted.img")
        o, r = scan(work, "btrfs-deleted", [k], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        want = {}
        for line in open(os.path.join(FIX, "btrfs-deleted.sums"), encoding="utf-8"):
            state, sub, path, size, sha = line.rstrip("\n").split("\t")
            want[("!btrfs:" + sub if sub else "", path)] = (0 if state == "deleted" else 1, int(size), sha)
        got = {(lab, path): (alloc, size, sha) for lab, path, alloc, size, sha in c.execute(
            "SELECT v.label, i.path, i.allocated, i.size, i.sha256 FROM items i JOIN volumes v ON v.id = i.volume_id "
            "WHERE i.kind = 'file'")}
        assert got == want, sorted(set(got.items()) ^ set(want.items()))
        row = c.execute("SELECT allocated, error FROM items WHERE path = '/ann/old'").fetchone()
        assert row[0] == 0 and "deleted: named in the Btrfs tree of generation 7" in row[1], row
        notes = [m for (m,) in c.execute("SELECT message FROM errors WHERE message LIKE 'Btrfs backup root%'")]
        assert sorted(notes) == ["Btrfs backup root of generation 7: 1 file the current tree no longer names, "
                                 "listed as deleted", "Btrfs backup root of generation 7: 5 files the current tree "
                                 "no longer names, listed as deleted"], notes
        ids = [i for (i,) in c.execute("SELECT id FROM items WHERE kind = 'file' AND allocated = 0")]
        assert len(ids) == 5, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("Btrfs files deleted in the last transactions (the kernel wrote the image) are found in the trees "
               "of the superblock's backup roots: listed as deleted with their content's hashes as the kernel read "
               "them before, in the top level and a subvolume; export and verify read them again", deleted)

    def damaged():
        # a leaf whose both DUP copies are damaged: named, the rest walked; a damaged superblock: named
        bad = bytearray(open(img, "rb").read())
        hits = [m.start() for m in re.finditer(rb"msg-1400\.eml", bad)]
        assert len(hits) >= 2, hits
        for h in hits:
            bad[h] ^= 0x20
        path = os.path.join(work, "btrfs-bad.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "btrfs-bad", [path])
        assert r.returncode == 1, r.returncode
        c = db(o)
        errs = [m for (m,) in c.execute("SELECT message FROM errors WHERE severity = 'error'")]
        assert any("fails its checksum (damaged; so does its second copy)" in m for m in errs), errs
        names = set(listing(o, ""))
        assert "/srv/mail/msg-0000.eml" in names and "/home/carol/ledger.csv" in names, len(names)
        sb = bytearray(open(img, "rb").read())
        sb[65536 + 0x70] ^= 1
        path = os.path.join(work, "btrfs-badsb.img")
        open(path, "wb").write(sb)
        o, r = scan(work, "btrfs-badsb", [path])
        err = db(o).execute("SELECT error FROM volumes").fetchone()[0]
        assert "the Btrfs superblock fails its checksum" in err, err
    def hostile():
        # tree blocks changed at random and sealed again with a valid checksum, so that the structure
        # checks (item offsets, levels, counts, keys, extents) meet the damage, not the checksum
        table = []
        for n in range(256):
            x = n
            for _ in range(8):
                x = (x >> 1) ^ (0x82F63B78 if x & 1 else 0)
            table.append(x)

        def crc32c(data):
            x = 0xFFFFFFFF
            for byte in data:
                x = (x >> 8) ^ table[(x ^ byte) & 0xFF]
            return x ^ 0xFFFFFFFF
        small = os.path.join(work, "btrfs-small-src")
        tree(small, {f"a/b/f{i}.txt": f"file {i}\n".encode() for i in range(300)})
        tree(small, {"a/r.bin": bytes((i * 31) % 256 for i in range(200000))})
        sm = os.path.join(work, "btrfs-small.img")
        sh(f"truncate -s 120M {sm} && mkfs.btrfs -q -f -m single -d single --rootdir {small} --shrink {sm} "
           ">/dev/null 2>&1")
        base = open(sm, "rb").read()
        fsid, nodesize = base[65536 + 0x20:65536 + 0x30], struct.unpack_from("<I", base, 65536 + 0x94)[0]
        # blocks of the trees the walk reads: the root tree (1), the chunk tree (3), the top level (5)
        blocks = [o for o in range(0, len(base), nodesize) if o != 65536 - 65536 % nodesize and
                  base[o + 0x20:o + 0x30] == fsid and struct.unpack_from("<Q", base, o + 0x58)[0] in (1, 3, 5)]
        assert len(blocks) >= 3, len(blocks)
        r = random.Random(7)
        damaged = 0
        for k in range(30):
            bad = bytearray(base)
            o = r.choice(blocks)
            used = 101 + struct.unpack_from("<I", base, o + 0x60)[0] * (33 if base[o + 0x64] else 25)
            for _ in range(r.randint(1, 4)):
                # the header's count and level, the item table, or the item data at the block's end
                at = r.choice([r.randrange(0x60, 0x65), r.randrange(101, max(used, 102)),
                               r.randrange(nodesize - 2048, nodesize)])
                bad[o + at] = r.randrange(256)
            struct.pack_into("<I", bad, o, crc32c(bytes(bad[o + 32:o + nodesize])))
            path = os.path.join(work, "btrfs-hostile.img")
            open(path, "wb").write(bad)
            outk = os.path.join(work, "btrfs-hostile")
            shutil.rmtree(outk, ignore_errors=True)
            q = subprocess.run([PT, "scan", path, "-o", outk, "-q"], capture_output=True)
            err = q.stderr.decode(errors="replace")
            assert q.returncode in (0, 1) and "Sanitizer" not in err and "runtime error" not in err, (k, o, err[-2000:])
            damaged += q.returncode == 1
        assert damaged >= 10, damaged  # the damage was met, and reported
    tap.result("Btrfs tree blocks damaged at random and sealed with a valid checksum: every scan finishes (exit 0 "
               "or 1), no crash, no sanitizer report", hostile)

    tap.result("Btrfs damage: a tree leaf damaged in both copies is named and the rest walked; a damaged "
               "superblock leaves one hashed volume item with the reason", damaged)

def squashfs(tap, work):
    """SquashFS (which The Sleuth Kit does not read), written by mksquashfs
    with each of its six compressors and its block and fragment options, as
    evidence, as a partition and as a snap file inside ext4."""
    src = os.path.join(work, "sq-src")
    r = random.Random(11)
    files = {"etc/passwd": b"root:x:0:0::/root:/bin/sh\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n",
             "etc/os-release": b'PRETTY_NAME="Ubuntu Core 22"\n',
             "home/ubuntu/photo.raw": bytes(r.getrandbits(8) for _ in range(700000)),
             "home/ubuntu/ledger.csv": b"2012-01-01,invoice,100\n" * 20000,
             "home/ubuntu/empty": b"",
             "home/ubuntu/name with 'quotes', \"dq\" and <script>.txt": b"x\n",
             "home/ubuntu/caf\u00e9.txt": b"utf-8 name\n"}
    for i in range(700):  # a listing of several metadata blocks: an extended directory with an index
        files[f"srv/mail/msg-{i:04d}.eml"] = f"From: a{i}@example.org\nSubject: {i}\n\n".encode() + b"body\n" * (i % 40)
    sums = tree(src, files)
    os.link(os.path.join(src, "home/ubuntu/ledger.csv"), os.path.join(src, "home/ubuntu/ledger-link.csv"))
    sums["/home/ubuntu/ledger-link.csv"] = sums["/home/ubuntu/ledger.csv"]
    os.symlink("ledger.csv", os.path.join(src, "home/ubuntu/latest"))
    with open(os.path.join(src, "home/ubuntu/sparse.img"), "wb") as f:
        f.truncate(3 * MiB)
        f.seek(2 * MiB)
        f.write(b"middle\n")
    sums["/home/ubuntu/sparse.img"] = hashlib.sha256(open(os.path.join(src, "home/ubuntu/sparse.img"), "rb")
                                                     .read()).hexdigest()
    os.mkfifo(os.path.join(src, "run.fifo"))
    sh(f"chown -R 1000:1000 {src}/home/ubuntu && touch -h -d '2012-05-01 10:00:00Z' {src}/home/ubuntu/*")
    want = {}
    for dp, dns, fns in os.walk(src):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            want["/" + os.path.relpath(p, src)] = (st.st_uid, int(st.st_mtime))
    variants = [(c, f"-comp {c}") for c in ("gzip", "lzo", "lz4", "xz", "zstd", "lzma")]
    variants += [("nofrag-4k", "-comp xz -b 4K -no-fragments"), ("raw", "-noI -noD -noF -noX -always-use-fragments"),
                 ("1m-noexport", "-comp zstd -b 1M -no-exports -no-xattrs")]
    imgs = []
    for name, opts in variants:
        img = os.path.join(work, f"{name}.sqfs")
        sh(f"mksquashfs {src} {img} {opts} -quiet -no-progress -mkfs-time 1700000000 >/dev/null")
        imgs.append(img)
    out, p = scan(work, "sq-out", imgs)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        for img in imgs:
            label = os.path.basename(img)
            vols = c.execute("SELECT v.label, v.filesystem, v.os FROM volumes v JOIN evidence e ON e.id = "
                             "v.evidence_id WHERE e.label = ?", (label,)).fetchall()
            assert vols == [("", "squashfs", "Ubuntu Core 22")], (label, vols)
            rows = c.execute("SELECT i.path, i.kind, i.sha256, i.uid, i.mtime, i.owner, i.link_target FROM items i "
                             "JOIN evidence e ON e.id = i.evidence_id WHERE e.label = ? AND i.parent_id IS NULL",
                             (label,)).fetchall()
            got = {r[0]: r for r in rows}
            assert set(got) == set(want), (label, sorted(set(got) ^ set(want))[:6])
            for path, (uid, mtime) in want.items():
                assert got[path][3] == uid and got[path][4] == mtime, (label, path, got[path], uid, mtime)
            for path, sha in sums.items():
                assert got[path][2] == sha, (label, path)
            assert got["/home/ubuntu/latest"][1:2] + got["/home/ubuntu/latest"][6:] == ("symlink", "ledger.csv")
            assert got["/run.fifo"][1] == "fifo" and got["/srv"][1] == "dir", label
            assert got["/home/ubuntu/ledger.csv"][5] == "ubuntu", (label, got["/home/ubuntu/ledger.csv"])
        notes = [m for (m,) in c.execute("SELECT message FROM errors WHERE message LIKE 'SquashFS 4.0, %'")]
        assert len(notes) == len(imgs) and any("LZ4-compressed, 128 KiB blocks" in m for m in notes), notes
        assert any("made 2023-11-14 22:13:20 UTC" in m for m in notes), notes
        assert not c.execute("SELECT 1 FROM errors WHERE severity != 'note'").fetchall()
        coverage_sums(out)
    tap.result("SquashFS images of all six compressors (gzip, LZO, LZ4, XZ, zstd, LZMA), 4 KiB and 1 MiB blocks, "
               "without fragments, uncompressed and without an export table: every name mksquashfs stored, hashes "
               "the source files', hard and symbolic links, a sparse file, owners, times and OS", walked)

    def in_disk():
        # a partition of a GPT disk, and a snap file in an ext4 filesystem (/var/lib/snapd/snaps)
        img = imgs[3]
        disk = os.path.join(work, "sq-disk.img")
        mbr_disk(disk, [(img, "0FC63DAF-8483-4772-8E79-3D69D8477DE4")], 12, label="gpt")
        root = os.path.join(work, "sq-ext.d")
        os.makedirs(os.path.join(root, "var/lib/snapd/snaps"))
        shutil.copy(imgs[2], os.path.join(root, "var/lib/snapd/snaps/core22_1380.snap"))
        ext = os.path.join(work, "sq-ext.img")
        sh(f"truncate -s 24M {ext} && mkfs.ext4 -q -F -E root_owner=0:0 -d {root} {ext}")
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "sq-nested", [disk, ext], "--case", case)
        assert r.returncode == 0, r.stderr
        c = db(o)
        got = vol_items(o, "p1")
        for path, sha in sums.items():
            assert got.get(path) == sha, ("p1", path)
        snap = "/var/lib/snapd/snaps/core22_1380.snap!"
        nested = {k[len(snap):]: v for k, v in c.execute("SELECT path, sha256 FROM items WHERE kind = 'file' AND "
                                                         "path LIKE ? || '%'", (snap,))}
        for path, sha in sums.items():
            assert nested.get(path) == sha, ("snap", path, nested.get(path))
        assert c.execute("SELECT filesystem FROM volumes WHERE label = 'p1'").fetchone() == ("squashfs",)
        ids = [i for (i,) in c.execute("SELECT id FROM items WHERE kind = 'file' AND (path LIKE '/home/ubuntu/%' OR "
                                       "path LIKE ? || '/home/ubuntu/%' OR path LIKE ? || '/srv/mail/msg-06__.eml')",
                                       (snap, snap))]
        assert len(ids) == 2 * 7 + 100, len(ids)
        x, rec = export_and_verify(work, o, ids, "--case", case)
        for row in rec:
            if row["kind"] == "file":
                rel = row["path"].split("!", 1)[-1]
                assert hashlib.sha256(open(os.path.join(x, row["exported_as"]), "rb").read()).hexdigest() == \
                    sums[rel], row
    tap.result("SquashFS as a GPT partition and as a snap file inside ext4 (walked as FILE!/...): every file "
               "hashed as the source's; export and verify --evidence read them again", in_disk)

    def damaged():
        base = open(imgs[0], "rb").read()
        cut = os.path.join(work, "sq-cut.sqfs")
        open(cut, "wb").write(base[:len(base) // 2])
        o, r = scan(work, "sq-cut", [cut])
        err = db(o).execute("SELECT error FROM volumes").fetchone()[0] or ""
        assert "truncated" in err and r.returncode == 1, (err, r.returncode)
        rnd = random.Random(5)
        met = 0
        raw = open(imgs[7], "rb").read()  # uncompressed metadata: the damage meets the structures themselves
        for k in range(20):
            one = raw if k % 4 >= 2 else base
            bad = bytearray(one)
            for _ in range(rnd.randint(1, 8)):
                # the tables at the end (inodes, directories, ids, fragments) or anywhere
                at = rnd.randrange(len(one) - 60000, len(one)) if k % 2 else rnd.randrange(96, len(one))
                bad[at] = rnd.randrange(256)
            path = os.path.join(work, "sq-bad.sqfs")
            open(path, "wb").write(bad)
            o = os.path.join(work, "sq-bad")
            shutil.rmtree(o, ignore_errors=True)
            q = subprocess.run([PT, "scan", path, "-o", o, "-q"], capture_output=True)
            e = q.stderr.decode(errors="replace")
            assert q.returncode in (0, 1) and "Sanitizer" not in e and "runtime error" not in e, (k, e[-2000:])
            met += q.returncode == 1
        assert met >= 5, met
    tap.result("SquashFS damage: a truncated image names the bytes missing; 20 images damaged at random "
               "(compressed and uncompressed metadata tables, data) each scan to the end, the damage reported, "
               "no crash", damaged)

def volume_files(tap, work):
    """Volumes kept as files inside the evidence, without a partition table:
    a LUKS container made with cryptsetup on a file (opened when case.conf
    gives its key), a cloud VM's whole-disk XFS data disk, a whole-disk
    Btrfs and a whole-disk LVM physical volume; each walked as FILE!..."""
    inner, sums = ext4(work, "vault", {"docs/plans.txt": b"the plans\n" * 50, "tax/2011.csv": b"2011,1\n" * 900}, 6)
    passf = os.path.join(work, "pass")
    open(passf, "wb").write(b"correct horse battery")
    root = os.path.join(work, "host.d")
    os.makedirs(os.path.join(root, "home/bob"))
    os.makedirs(os.path.join(root, "srv"))
    sh(f"python3 {FIX}/mkluks.py {root}/home/bob/vault.img {inner} {passf} luks2")
    xfs_img, xsums = mkxfs(work, "data", {"db/orders.csv": (b"order,1\n" * 3000, 1000, "640")})
    shutil.copy(xfs_img, os.path.join(root, "srv/data-disk.raw"))
    bsrc = os.path.join(work, "nas.d")
    bsums = tree(bsrc, {"share/photos/p1.raw": bytes(range(256)) * 600, "share/readme.txt": b"nas\n"})
    sh(f"truncate -s 120M {root}/srv/nas.img && mkfs.btrfs -q -f -m single -d single --rootdir {bsrc} --shrink "
       f"{root}/srv/nas.img >/dev/null 2>&1")
    lsrc, lsums = ext4(work, "lvroot", {"etc/hostname": b"vm7\n", "home/eve/mail.mbox": b"From a\n\nhi\n" * 400}, 8)
    sh(f"python3 {FIX}/mklvm.py {root}/srv/vm7-pv.img vg7 root={lsrc}")
    host = os.path.join(work, "host.img")
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(root) for f in fs) // MiB + 40
    sh(f"truncate -s {size}M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {root} {host}")
    keyed = os.path.join(work, "keys.conf")
    open(keyed, "w").write(CASE_NR + f"[keys]\nkey_file = {passf}\n")
    out, p = scan(work, "vf-key", [host], "--case", keyed)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        got = {r[0]: r[1] for r in c.execute("SELECT path, sha256 FROM items WHERE kind = 'file'")}
        for prefix, want in (("/home/bob/vault.img!!luks", sums), ("/srv/data-disk.raw!", xsums),
                             ("/srv/nas.img!", bsums), ("/srv/vm7-pv.img!!lvm:vg7/root", lsums)):
            for path, sha in want.items():
                assert got.get(prefix + path) == sha, (prefix + path, sorted(k for k in got if k.startswith(prefix)))
        fs = {r[0]: r[1] for r in c.execute("SELECT label, filesystem FROM volumes")}
        assert fs.get("/home/bob/vault.img!!luks") == "ext4" and fs.get("/srv/data-disk.raw!") == "xfs", fs
        assert fs.get("/srv/nas.img!") == "btrfs" and fs.get("/srv/vm7-pv.img!!lvm:vg7/root") == "ext4", fs
    tap.result("volumes kept as files: a LUKS2 container file opened with the key of case.conf, a whole-disk "
               "XFS, a whole-disk Btrfs and a whole-disk LVM PV, each walked as FILE!...; hashes the sources'", walked)

    def reread():
        ids = [i for (i,) in db(out).execute("SELECT id FROM items WHERE kind = 'file' AND path LIKE '%!%' AND "
                                             "path NOT LIKE '%lost+found%'")]
        assert len(ids) == 7, ids
        export_and_verify(work, out, ids, "--case", keyed)
    tap.result("files of volumes kept as files export and verify --evidence", reread)

    def no_key():
        o, r = scan(work, "vf-nokey", [host])
        assert r.returncode == 0, r.stderr
        c = db(o)
        row = c.execute("SELECT encryption, encryption_format FROM items WHERE path = '/home/bob/vault.img'").fetchone()
        assert row == ("encrypted", "luks2"), row
        assert not c.execute("SELECT 1 FROM items WHERE path LIKE '/home/bob/vault.img!%'").fetchall()
        assert c.execute("SELECT count(*) FROM volumes WHERE label LIKE '/home/bob/vault.img%'").fetchone() == (0,)
    tap.result("without keys a LUKS container file is one encrypted item (luks2), not read a second time", no_key)


def xfs(tap, work):
    files = {"etc/passwd": (b"root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n", 0, "644"),
             "etc/os-release": (b'PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n', 0, "644"),
             "home/bob/q3-report.txt": (b"quarterly figures\n" * 4000, 1000, "600"),
             "home/bob/deep/a/b/c/key.bin": (bytes(range(256)) * 64, 1000, "600"),
             "srv/empty": (b"", 0, "644")}
    img, sums = mkxfs(work, "x", files)
    disk = os.path.join(work, "xfs-disk.img")
    mbr_disk(disk, [(img, "83")], 70)
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "xfs-out", [disk], "--case", case)

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        v = c.execute("SELECT filesystem, os FROM volumes WHERE label = 'p1'").fetchone()
        assert v == ("xfs", "Rocky Linux 9.3 (Blue Onyx)"), v
        got = vol_items(out, "p1")
        for path, sha in sums.items():
            assert got.get(path) == sha, (path, got.get(path))
        names = set(listing(out, "p1"))
        want = set(sums) | {"/etc", "/home", "/home/bob", "/home/bob/deep", "/home/bob/deep/a", "/home/bob/deep/a/b",
                            "/home/bob/deep/a/b/c", "/srv"}
        assert names == want, sorted(names ^ want)
        row = c.execute("SELECT uid, owner, mode, mtime FROM items WHERE path = '/home/bob/q3-report.txt'").fetchone()
        assert row[:3] == (1000, "bob", 0o600), row
        assert abs(row[3] - os.path.getmtime(img)) < 600, row  # made by mkfs just now
        cov = coverage_sums(out)
        assert any(r["volume"] == "p1" and r["what"].startswith("xfs filesystem") for r in cov), cov
    tap.result("an XFS partition (which The Sleuth Kit does not read) is walked through libfsxfs: every "
               "name of the protofile, hashes the source files', owners from its /etc/passwd, its OS", walked)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE '/home/bob/%' AND kind = 'file'")]
        x, rec = export_and_verify(work, out, ids)
        for r in rec:
            assert hashlib.sha256(open(os.path.join(x, r["exported_as"]), "rb").read()).hexdigest() == sums[r["path"]]
    tap.result("XFS items export and verify --evidence through libfsxfs", reread)

    def damaged():
        good = open(img, "rb").read()
        agcount = struct.unpack(">I", good[0x58:0x5C])[0]
        cases = [
            # block size: nonsense
            ("bs", lambda b: b.__setitem__(slice(4, 8), b"\xff" * 4), "geometry is inconsistent (block size 4294967295"),
            # 16 million allocation groups of no blocks: libfsxfs alone spun on these for hours (fuzz_readers)
            ("ags", lambda b: (b.__setitem__(slice(0x54, 0x58), bytes(4)),
                               b.__setitem__(slice(0x58, 0x5C), struct.pack(">I", 16777232))),
             "16777232 allocation groups of 0 blocks"),
            # a format version libfsxfs does not know: geometry fine, the library's reason
            ("ver", lambda b: b.__setitem__(slice(0x64, 0x66), b"\x00\x09"), "not opened by libfsxfs ("),
            # cut in the last allocation group's header: a truncated image
            ("cut", lambda b: b.__delitem__(slice(len(b) // agcount * (agcount - 1), None)),
             f"allocation group {agcount} of {agcount} starts at byte"),
        ]
        for name, hurt, want in cases:
            bad = bytearray(good)
            hurt(bad)
            path = os.path.join(work, f"bad-{name}.xfs")
            open(path, "wb").write(bad)
            t0 = time.monotonic()
            o, r = scan(work, f"xfs-bad-{name}", [path])
            assert r.returncode == 1 and time.monotonic() - t0 < 60, (name, r.returncode)
            err = db(o).execute("SELECT error FROM volumes").fetchone()[0]
            assert err.startswith("XFS") and want in err and "hashed as one volume item" in err, (name, err)
    tap.result("damaged XFS superblocks (block size, 16 million allocation groups, version, a truncated image): "
               "each named with its reason, within a minute, hashed as one item", damaged)


APFS_PART = "7C3457EF-0000-11AA-AA11-00306543ECAC"
EFI_PART = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"


def pstat_volumes(img, offset=0):
    """(name, superblock block) of each APFS volume, as pstat prints them."""
    out = sh(f"pstat -o {offset} {img}")
    blocks = [int(l.split(":")[1]) for l in out.splitlines() if "APSB Block Number" in l]
    names = [l.split(":", 1)[1].strip().rsplit(" (", 1)[0] for l in out.splitlines() if "Name (Role)" in l]
    return list(zip(names, blocks))


def fletcher64(block):
    """The checksum of an APFS object (its first 8 bytes) over the rest."""
    s1 = s2 = 0
    for (w,) in struct.iter_unpack("<I", block[8:]):
        s1 = (s1 + w) % 0xffffffff
        s2 = (s2 + s1) % 0xffffffff
    c1 = 0xffffffff - ((s1 + s2) % 0xffffffff)
    c2 = 0xffffffff - ((s1 + c1) % 0xffffffff)
    return struct.pack("<II", c1, c2)


def apfs_mark_encrypted(src, dst, block, scramble):
    """Clears APFS_FS_UNENCRYPTED in the volume superblock at block (its
    checksum redone), and with scramble overwrites every file-system tree
    node with random bytes, as ciphertext reads without the key: Linux can
    write no FileVault volume, so this is how one looks to a reader."""
    b = bytearray(open(src, "rb").read())
    o = block * 4096
    sb = b[o:o + 4096]
    assert sb[32:36] == b"APSB" and fletcher64(sb) == bytes(sb[:8])
    struct.pack_into("<Q", sb, 264, struct.unpack_from("<Q", sb, 264)[0] & ~1)  # fs_flags
    sb[:8] = fletcher64(sb)
    b[o:o + 4096] = sb
    n = 0
    for off in range(0, len(b), 4096) if scramble else ():
        typ, sub = struct.unpack_from("<II", b, off + 24)
        if typ & 0xffff in (2, 3) and sub == 0x0e:          # B-tree (node) of the file-system tree
            b[off:off + 4096] = hashlib.shake_256(b"%d" % off).digest(4096)
            n += 1
    assert n or not scramble
    open(dst, "wb").write(b)


def nested_in_ext4(work, name, img, rel, size, sums, export):
    """img copied to rel in an ext4 filesystem (mkfs.ext4 -d; size: its
    size and options) is walked as FILE!/...: each file of sums there has
    its hash, and the files of export export and verify --evidence."""
    tree = os.path.join(work, name + "-host.d")
    os.makedirs(os.path.dirname(os.path.join(tree, rel)))
    shutil.copy(img, os.path.join(tree, rel))
    host = os.path.join(work, name + "-host.img")
    size, *opts = size.split()
    sh(f"truncate -s {size} {host} && mkfs.ext4 -q -F {' '.join(opts)} -E root_owner=0:0 -d {tree} {host}")
    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    o, p = scan(work, name + "-nested", [host], "--case", case)
    assert p.returncode == 0, p.stderr
    pre = "/" + rel + "!"
    got = {k[len(pre):]: v for k, v in db(o).execute("SELECT path, sha256 FROM items WHERE kind = 'file' AND "
                                                       "path LIKE ? || '/%'", (pre,))}
    for path, h in sums.items():
        assert got.get(path) == h, path
    ids = [i for (i,) in db(o).execute(f"SELECT id FROM items WHERE path IN ({','.join('?' * len(export))})",
                                       tuple(pre + e for e in export))]
    assert len(ids) == len(export), ids
    export_and_verify(work, o, ids, "--case", case)


def apfs(tap, work):
    """A Mac disk: GPT with an EFI partition and an APFS container whose
    volume holds a user's files, written by Linux's APFS driver in a VM."""
    rnd = b"".join(hashlib.sha256(b"apfs %d" % i).digest() for i in range(100000))  # 3.2 MB, several extents
    zbuf = os.path.join(work, "photos.zip")
    sh(f"cd {work} && printf 'holiday\\n' > a.txt && zip -q -X {zbuf} a.txt")
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
             b"\t<key>ProductBuildVersion</key>\n\t<string>23E214</string>\n"
             b"\t<key>ProductName</key>\n\t<string>macOS</string>\n"
             b"\t<key>ProductVersion</key>\n\t<string>14.4</string>\n</dict>\n</plist>\n")
    users = "private/var/db/dslocal/nodes/Default/users/"
    files = {users + "alice.plist": plistlib.dumps({"name": ["alice"], "uid": ["501"], "home": ["/Users/alice"],
                                                    "realname": ["Alice \u00c5berg"]}, fmt=plistlib.FMT_BINARY),
             users + "root.plist": plistlib.dumps({"name": ["root"], "uid": ["0"]}),        # XML
             users + "_www.plist": plistlib.dumps({"uid": ["70"], "name": ["_www"]}, fmt=plistlib.FMT_BINARY),
             "Users/alice/Documents/q3-ledger.txt": b"ledger 2023 Q3, account 1234\n" * 300,
             "Users/alice/Pictures/raw.bin": rnd,
             "Users/alice/Pictures/photos.zip": open(zbuf, "rb").read(),
             "Users/alice/R\u00e9sum\u00e9 \u2013 <script>.txt": b"cv\n",
             "Users/alice/empty": b"",
             "System/Library/CoreServices/SystemVersion.plist": plist}
    pay = os.path.join(work, "payload")
    sums = tree(pay, files)
    # a resource fork, which APFS keeps as the attribute com.apple.ResourceFork
    fork = hashlib.sha256(b"fork").digest() * 40
    open(os.path.join(pay, "fork.bin"), "wb").write(fork)
    sh(f"cc -static -O2 -o {pay}/setx {ROOT}/tests/fixtures/setxattr.c")
    ops = os.path.join(work, "ops.sh")
    open(ops, "w").write("./setx Users/alice/Documents/q3-ledger.txt osx.com.apple.ResourceFork fork.bin\n"
                         "rm setx fork.bin\n"
                         "ln -s Documents/q3-ledger.txt Users/alice/ledger-link\n"
                         "echo gone > Users/alice/deleted.txt && rm Users/alice/deleted.txt\n"
                         "chown -R 501:20 Users/alice\n")
    cont = os.path.join(work, "container.img")
    sh(f"{FIX}/mkapfs.sh {cont} 160 {pay} {ops}")
    efi = os.path.join(work, "efi.img")
    sh(f"truncate -s 8M {efi} && mkfs.vfat -n EFI {efi} >/dev/null")
    disk = os.path.join(work, "mac.img")
    start = mbr_disk(disk, [(efi, EFI_PART), (cont, APFS_PART)], 172, label="gpt")[1]
    (name, block), = pstat_volumes(disk, start)
    ref = subprocess.run(["fls", "-r", "-p", "-o", str(start), "-B", str(block), disk], capture_output=True)
    assert ref.returncode == 0, ref.stderr
    ref = sorted("/" + l.split("\t", 1)[1] for l in ref.stdout.decode().splitlines() if "\t" in l)
    rsrc = "/Users/alice/Documents/q3-ledger.txt:RSRC"  # fls lists no forks; ptriage lists it as an item
    ref = sorted(ref + [rsrc])
    open(os.path.join(work, "nr.conf"), "w").write(CASE_NR)
    out, p = scan(work, "apfs-out", [disk], "--case", os.path.join(work, "nr.conf"))
    label = "p2!apfs:" + name

    def walked():
        assert name == "Data", name
        assert p.returncode == 0, p.stderr
        c = db(out)
        v = c.execute("SELECT holds, description FROM volumes WHERE label = 'p2'").fetchone()
        assert v[0] == "apfs", v
        v = c.execute("SELECT filesystem, container, os, layer_name FROM volumes WHERE label = ?", (label,)).fetchone()
        assert v == ("apfs", "apfs", "macOS 14.4 (build 23E214)", str(block)), v
        names = listing(out, label)
        assert names == ref, (sorted(set(names) ^ set(ref)))
        kind, sha, inode = c.execute("SELECT kind, sha256, inode FROM items WHERE path = ?", (rsrc,)).fetchone()
        assert kind == "stream" and sha == hashlib.sha256(fork).hexdigest(), (kind, sha)
        icat = subprocess.run(["icat", "-o", str(start), "-B", str(block), disk, f"{inode}-4353-1"],
                              capture_output=True).stdout
        assert icat == fork, len(icat)
        assert "/Users/alice/deleted.txt" not in names
        got = vol_items(out, label)
        for path, sha in sums.items():
            assert got.get(path) == sha, (path, got.get(path))
        row = c.execute("SELECT uid, gid, link_target, owner FROM items WHERE path = '/Users/alice/ledger-link'"
                        ).fetchone()
        assert row == (501, 20, "Documents/q3-ledger.txt", "alice"), row  # from the binary account record
        assert c.execute("SELECT owner FROM items WHERE path = '/Users'").fetchone() == ("root",)  # the XML one
        assert c.execute("SELECT count(*) FROM items WHERE path = '/Users/alice/Pictures/photos.zip!/a.txt'"
                         ).fetchone()[0] == 1
        cov = coverage_sums(out)
        assert any(r["volume"] == "p2" and r["what"] == "APFS volumes: the blocks they use" for r in cov), cov
    tap.result("an APFS container in a GPT partition: its volume is walked through libtsk's pool API, names equal "
               "fls -B, hashes the source files', owners named from the Mac's account records (binary and XML "
               "plists), link targets, archive members, macOS version, a resource fork as FILE:RSRC (icat's bytes)",
               walked)

    def icat_agrees():
        c = db(out)
        for path, inode, sha in c.execute("SELECT i.path, i.inode, i.sha256 FROM items i JOIN volumes v ON "
                                          "v.id = i.volume_id WHERE v.label = ? AND i.kind = 'file'"
                                          " AND i.parent_id IS NULL", (label,)):
            data = subprocess.run(["icat", "-o", str(start), "-B", str(block), disk, str(inode)],
                                  capture_output=True).stdout
            assert hashlib.sha256(data).hexdigest() == sha, path
    tap.result("every APFS file's SHA-256 equals icat's", icat_agrees)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path LIKE '/Users/alice/%' AND kind = 'file'"
                                             " AND parent_id IS NULL")]
        assert len(ids) == 5, ids
        x, rec = export_and_verify(work, out, ids)
        for r in rec:
            assert hashlib.sha256(open(os.path.join(x, r["exported_as"]), "rb").read()).hexdigest() == sums[r["path"]]
    tap.result("APFS items export and verify --evidence, found again by the volume's superblock block", reread)

    def bare_and_nested():
        o, r = scan(work, "apfs-bare", [cont])
        assert r.returncode == 0, r.stderr
        assert sorted(listing(o, "!apfs:Data")) == ref
        d = os.path.join(work, "seized")
        os.makedirs(d)
        shutil.copy(cont, os.path.join(d, "container.raw"))
        o, r = scan(work, "apfs-nested", [d])
        assert r.returncode == 0, r.stderr
        assert sorted(listing(o, "/container.raw!!apfs:Data", "/container.raw!!apfs:Data")) == ref
    tap.result("an APFS container without a partition table, and one found as a file of directory evidence, "
               "are walked the same way", bare_and_nested)

    def encrypted():
        plain = os.path.join(work, "hw-encrypted.img")
        apfs_mark_encrypted(cont, plain, block, False)
        o, r = scan(work, "apfs-hw", [plain])
        assert r.returncode == 0, r.stderr
        assert sorted(listing(o, "!apfs:Data")) == ref
        desc = db(o).execute("SELECT description FROM volumes WHERE label = '!apfs:Data'").fetchone()[0]
        assert "encrypted, opened with no key" in desc, desc
        locked = os.path.join(work, "filevault.img")
        apfs_mark_encrypted(cont, locked, block, True)
        keys = os.path.join(work, "keys.conf")
        open(keys, "w").write("[keys]\npassphrase = not this one\n")
        for name, case, why in (("apfs-fv", [], "case.conf [keys] gives no passphrase"),
                                ("apfs-fv-keys", ["--case", keys], "none of the 1 keys of case.conf [keys] opens it")):
            o, r = scan(work, name, [locked], *case)
            assert r.returncode == 0, (r.returncode, r.stderr)
            c = db(o)
            rows = c.execute("SELECT kind, size, sha256, encryption, encryption_format, disposition, error FROM items"
                             ).fetchall()
            assert len(rows) == 1, rows
            kind, size, sha, enc, fmt, disp, err = rows[0]
            assert (kind, sha, enc, fmt) == ("volume", None, "encrypted", "apfs-encrypted"), rows
            assert size > 0 and why in err, rows
            assert disp == ("needs-review" if case else None), disp  # the default policy for encrypted items
            cov = coverage_sums(o)
            assert any(r["what"] == "APFS volumes that could not be opened" and r["status"] == "not examined"
                       for r in cov), cov
    tap.result("an APFS volume flagged encrypted is walked when its blocks read as plain data; one whose tree "
               "is ciphertext becomes an encrypted volume item (needs-review), listed with the reason", encrypted)

    def damaged():
        bad = bytearray(open(cont, "rb").read())
        bad[block * 4096:(block + 1) * 4096] = bytes(4096)      # the volume's superblock
        path = os.path.join(work, "bad-apfs.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "apfs-bad", [path])
        assert r.returncode == 1, (r.returncode, r.stderr)
        c = db(o)
        errs = [e for (e,) in c.execute("SELECT error FROM volumes WHERE error IS NOT NULL")]
        errs += [e for (e,) in c.execute("SELECT message FROM errors")]
        assert any("APFS" in e for e in errs), errs
        coverage_sums(o)
        trunc = os.path.join(work, "short-apfs.img")
        with open(trunc, "wb") as f:
            f.write(bytes(open(cont, "rb").read()[:2 * MiB]))
        o, r = scan(work, "apfs-short", [trunc])
        assert r.returncode == 1, (r.returncode, r.stderr)
    tap.result("an APFS volume whose superblock is destroyed, and a truncated container: reported, the scan "
               "finishes, the ledger adds up", damaged)

    def crashing_nodes():
        # each node of the file-system tree overwritten in turn: libtsk's
        # APFS reader (fls too) crashes on some; ptriage must not
        base = open(cont, "rb").read()
        nodes = [off for off in range(0, len(base), 4096)
                 if struct.unpack_from("<I", base, off + 24)[0] & 0xffff in (2, 3)
                 and struct.unpack_from("<I", base, off + 28)[0] == 0x0e]
        assert len(nodes) >= 2, nodes
        crashed = 0
        for off in nodes:
            b = bytearray(base)
            b[off:off + 4096] = hashlib.shake_256(b"node %d" % off).digest(4096)
            path = os.path.join(work, "node.img")
            open(path, "wb").write(b)
            f = subprocess.run(["fls", "-r", "-p", "-B", str(block), path], capture_output=True)
            o, r = scan(work, "apfs-node-%d" % off, [path])
            assert r.returncode in (0, 1), (off, r.returncode, r.stderr)
            c = db(o)
            err = c.execute("SELECT error FROM volumes WHERE label = '!apfs:Data'").fetchone()
            if f.returncode < 0:  # fls died of a signal
                crashed += 1
                assert err and "libtsk crashed (signal" in err[0] and "not walked" in err[0], (off, err)
                assert c.execute("SELECT count(*) FROM items").fetchone()[0] == 0
            elif f.returncode == 0 and err and err[0] is None:
                fl = sorted("/" + l.split("\t", 1)[1] for l in f.stdout.decode().splitlines() if "\t" in l)
                assert sorted(n for n in listing(o, "!apfs:Data") if not n.endswith(":RSRC")) == fl, off
            coverage_sums(o)
        assert crashed >= 1, "no overwritten node crashed libtsk: the trial walk was not exercised"
    tap.result("APFS tree nodes overwritten one by one: where libtsk (and fls) crash, the trial walk in a child "
               "process names the crash and the volume is not walked; the scan itself never crashes",
               crashing_nodes)


def stacked(tap, work):
    """A VM disk (qcow2) whose second partition is an LVM PV, one of whose
    logical volumes is LUKS2 holding ext4: four layers, as hosted servers
    stack them."""
    fs, sums = ext4(work, "inner", {"srv/customer/db.sql": b"INSERT INTO t VALUES (1);\n" * 500}, 6)
    passf = os.path.join(work, "pass")
    open(passf, "wb").write(b"stack key")
    lk = os.path.join(work, "lv.luks")
    sh(f"python3 {FIX}/mkluks.py {lk} {fs} {passf} luks2")
    plain, plain_sums = ext4(work, "plainlv", {"etc/hostname": b"guest\n"}, 4)
    pv = os.path.join(work, "pv.img")
    sh(f"python3 {FIX}/mklvm.py {pv} guestvg data={lk} sys={plain}")
    boot, _ = ext4(work, "boot", {"vmlinuz": b"kernel"}, 4)
    disk = os.path.join(work, "guest.raw")
    mbr_disk(disk, [(boot, "83"), (pv, "8e")], 30)
    host = os.path.join(work, "host.d", "images")
    os.makedirs(host)
    sh(f"qemu-img convert -O qcow2 {disk} {host}/guest.qcow2")
    outer = os.path.join(work, "host.img")
    sh(f"truncate -s 32M {outer} && mkfs.ext4 -q -F -d {os.path.join(work, 'host.d')} {outer}")
    case = os.path.join(work, "k.conf")
    open(case, "w").write(CASE_NR + "[keys]\npassphrase = stack key\n")
    out, p = scan(work, "stack-out", [outer], "--case", case)

    def check():
        assert p.returncode == 0, p.stderr
        pre = "/images/guest.qcow2!p2!lvm:guestvg/data!luks"
        assert listing(out, pre, pre) == fls(fs)
        got = items(out, pre)
        assert got["/srv/customer/db.sql"] == sums["/srv/customer/db.sql"], got
        assert items(out, "/images/guest.qcow2!p2!lvm:guestvg/sys")["/etc/hostname"] == plain_sums["/etc/hostname"]
        ids = [r[0] for r in db(out).execute("SELECT id FROM items WHERE path = ?", (pre + "/srv/customer/db.sql",))]
        x, rec = export_and_verify(work, out, ids, "--case", case)
        assert hashlib.sha256(open(os.path.join(x, rec[0]["exported_as"]), "rb").read()).hexdigest() == \
            sums["/srv/customer/db.sql"]
        coverage_sums(out)
    tap.result("qcow2 -> MBR partition -> LVM logical volume -> LUKS2 -> ext4: walked through every layer, "
               "listing as fls gives on the innermost image, exported and verified", check)


def md_stripes(array, level, disks, layout=2, chunk=64 * 1024):
    """The data areas of the members of an md array holding array (bytes),
    placed as the kernel's raid0.c, raid5.c (raid5_compute_sector) and
    raid10.c place them: RAID 0; RAID 5 left-asymmetric (0) or
    left-symmetric (2) with P the XOR of the stripe's data; RAID 6
    left-symmetric (Q left as zeros: nothing here reads it); RAID 10 near,
    two copies (layout 0x102)."""
    n = disks
    data = {0: n, 5: n - 1, 6: n - 2, 10: n // 2}[level]
    nch = (len(array) + chunk - 1) // chunk
    rows = (nch + data - 1) // data
    mem = [bytearray(rows * chunk) for _ in range(n)]
    for row in range(rows):
        parity = bytearray(chunk)
        for dd in range(data):
            c = row * data + dd
            piece = array[c * chunk:(c + 1) * chunk].ljust(chunk, b"\0")
            if level == 0:
                devs = [dd]
            elif level == 10:
                devs = [(c * 2) % n, (c * 2 + 1) % n]
            elif level == 5 and layout == 0:
                pd = (n - 1) - row % n
                devs = [dd + 1 if dd >= pd else dd]
            elif level == 5:
                pd = (n - 1) - row % n
                devs = [(pd + 1 + dd) % n]
            else:
                pd = n - 1 - row % n
                devs = [(pd + 2 + dd) % n]
            for d in devs:
                at = ((c * 2) // n if level == 10 else row) * chunk
                mem[d][at:at + chunk] = piece
            parity = bytearray(a ^ b for a, b in zip(parity, piece))
        if level in (5, 6):
            mem[pd][row * chunk:(row + 1) * chunk] = parity
    return [bytes(m) for m in mem]


def md_member(data, level, name, slot=0, disks=2, minor=2, data_offset=2048, corrupt=False, layout=None):
    """A Linux md member with a version-1.minor superblock (struct
    mdp_superblock_1 of the kernel's md_p.h, checksum as calc_sb_1_csum)
    and data (bytes) at data_offset sectors: what mdadm --create writes."""
    size = data_offset * 512 + len(data) + (8192 if minor == 0 else 0)
    size = (size + 4095) // 4096 * 4096
    dev = bytearray(size)
    dev[data_offset * 512:data_offset * 512 + len(data)] = data
    sb = bytearray(4096)
    struct.pack_into("<IIII", sb, 0, 0xa92b4efc, 1, 0, 0)
    sb[16:32] = hashlib.md5(name.encode()).digest()                 # set_uuid
    sb[32:32 + len(name)] = name.encode()
    if layout is None:
        layout = 2 if level in (5, 6) else 0x102 if level == 10 else 0
    struct.pack_into("<QiiQII", sb, 64, 1700000000, level, layout, len(data) // 512, 128, disks)
    at = {0: size - 8192, 1: 0, 2: 4096}[minor]
    struct.pack_into("<QQQQII", sb, 128, data_offset, len(data) // 512, at // 512, 0, slot, 0)
    struct.pack_into("<QQQ", sb, 192, 1700000001, 42, 0xffffffffffffffff)
    struct.pack_into("<I", sb, 220, disks)                           # max_dev
    for i in range(disks):
        struct.pack_into("<H", sb, 256 + 2 * i, i)                   # dev_roles
    words = sb[:256 + 2 * disks]
    total = sum(struct.unpack_from("<I", words, i)[0] for i in range(0, len(words) - len(words) % 4, 4))
    if len(words) % 4:
        total += struct.unpack_from("<H", words, len(words) - 2)[0]
    struct.pack_into("<I", sb, 216, ((total & 0xffffffff) + (total >> 32)) ^ (1 if corrupt else 0))
    dev[at:at + 4096] = sb
    return dev


def md_member_090(data, level, md_minor, slot, disks, chunk=64 * 1024, layout=2, corrupt=False):
    """A member with a version-0.90 superblock (struct mdp_superblock_s of
    the kernel's md_p.h, little-endian, checksum as calc_sb_csum): data
    from byte 0, the superblock in the last 64 KiB-aligned 64 KiB of the
    member (sized in whole MiB, so that its partition ends where it does)."""
    size = (len(data) + 65536 + MiB - 1) // MiB * MiB       # whole MiB: the partition is the member
    dev = bytearray(size)
    dev[:len(data)] = data
    w = [0] * 1024
    uuid = struct.unpack("<IIII", hashlib.md5(b"md%d" % md_minor).digest())
    w[0:16] = [0xa92b4efc, 0, 90, 0, 0, uuid[0], 1700000000, level, len(data) // 1024, disks, disks, md_minor, 0,
               uuid[1], uuid[2], uuid[3]]
    w[32:38] = [1700000001, 1, disks, disks, 0, 0]       # utime, state (clean), active, working, failed, spare
    w[39:41] = [42, 0]                                    # events
    w[64:66] = [layout, chunk]
    for i in range(disks):                                # the disks, then this one
        w[128 + 32 * i:128 + 32 * i + 5] = [i, 8, 16 * i, i, 6]
    w[992:997] = [slot, 8, 16 * slot, slot, 6]           # active, in sync
    total = sum(w)
    w[38] = ((total & 0xffffffff) + (total >> 32)) & 0xffffffff ^ (1 if corrupt else 0)
    at = (size & ~65535) - 65536
    dev[at:at + 4096] = struct.pack("<1024I", *w)
    return bytes(dev)


def md_raid(tap, work):
    """Each disk of a server's md RAID 1 imaged on its own: the member is
    walked at its data offset without assembling the array."""
    fs, sums = ext4(work, "mirror", {"srv/www/index.html": b"<html>shop</html>\n" * 100,
                                     "home/dana/ledger.csv": b"date,amount\n2023-01-02,10\n" * 500}, 8)
    member = os.path.join(work, "sda1.part")
    open(member, "wb").write(md_member(open(fs, "rb").read(), 1, "srv:0", slot=1))
    r5 = os.path.join(work, "sdb1.part")
    open(r5, "wb").write(md_member(bytes(1 * MiB), 5, "srv:1", slot=2, disks=3))
    bad = os.path.join(work, "sdc1.part")
    open(bad, "wb").write(md_member(open(fs, "rb").read(), 1, "srv:0", corrupt=True))
    # the members as the real tool reads them
    ex = sh(f"mdadm --examine {member}")
    assert "Raid Level : raid1" in ex and "Data Offset : 2048 sectors" in ex and "- correct" in ex, ex
    assert "Active device 1" in ex, ex
    assert "Raid Level : raid5" in sh(f"mdadm --examine {r5}")
    assert "expected" in subprocess.run(["mdadm", "--examine", bad], capture_output=True, text=True).stdout
    disk = os.path.join(work, "sda.img")
    start = mbr_disk(disk, [(member, "fd"), (r5, "fd"), (bad, "fd")], 24)[0]
    ref = fls(disk, start + 2048)
    open(os.path.join(work, "md.conf"), "w").write(CASE_NR)
    out, p = scan(work, "md-out", [disk], "--case", os.path.join(work, "md.conf"))

    def walked():
        assert p.returncode == 0, p.stderr
        c = db(out)
        v = c.execute("SELECT holds, description FROM volumes WHERE label = 'p1'").fetchone()
        assert v[0] == "md-raid", v
        d = c.execute("SELECT description, filesystem FROM volumes WHERE label = 'p1!md-raid'").fetchone()
        assert d[1] == "ext4" and 'RAID 1 member (md superblock 1.2, array "srv:0", slot 1 of 2)' in d[0], d
        assert listing(out, "p1!md-raid") == ref
        got = vol_items(out, "p1!md-raid")
        for path, sha in sums.items():
            assert got.get(path) == sha, path
        errs = {r[0]: r[1] for r in c.execute("SELECT label, error FROM volumes WHERE label IN ('p2', 'p3')")}
        assert ('RAID 5 member (md superblock 1.2, array "srv:1", slot 2 of 3); 1 of its 3 members found among the '
                'evidence given') in errs["p2"], errs
        assert "checksum" in errs["p3"] and "damaged" in errs["p3"], errs
        cov = coverage_sums(out)
        assert any(r["what"].startswith("RAID 1 member: the array's data") for r in cov), cov
    tap.result("a RAID 1 member (md 1.2) is walked at its data offset like fls there, without assembling the array; "
               "a RAID 5 member and a superblock with a bad checksum are named with the reason", walked)

    def reread():
        ids = [r[0] for r in db(out).execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE"
                                             " v.label = 'p1!md-raid' AND i.kind = 'file' AND i.path LIKE '/home/%'")]
        assert ids
        export_and_verify(work, out, ids)
    tap.result("RAID 1 member items export and verify --evidence through the member's data offset", reread)

    # a NAS's data array: each disk imaged on its own, the array's members in their partitions
    def disks_of(tag, members, level, name, layout=None):
        paths = []
        for i, m in enumerate(members):
            part = os.path.join(work, f"{tag}{i}.part")
            open(part, "wb").write(md_member(m, level, name, slot=i, disks=len(members), layout=layout))
            d = os.path.join(work, f"{tag}-disk{i}.img")
            mbr_disk(d, [(part, "fd")], len(m) // MiB + 4)
            paths.append(d)
        return paths

    big, big_sums = ext4(work, "nasdata", {"volume1/share/contract.pdf": b"%PDF-1.4 contract\n" * 3000,
                                           "volume1/share/photos/p1.raw": bytes((i * 31) % 253 for i in range(600000)),
                                           "volume1/homes/eve/notes.txt": b"meeting at noon\n" * 2000}, 16)
    data = open(big, "rb").read()
    r5 = disks_of("r5", md_stripes(data, 5, 3), 5, "nas:2")
    ex = sh(f"mdadm --examine {os.path.join(work, 'r51.part')}")  # as the real tool reads the members
    assert all(w in ex for w in ("Raid Level : raid5", "Layout : left-symmetric", "Chunk Size : 64K",
                                 "Raid Devices : 3", "- correct")), ex

    def raid5():
        o, r = scan(work, "md-r5", r5, "--case", os.path.join(work, "md.conf"))
        assert r.returncode == 0, r.stderr
        c = db(o)
        vols = {row[0]: row[1:] for row in c.execute(
            "SELECT e.label || ':' || v.label, v.filesystem, v.holds, v.description FROM volumes v JOIN evidence e "
            "ON e.id = v.evidence_id")}
        assert vols["r5-disk0.img:p1!md-raid"][0] == "ext4", vols
        assert vols["r5-disk0.img:p1!md-raid"][2].startswith('md array "nas:2": RAID 5, left-symmetric, 3 members, '
                                                             'chunks of 64 KiB'), vols
        assert all(vols[f"r5-disk{i}.img:p1"][1] == "md-array" for i in range(3)), vols
        cov = coverage_sums(o)
        assert [r["what"] for r in cov if r["volume"] == "p1"] == [
            "md array member: its share of the striped array's data, and its superblock"] * 3, cov
        assert listing(o, "p1!md-raid") == fls(big)
        got = vol_items(o, "p1!md-raid")
        for path, sha in big_sums.items():
            assert got.get(path) == sha, path
        notes = [m for (m,) in c.execute("SELECT message FROM errors WHERE severity = 'note'")]
        assert sum("the array was assembled and walked as r5-disk0.img p1!md-raid" in m for m in notes) == 2, notes
        assert not c.execute("SELECT 1 FROM errors WHERE severity = 'error'").fetchall()
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE "
                                       "v.label = 'p1!md-raid' AND i.kind = 'file'")]
        export_and_verify(work, o, ids, "--case", os.path.join(work, "md.conf"))
    tap.result("a RAID 5 array whose three members are three disk images is assembled (left-symmetric, as the "
               "kernel places chunks and parity) and walked once: fls's listing of the filesystem it holds, the "
               "sources' hashes; the other members point to it; export and verify assemble it again", raid5)

    def degraded():
        # the middle disk was not imaged: its chunks are rebuilt from parity
        o, r = scan(work, "md-r5-degraded", [r5[0], r5[2]], "--case", os.path.join(work, "md.conf"))
        assert r.returncode == 0, r.stderr
        desc = db(o).execute("SELECT description FROM volumes WHERE label = 'p1!md-raid'").fetchone()[0]
        assert "member 1 missing: its data rebuilt from parity" in desc and "member 1 (missing)" in desc, desc
        assert listing(o, "p1!md-raid") == fls(big)
        got = vol_items(o, "p1!md-raid")
        for path, sha in big_sums.items():
            assert got.get(path) == sha, path
        # one disk of a two-member RAID 0: named, with the reason
        r0 = disks_of("r0", md_stripes(data, 0, 2), 0, "nas:3")
        o, r = scan(work, "md-r0-half", [r0[1]])
        assert r.returncode == 0, r.returncode  # a partition not walked is a note, as for any other
        err = db(o).execute("SELECT error FROM volumes WHERE label = 'p1'").fetchone()[0]
        assert ("1 of its 2 members found among the evidence given (1 member of the RAID 0 array is missing: its "
                "data cannot be read): give every member's image in one run") in err, err
        o, r = scan(work, "md-r0", r0)
        assert r.returncode == 0 and listing(o, "p1!md-raid") == fls(big), r.stderr
    tap.result("a RAID 5 array with one member not imaged is rebuilt from parity (the same listing and hashes); "
               "half a RAID 0 is named with what is missing, the whole one walked", degraded)

    def other_levels():
        # RAID 6 (left-symmetric) with a data member missing, RAID 10 near-2, RAID 5 left-asymmetric; and a
        # NAS's stack: RAID 5 holding an LVM physical volume holding the filesystem
        r6 = disks_of("r6", md_stripes(data, 6, 4), 6, "nas:4")
        r10 = disks_of("r10", md_stripes(data, 10, 4), 10, "nas:5")
        r5a = disks_of("r5a", md_stripes(data, 5, 4, layout=0), 5, "nas:6", layout=0)
        pv = os.path.join(work, "md-pv.img")
        sh(f"python3 {FIX}/mklvm.py {pv} vg1000 lv={big}")
        syn = disks_of("syn", md_stripes(open(pv, "rb").read(), 5, 3), 5, "DiskStation:2")
        for tag, ev, label in (("r6", [r6[0], r6[2], r6[3]], "p1!md-raid"), ("r10", r10[1:], "p1!md-raid"),
                               ("r5a", r5a, "p1!md-raid"), ("syn", syn, "p1!md-raid!lvm:vg1000/lv")):
            o, r = scan(work, "md-" + tag, ev)
            assert r.returncode == 0, (tag, r.stderr)
            assert listing(o, label) == fls(big), tag
            got = vol_items(o, label)
            for path, sha in big_sums.items():
                assert got.get(path) == sha, (tag, path)
    def superblock_at_end():
        # md 1.0 (the superblock at the end, data from byte 0): member 0 starts with the array's first chunk,
        # where libtsk finds the filesystem's head; the array, not that member, must be walked
        members = []
        for i, m in enumerate(md_stripes(data, 5, 3)):
            path = os.path.join(work, f"v10-{i}.img")
            open(path, "wb").write(md_member(m, 5, "old:0", slot=i, disks=3, minor=0, data_offset=0))
            members.append(path)
        assert "Version : 1.0" in sh(f"mdadm --examine {members[0]}")
        o, r = scan(work, "md-v10", members)
        assert r.returncode == 0, r.stderr
        assert listing(o, "!md-raid") == fls(big)
        got = vol_items(o, "!md-raid")
        for path, sha in big_sums.items():
            assert got.get(path) == sha, path
        o, r = scan(work, "md-v10-one", members[:1])
        c = db(o)
        assert r.returncode == 1 and not c.execute("SELECT 1 FROM items WHERE kind = 'file'").fetchall()
        err = c.execute("SELECT error FROM volumes").fetchone()[0]
        assert "RAID 5 member (md superblock 1.0" in err and "1 of its 3 members found" in err, err
        # a filesystem that fits its volume, over a stale md 1.0 superblock from an earlier array: walked as itself
        stale = bytearray(open(big, "rb").read())
        old_sb = md_member(bytes(len(stale) - 8192), 5, "old:9", slot=0, disks=3, minor=0, data_offset=0)
        stale[-8192:-4096] = old_sb[-8192:-4096]
        path = os.path.join(work, "stale-md.img")
        open(path, "wb").write(stale)
        assert "Raid Level : raid5" in sh(f"mdadm --examine {path}")
        o, r = scan(work, "md-stale", [path])
        assert r.returncode == 0 and listing(o, "") == fls(big), r.stderr
        # superblock 0.90 (arrays made before mdadm 3.0, old NAS devices): the same, each member a partition
        old90 = []
        for i, m in enumerate(md_stripes(data, 5, 3)):
            part = os.path.join(work, f"v090-{i}.part")
            open(part, "wb").write(md_member_090(m, 5, 3, i, 3))
            d = os.path.join(work, f"v090-disk{i}.img")
            mbr_disk(d, [(part, "fd")], os.path.getsize(part) // MiB + 4)
            old90.append(d)
        ex = sh(f"mdadm --examine {os.path.join(work, 'v090-1.part')}")
        assert all(w in ex for w in ("Version : 0.90.00", "Raid Level : raid5", "Layout : left-symmetric",
                                     "Chunk Size : 64K", "Raid Devices : 3")), ex
        o, r = scan(work, "md-v090", old90)
        assert r.returncode == 0, r.stderr
        desc = db(o).execute("SELECT description FROM volumes WHERE label = 'p1!md-raid'").fetchone()[0]
        assert desc.startswith('md array "md3": RAID 5, left-symmetric, 3 members'), desc
        assert listing(o, "p1!md-raid") == fls(big)
        got = vol_items(o, "p1!md-raid")
        for path, sha in big_sums.items():
            assert got.get(path) == sha, path
    tap.result("md superblock 1.0 RAID 5 members given as whole images: the array is walked, never the "
               "filesystem head the first member starts with; that member alone is named, no file listed from it; "
               "a filesystem that fits its volume over a stale md superblock is walked as itself; the same with "
               "superblock 0.90",
               superblock_at_end)

    def many_arrays():
        # 32 servers in one run means as many data arrays: each is walked once, by its first member met
        evidence = []
        for a in range(20):
            for i, m in enumerate(md_stripes(bytes([a + 1]) * (256 * 1024), 0, 2)):
                path = os.path.join(work, f"many-{a}-{i}.img")
                open(path, "wb").write(md_member(m, 0, f"srv{a}:1", slot=i, disks=2))
                evidence.append(path)
        o, r = scan(work, "md-many", evidence)
        assert r.returncode == 0, r.stderr
        c = db(o)
        arrays = c.execute("SELECT count(*) FROM volumes WHERE label = '!md-raid'").fetchone()[0]
        pointers = c.execute("SELECT count(*) FROM errors WHERE message LIKE '%the array was assembled and walked "
                             "as %'").fetchone()[0]
        assert (arrays, pointers) == (20, 20), (arrays, pointers)
    tap.result("twenty RAID 0 arrays of two disks each in one run: each assembled and walked once, its second "
               "member pointing to it", many_arrays)

    tap.result("RAID 6 with a data member missing, RAID 10 near with a member missing, RAID 5 left-asymmetric, and "
               "a Synology-style RAID 5 holding LVM holding ext4: each assembled and walked like fls", other_levels)


def named(tap, work):
    rnd = bytes((i * 7919 + 13) % 251 for i in range(4 * MiB))
    parts = {}
    md = bytearray(rnd)
    md[4096:4100] = bytes.fromhex("fc4e2ba9")                 # md superblock 1.2 magic
    struct.pack_into("<I", md, 4100, 1)                       # major version 1
    parts["md"] = md
    zfs = bytearray(rnd)
    zfs[131072:131080] = struct.pack("<Q", 0x00BAB10C)        # uberblock magic in label 0
    parts["zfs"] = zfs
    parts["unknown"] = bytearray(rnd)
    bde = bytearray(rnd)                                      # a BitLocker boot record whose
    bde[0:11] = b"\xeb\x58\x90-FVE-FS-"                       # metadata is missing
    struct.pack_into("<H", bde, 11, 512)
    bde[510:512] = b"\x55\xaa"
    parts["bde"] = bde
    imgs = []
    for name, data in parts.items():
        p = os.path.join(work, name + ".part")
        open(p, "wb").write(data)
        imgs.append(p)
    disk = os.path.join(work, "named.img")
    types = ["R", "6A898CC3-1DD2-11B2-99A6-080020736631", "0FC63DAF-0000-4000-8000-000000000001",
             "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"]
    mbr_disk(disk, list(zip(imgs, types)), 142, "gpt")
    case = os.path.join(work, "bde.conf")
    open(case, "w").write("[keys]\npassphrase = 111111-222222-333333-444444-555555-666666-777777-888888\n")
    out, p = scan(work, "named-out", [disk], "--case", case)

    def check():
        c = db(out)
        errs = {r[0]: r[1] for r in c.execute("SELECT label, error FROM volumes WHERE label != ''")}
        assert "Linux software RAID member" in errs["p1"], errs
        assert "ZFS" in errs["p2"], errs
        assert "no filesystem libtsk reads" in errs["p3"], errs
        assert "BitLocker encrypted volume, not opened (BitLocker volume not opened by libbde" in errs["p4"], errs
        n = c.execute("SELECT count(*) FROM items WHERE kind = 'volume' AND sha256 IS NOT NULL").fetchone()[0]
        assert n == len(types), n
        coverage_sums(out)
    tap.result("a Linux RAID member, a ZFS pool member, a BitLocker volume libbde cannot "
               "open and an unknown partition type are each named in the volume's error and hashed as one item",
               check)


def bitlocker_to_go(tap, work):
    """BitLocker To Go (USB drives encrypted on Windows 7 and later): the
    volume is a FAT32 discovery volume, BitLocker's GUID in its boot sector,
    whose root holds BitLockerToGo.exe and the encrypted volume in "COV nnnn.
    ER" cover files.  libtsk walks the FAT and sees nothing encrypted; ptriage
    names the volume, marks the cover files as BitLocker ciphertext and asks
    libbde to open the encrypted volume with case.conf's keys.  (Windows alone
    writes these volumes: the volume here is a FAT32 marked like one, whose
    BitLocker metadata libbde finds missing.)"""
    part = os.path.join(work, "togo.part")
    sh(f"mkfs.vfat -C -F 32 -n DISCOVERY {part} 40960 >/dev/null")
    src = os.path.join(work, "togo.d")
    tree(src, {"autorun.inf": b"[autorun]\r\nopen=BitLockerToGo.exe\r\n", "BitLockerToGo.exe": b"MZ" + bytes(3000),
               "cov": bytes((i * 7919 + 13) % 251 for i in range(600000))})
    sh(f"mcopy -i {part} {src}/autorun.inf {src}/BitLockerToGo.exe ::/ && mcopy -i {part} {src}/cov '::/COV 0000. ER'"
       f" && mcopy -i {part} {src}/cov ::/COVERS.TXT")
    with open(part, "r+b") as f:
        f.seek(0x1a8)
        f.write(bytes.fromhex("3bd66749292ed84a8399f6a339e3d001") + struct.pack("<QQQ", 0x100000, 0x200000, 0x300000))
    disk = os.path.join(work, "togo.img")
    start = mbr_disk(disk, [(part, "c")], 42)[0]
    case = os.path.join(work, "togo.conf")
    open(case, "w").write("[keys]\npassphrase = bde-TEST\n")
    runs = {"no key": scan(work, "togo-nokey", [disk]), "a key": scan(work, "togo-key", [disk], "--case", case)}

    def named_and_listed():
        for how, (out, p) in runs.items():
            # BitLocker metadata libbde cannot read is damage, with a key or without
            assert p.returncode == 1, (how, p.returncode, p.stderr[-500:])
            c = db(out)
            ours = sorted(r[0] for r in c.execute("SELECT i.path FROM items i JOIN volumes v ON v.id = i.volume_id "
                                                  "WHERE v.label = 'p1' AND i.kind != 'volume'"))
            assert ours == fls(disk, start), (how, ours)
            enc = {r[0]: (r[1], r[2]) for r in c.execute("SELECT path, encryption, encryption_format FROM items "
                                                          "WHERE kind = 'file'")}
            assert enc["/COV 0000. ER"] == ("encrypted", "bitlocker"), (how, enc)
            assert enc["/COVERS.TXT"][1] != "bitlocker", enc  # the same bytes, not a cover file by name
            assert enc["/BitLockerToGo.exe"][0] == "none", enc
            notes = c.execute("SELECT severity, location, message FROM errors WHERE message LIKE "
                              "'BitLocker To Go:%'").fetchall()
            assert len(notes) == 1 and notes[0][1] == "p1", (how, notes)
            assert notes[0][0] == "error" and "the encrypted volume was not opened (BitLocker volume not opened by " \
                "libbde" in notes[0][2], (how, notes)
            assert c.execute("SELECT filesystem, holds FROM volumes WHERE label = 'p1'").fetchone() == ("fat32", None)
            coverage_sums(out)
    tap.result("BitLocker To Go: the FAT32 discovery volume is listed like fls, its cover file is BitLocker "
               "ciphertext (a file of the same bytes under another name is not), the volume is named with why its "
               "encrypted volume was not opened (its metadata unreadable: an error, with a key or without)",
               named_and_listed)


def disk_ciphers(tap, work):
    """Volumes encrypted with the ciphers beside AES that cryptsetup and
    VeraCrypt offer: LUKS1 with Serpent, Twofish and Camellia in XTS and in
    CBC (ESSIV, plain, plain64 IVs), written by tests/fixtures/mkluks.py to
    the LUKS1 specification (its AES output is accepted by cryptsetup
    luksOpen --test-passphrase where the kernel allows it); TrueCrypt
    containers with Serpent and with the AES-Twofish-Serpent cascade
    (mkveracrypt.py), the cascade opened with veracrypt_cascades = yes."""
    fs, sums = ext4(work, "cfs", {"finance/ledger.csv": b"date,amount\n2011-03-01,100\n" * 300,
                                  "notes.txt": b"private notes\n"}, 4)
    passf = os.path.join(work, "pass")
    open(passf, "wb").write(b"correct horse battery")
    specs = ["serpent-xts-plain64", "twofish-cbc-essiv:sha256", "camellia-cbc-plain64", "serpent-cbc-plain",
             "aes-xts-plain64"]
    parts = []
    for i, spec in enumerate(specs):
        img = os.path.join(work, f"luks{i}.img")
        sh(f"python3 {FIX}/mkluks.py {img} {fs} {passf} luks1 pbkdf2 {spec}")
        parts.append((img, "L"))
    aes = parts[-1][0]
    probe = subprocess.run(["cryptsetup", "luksOpen", "--test-passphrase", "--key-file", passf, aes],
                           capture_output=True)
    disk = os.path.join(work, "ciphers.img")
    mbr_disk(disk, parts, 36, "gpt")
    conf = os.path.join(work, "keys.conf")
    open(conf, "w").write(CASE_NR + "[keys]\nkey_file = pass\n")
    out, p = scan(work, "luks-ciphers", [disk], "--case", conf)

    def luks_walked():
        # the hand-written header is LUKS1 as cryptsetup reads it (where this
        # kernel has the cipher cryptsetup decrypts a key slot with)
        assert probe.returncode == 0 or b"kernel" in probe.stderr or b"device-mapper" in probe.stderr, probe
        assert p.returncode == 0, p.stderr
        c = db(out)
        for i, spec in enumerate(specs):
            label = f"p{i + 1}!luks"
            desc = c.execute("SELECT description FROM volumes WHERE label = ?", (label,)).fetchone()
            assert desc and desc[0].startswith(f"LUKS1, {spec}, "), (label, desc)
            assert listing(out, label) == fls(fs), label
            got = vol_items(out, label)
            for path, sha in sums.items():
                assert got[path] == sha, (label, path)
        ids = [r[0] for r in c.execute("SELECT id FROM items WHERE path = '/finance/ledger.csv'")]
        assert len(ids) == len(specs), ids
        _, rec = export_and_verify(work, out, ids, "--case", conf)
        assert all(r["status"].startswith("exported") for r in rec if r["kind"] == "file"), rec
    tap.result("LUKS1 volumes with Serpent-XTS, Twofish-CBC-ESSIV, Camellia-CBC-plain64, Serpent-CBC-plain and "
               "AES-XTS open with the key file of case.conf: listed as fls lists the filesystem inside, hashed as "
               "its files, exported and verified", luks_walked)

    tc = {}
    for name, cipher in (("serpent", "Serpent"), ("cascade", "AES-Twofish-Serpent")):
        tc[name] = os.path.join(work, f"{name}.tc")
        sh(f"python3 {FIX}/mkveracrypt.py {fs} {tc[name]} --password 'tc {name}' --cipher {cipher} --truecrypt "
           f"--seed 9")
    # TrueCrypt with a passphrase and two keyfiles (VeraCrypt's "use keyfiles")
    kfa, kfb = os.path.join(work, "holiday.jpg"), os.path.join(work, "kf.bin")
    open(kfa, "wb").write(bytes(range(256)) * 5000)               # more than the 1 MiB read of it
    open(kfb, "wb").write(b"a small keyfile\n")
    tc["keyfiles"] = os.path.join(work, "keyfiles.tc")
    sh(f"python3 {FIX}/mkveracrypt.py {fs} {tc['keyfiles']} --password 'tc kf' --truecrypt --keyfile {kfa} "
       f"--keyfile {kfb} --seed 11")
    kfconf = os.path.join(work, "kf.conf")
    open(kfconf, "w").write(CASE_NR + "[keys]\npassphrase = tc kf\nveracrypt_keyfile = kf.bin\n"
                            "veracrypt_keyfile = holiday.jpg\n")
    # VeraCrypt with a PIM (17,000 iterations instead of 500,000)
    tc["pim"] = os.path.join(work, "pim.hc")
    sh(f"python3 {FIX}/mkveracrypt.py {fs} {tc['pim']} --password 'vc pim' --cipher Twofish --pim 2 --seed 10")
    pimconf = os.path.join(work, "pim.conf")
    open(pimconf, "w").write(CASE_NR + "[keys]\npassphrase = vc pim\nveracrypt_pim = 2\n")
    # one passphrase each: with the standard volume opened, no other key is
    # left to try on the hidden header (each try costs a PBKDF2 per PRF)
    plain = os.path.join(work, "tc.conf")
    open(plain, "w").write(CASE_NR + "[keys]\npassphrase = tc serpent\n")
    cascades = os.path.join(work, "tc-cascades.conf")
    open(cascades, "w").write(CASE_NR + "[keys]\nveracrypt_cascades = yes\npassphrase = tc cascade\n")
    bad = os.path.join(work, "tc-bad.conf")
    open(bad, "w").write("[keys]\nveracrypt_cascades = maybe\n")
    with fast_unwind():
        o1, p1 = scan(work, "tc-plain", [tc["serpent"]], "--case", plain)
        o2, p2 = scan(work, "tc-cascades", [tc["cascade"]], "--case", cascades)
        o3, p3 = scan(work, "tc-bad", [tc["cascade"]], "--case", bad)
        o4, p4 = scan(work, "vc-pim", [tc["pim"]], "--case", pimconf)
        o5, p5 = scan(work, "tc-keyfiles", [tc["keyfiles"]], "--case", kfconf)

    def truecrypt():
        assert p1.returncode == 0 and p2.returncode == 0, (p1.stderr, p2.stderr)
        vols = {o: [r for r in db(o).execute("SELECT label, description FROM volumes WHERE container = "
                                             "'veracrypt'")] for o in (o1, o2)}
        assert len(vols[o1]) == 1 and vols[o1][0][1].startswith("TrueCrypt volume (header version 5), "
                                                                "Serpent-256-XTS"), vols
        assert len(vols[o2]) == 1 and vols[o2][0][1].startswith("TrueCrypt volume (header version 5), "
                                                                "AES-Twofish-Serpent cascade"), vols
        for o in (o1, o2):
            label = vols[o][0][0]
            assert listing(o, label) == fls(fs), label
            got = vol_items(o, label)
            for path, sha in sums.items():
                assert got[path] == sha, (label, path)
        assert p3.returncode == 2 and b"veracrypt_cascades is yes or no" in p3.stderr, p3.stderr
        assert p4.returncode == 0, p4.stderr
        pim = db(o4).execute("SELECT label, description FROM volumes WHERE container = 'veracrypt'").fetchall()
        assert len(pim) == 1 and pim[0][1].startswith("VeraCrypt volume (header version 5), Twofish-256-XTS, "
                                                      "PBKDF2-HMAC-SHA-512 17000 iterations (PIM 2)"), pim
        got = vol_items(o4, pim[0][0])
        for path, sha in sums.items():
            assert got[path] == sha, path
        assert p5.returncode == 0, p5.stderr
        kf = db(o5).execute("SELECT label, description FROM volumes WHERE container = 'veracrypt'").fetchall()
        assert len(kf) == 1 and "1000 iterations, with the keyfiles" in kf[0][1], kf
        got = vol_items(o5, kf[0][0])
        for path, sha in sums.items():
            assert got[path] == sha, path
    tap.result("TrueCrypt containers with Serpent and with the AES-Twofish-Serpent cascade (the cascade with "
               "veracrypt_cascades = yes; without it, tests/unit/test_tcrypt.c), a VeraCrypt Twofish container "
               "with a PIM (veracrypt_pim = 2), a TrueCrypt container with a passphrase and two keyfiles "
               "(veracrypt_keyfile): listed as fls lists the filesystem inside, hashed as its files; a "
               "bad value of the setting is refused", truecrypt)


def encrypted_qcow(tap, work):
    """A qcow2 whose guest data qemu-img encrypted with LUKS (as libvirt and
    OpenStack encrypt VM disks; tests/fixtures/mkqcow-luks.sh: qemu-img
    cannot make one reliably on these VMs).  With its secret in case.conf
    [keys] the disk is walked, as evidence and as a file found in a
    directory, and equals what qemu-img itself decrypts; without it, as
    evidence its bytes are read as they are (one encrypted volume item,
    hashed as the file, a note saying why), not a fatal error, and found in
    a directory it is one encrypted file item and a note."""
    q = fixture(work, "qcow-luks.qcow2")
    sums = {}
    for line in open(os.path.join(FIX, "qcow-luks.sums")):
        path, _, sha = line.rstrip("\n").split("\t")
        sums[path] = sha
    fs = os.path.join(work, "guest.raw")  # qemu's own decryption, the reference
    sh(f"qemu-img convert --object secret,id=s0,data=vm-secret --image-opts "
       f"driver=qcow2,file.filename={q},encrypt.key-secret=s0 -O raw {fs}")
    disk = sums.pop("DISK")
    assert hashlib.sha256(open(fs, "rb").read()).hexdigest() == disk
    d = os.path.join(work, "images")
    os.makedirs(d)
    shutil.copy(q, os.path.join(d, "vm.qcow2"))
    o1, p1 = scan(work, "encq-evidence", [q])
    o2, p2 = scan(work, "encq-dir", [d])
    conf = os.path.join(work, "vm.conf")
    open(conf, "w").write(CASE_NR + "[keys]\npassphrase = not this one\npassphrase = vm-secret\n")
    with fast_unwind():  # the LUKS key slot's PBKDF2
        o3, p3 = scan(work, "encq-key", [q], "--case", conf, "--image-hash")
        o4, p4 = scan(work, "encq-key-dir", [d], "--case", conf)

    def opened():
        assert p3.returncode == 0 and p4.returncode == 0, (p3.stderr, p4.stderr)
        assert listing(o3, "") == fls(fs)
        got = vol_items(o3, "")
        for path, sha in sums.items():
            assert got[path] == sha, path
        img = db(o3).execute("SELECT image_sha256 FROM evidence").fetchone()[0]
        assert img == disk, img  # the guest's disk
        notes = [m for m, in db(o3).execute("SELECT message FROM errors WHERE severity = 'note'")]
        assert any("guest data encrypted with LUKS, opened with passphrase 2 of case.conf" in m for m in notes), notes
        got = items(o4, "/vm.qcow2!")
        for path, sha in sums.items():
            assert got[path] == sha, path
        ids = [r[0] for r in db(o4).execute("SELECT id FROM items WHERE path LIKE '%notes.txt'")]
        assert len(ids) == 1, ids
        _, rec = export_and_verify(work, o4, ids, "--case", conf)
        assert all(r["status"].startswith("exported") for r in rec if r["kind"] == "file"), rec
        v = subprocess.run([PT, "verify", o3, "--evidence"], capture_output=True, text=True)
        assert v.returncode != 0 and "an encrypted virtual disk that no key of --case opens" in v.stdout, v.stdout
    tap.result("the same qcow2 with its secret in case.conf: walked as evidence (files as fls lists them in the "
               "guest's disk, its hash the guest disk's) and as a file of a directory; export and verify with "
               "--case; verify without it says the key is missing, not that the evidence changed", opened)

    def named():
        sha = hashlib.sha256(open(q, "rb").read()).hexdigest()
        assert p1.returncode == 1, (p1.returncode, p1.stderr)    # the bytes hold no filesystem libtsk reads
        c = db(o1)
        rows = c.execute("SELECT kind, encryption, encryption_format, sha256 FROM items").fetchall()
        assert rows == [("volume", "encrypted", "qcow-encrypted", sha)], rows
        notes = [m for m, in c.execute("SELECT message FROM errors WHERE severity = 'note'")]
        assert any("encrypted with method 2" in m and "read as the bytes of the file" in m for m in notes), notes
        assert p2.returncode == 0, p2.stderr
        c = db(o2)
        rows = c.execute("SELECT path, encryption, encryption_format, sha256 FROM items WHERE kind = 'file'").fetchall()
        assert rows == [("/vm.qcow2", "encrypted", "qcow-encrypted", sha)], rows
        assert c.execute("SELECT count(*) FROM errors WHERE severity = 'note' AND message LIKE "
                         "'qcow2 disk image, not opened: %encrypted%'").fetchone()[0] == 1
        reason = c.execute("SELECT encryption_reason FROM items WHERE path = '/vm.qcow2'").fetchone()[0]
        assert "LUKS, key slots inside the image" in reason, reason
    tap.result("a qcow2 with LUKS-encrypted guest data and no secret: as evidence one encrypted volume item "
               "hashed as the file (exit 1: no filesystem read), in a directory one encrypted file item; each "
               "with a note, never a fatal error", named)


def unread_filesystems(tap, work):
    """Volumes of kinds no library here reads, as servers and Macs hold them:
    Linux swap (mkswap), classic HFS (hformat), CramFS (mkfs.cramfs).  Each
    is named with what it is and why it matters, and hashed as one item whose
    SHA-256 is the partition's bytes."""
    sw, hfs, cr = (os.path.join(work, n) for n in ("swap.part", "hfs.part", "cramfs.part"))
    src = os.path.join(work, "cr.d")
    tree(src, {"etc/fw.conf": b"firmware\n"})
    sh(f"truncate -s 8M {sw} && mkswap -q -L srvswap -U 11111111-2222-3333-4444-777777777777 {sw}")
    sh(f"dd if=/dev/zero of={hfs} bs=1M count=8 status=none && hformat -l 'Mac Vol' {hfs}")
    sh(f"mkfs.cramfs -n fwroot {src} {cr} && truncate -s 1M {cr}")
    disk = os.path.join(work, "unread.img")
    starts = mbr_disk(disk, [(sw, "82"), (hfs, "af"), (cr, "83")], 24)
    out, p = scan(work, "unread-out", [disk])

    def check():
        assert p.returncode == 0, p.stderr
        c = db(out)
        errs = {r[0]: r[1] for r in c.execute("SELECT label, error FROM volumes WHERE label != ''")}
        assert errs["p1"].startswith("partition p1 holds Linux swap space (version 1, 4096-byte pages, 2048 pages, "
                                     "UUID 11111111-2222-3333-4444-777777777777, label 'srvswap')"), errs
        assert "memory" in errs["p1"], errs
        assert "an HFS (Mac OS Standard) volume 'Mac Vol'" in errs["p2"], errs
        assert "a CramFS filesystem 'fwroot'" in errs["p3"], errs
        raw = open(disk, "rb").read()
        for i, (part, start) in enumerate(zip((sw, hfs, cr), starts), 1):
            size = os.path.getsize(part)
            want = hashlib.sha256(raw[start * 512:start * 512 + size]).hexdigest()
            got = c.execute("SELECT i.sha256 FROM items i JOIN volumes v ON v.id = i.volume_id "
                            "WHERE v.label = ? AND i.kind = 'volume'", ("p%d" % i,)).fetchone()
            assert got == (want,), (i, got)
        coverage_sums(out)
    tap.result("Linux swap, classic HFS and CramFS partitions are named (swap's page size, pages, UUID and "
               "label) and hashed as one item each", check)

    def ldm():
        # a Windows dynamic disk: an MBR partition of type 0x42 whose volumes
        # the LDM database describes (its private header at sector 6)
        part = os.path.join(work, "ldm.part")
        open(part, "wb").write(random.Random(3).randbytes(4 * MiB))
        disk = os.path.join(work, "ldm.img")
        mbr_disk(disk, [(part, "42")], 8)
        with open(disk, "r+b") as f:
            f.seek(6 * 512)
            f.write(b"PRIVHEAD")
        o, r = scan(work, "ldm-out", [disk])
        assert r.returncode == 0, r.stderr
        err = db(o).execute("SELECT error FROM volumes WHERE label = 'p1'").fetchone()[0]
        assert "Windows dynamic disk (LDM) partition" in err and "LDM private header at sector 6" in err, err
    tap.result("a Windows dynamic disk (LDM) partition is named as such", ldm)

def android_sparse(tap, work):
    """Android sparse images (img2simg, as fastboot and phone extractions
    give userdata.img and system.img; libtsk reads none): as evidence and
    found as a file, read as the disk simg2img expands (raw, fill and
    don't-care chunks); damage named, no crash."""
    fs, sums = ext4(work, "sp-fs", {"data/media/0/DCIM/photo.jpg": bytes(random.Random(3).getrandbits(8)
                                                                          for _ in range(300000)),
                                    "data/ff.bin": b"\xff" * 100000 + b"\x12\x34\x56\x78" * 30000,
                                    "data/system/users/0.xml": b"<user id='0'/>\n"}, 48)
    sha = hashlib.sha256(open(fs, "rb").read()).hexdigest()
    d = os.path.join(work, "ext.d", "sdcard/backup")
    os.makedirs(d)
    sh(f"img2simg {fs} {d}/userdata.img && img2simg {fs} {work}/userdata-1k.img 1024")
    sh(f"simg2img {d}/userdata.img {work}/back.img")
    assert hashlib.sha256(open(os.path.join(work, "back.img"), "rb").read()).hexdigest() == sha

    def evidence():
        for name, path in (("sp-4k", f"{d}/userdata.img"), ("sp-1k", f"{work}/userdata-1k.img")):
            o, r = scan(work, name, [path], "--image-hash")
            assert r.returncode == 0, r.stderr
            c = db(o)
            ev = c.execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
            assert ev == ("android-sparse", os.path.getsize(fs), sha), ev
            assert listing(o, "") == fls(fs), name
            got = vol_items(o, "")
            for p, h in sums.items():
                assert got.get(p) == h, (name, p)
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            assert "Android sparse image (version 1.0)" in notes and " fill" in notes, notes
    tap.result("Android sparse images (img2simg, 4 KiB and 1 KiB blocks) as evidence read as the disk simg2img "
               "expands: its SHA-256, fls's listing, the files' hashes (fill chunks included)", evidence)

    def nested():
        host = os.path.join(work, "sp-host.img")
        sh(f"truncate -s 32M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {work}/ext.d {host}")
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "sp-nested", [host], "--case", case)
        assert r.returncode == 0, r.stderr
        pre = "/sdcard/backup/userdata.img!"
        got = {k[len(pre):]: v for k, v in db(o).execute("SELECT path, sha256 FROM items WHERE kind = 'file' AND "
                                                           "path LIKE ? || '%'", (pre,))}
        for p, h in sums.items():
            assert got.get(p) == h, (p, sorted(got)[:5])
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE kind = 'file' AND path LIKE ? || '/data/%'",
                                           (pre,))]
        assert len(ids) == 3, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("an Android sparse image found as a file is walked as FILE!/...; export and verify --evidence",
               nested)

    def damaged():
        base = open(f"{d}/userdata.img", "rb").read()
        cut = os.path.join(work, "sp-cut.img")
        open(cut, "wb").write(base[:len(base) // 2])
        o, r = scan(work, "sp-cut", [cut])
        assert r.returncode == 2, r.returncode
        log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
        assert "lies past the file's end" in log or "past the file's end" in log, log[-800:]
        never_crash(work, "sp-bad.img", base, 9, 4096)
    tap.result("a truncated Android sparse image is refused naming the chunk past the file's end; damaged chunk "
               "headers never crash", damaged)


def aff4_images(tap, work):
    """AFF4 Standard 1.0 images (Evimetry, pmem, aff4imager; libtsk reads
    none): written by tests/fixtures/mkaff4.py with every codec the standard
    names, sparse maps, a stream without a map, an unreadable range; as
    evidence and found as a file, read as the raw disk they were made from;
    damage named, no crash."""
    fs, sums = ext4(work, "a4-fs", {"home/alice/report.txt": b"quarterly figures\n" * 3000,
                                    "home/alice/photo.raw": bytes(random.Random(4).getrandbits(8)
                                                                  for _ in range(200000)),
                                    "etc/hostname": b"srv07\n"}, 24)
    sha = hashlib.sha256(open(fs, "rb").read()).hexdigest()
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"  # Debian's, with snappy and lz4
    made = {}
    for name, args in (("snappy", "codec=snappy sparse"), ("lz4", "codec=lz4 chunk=16384 bevy=64"),
                       ("deflate", "codec=deflate sparse comment"), ("zlib", "codec=zlib"),
                       ("stored", "codec=stored bevy=100 stream-only"),
                       ("unreadable", "codec=snappy unreadable=20971520:65536"),
                       ("badhash", "codec=lz4 badhash")):
        made[name] = os.path.join(work, name + ".aff4")
        sh(f"{py} {FIX}/mkaff4.py {fs} {made[name]} {args}")

    def evidence():
        for name in ("snappy", "lz4", "deflate", "zlib", "stored"):
            o, r = scan(work, "a4-" + name, [made[name]], "--image-hash")
            assert r.returncode == 0, (name, r.stderr)
            c = db(o)
            ev = c.execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
            assert ev == ("aff4", os.path.getsize(fs), sha), (name, ev)
            assert listing(o, "") == fls(fs), name
            got = vol_items(o, "")
            for p, h in sums.items():
                assert got.get(p) == h, (name, p)
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            want = "image stream" if name == "stored" else "map of"
            assert "AFF4 image aff4://" in notes and want in notes, (name, notes)
            raw = open(fs, "rb").read()
            assert (f"hashes stored by the imager: SHA-1 {hashlib.sha1(raw).hexdigest()}, MD5 "
                    f"{hashlib.md5(raw).hexdigest()}") in notes, notes
            acq = c.execute("SELECT acquisition_md5, acquisition_sha1, image_md5 FROM evidence").fetchone()
            assert acq == (hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest(),
                           hashlib.md5(raw).hexdigest()), acq
        # an image whose data no longer matches the hash the imager stored
        o, r = scan(work, "a4-badhash", [made["badhash"]], "--image-hash")
        errs = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors WHERE severity = 'error'"))
        assert r.returncode == 1 and "differs from the acquisition's" in errs, (r.returncode, errs)
    tap.result("AFF4 images (snappy, LZ4, deflate, zlib, stored; sparse maps, a stream without a map, the URN in "
               "the ZIP comment) as evidence read as the raw disk: its SHA-256, fls's listing, the files' hashes; "
               "the imager's stored hashes checked by --image-hash",
               evidence)

    def unreadable():
        o, r = scan(work, "a4-ur", [made["unreadable"]])
        assert r.returncode in (0, 1), r.stderr
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "65536 bytes the imager could not read (aff4:UnreadableData" in notes, notes
    tap.result("an AFF4 image's unreadable range is named", unreadable)

    def nested():
        # walked as a disk, not listed as a ZIP: the disk's files are below it
        nested_in_ext4(work, "a4", made["snappy"], "cases/srv07.aff4", "16M", sums,
                       ("/home/alice/report.txt", "/home/alice/photo.raw"))
    tap.result("an AFF4 image found as a file is walked as FILE!/...; export and verify --evidence", nested)

    def damaged():
        base = open(made["snappy"], "rb").read()
        truncated(work, "a4-cut", base, 2, "AFF4 volume: no ZIP end-of-directory record")
        # a bevy's index damaged: the chunks it names are read errors, named
        idx = base.index(b"/00000000.index")              # the member's name in its local header
        start = idx + len("/00000000.index")
        bad = bytearray(base)
        bad[start + 8:start + 12] = b"\xff\xff\xff\x7f"     # the first chunk's length
        open(os.path.join(work, "a4-bad.aff4"), "wb").write(bad)
        o, r = scan(work, "a4-bad", [os.path.join(work, "a4-bad.aff4")])
        log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
        assert r.returncode == 1 and "points chunk 0 past the bevy (damaged index)" in log, (r.returncode, log[-800:])
        never_crash(work, "a4-rnd.aff4", base, 11, len(base))
    tap.result("a truncated AFF4 volume is refused naming its missing directory; damaged chunks and random damage "
               "never crash", damaged)


def dmg_evidence(tap, work):
    """Apple disk images (UDIF; libtsk reads none): written by
    tests/fixtures/mkdmg.py, whose zlib images qemu-img's dmg driver reads
    back to the raw disk.  Given as evidence or found in a directory, a DMG
    reads as the raw disk (SHA-256, fls's listing, the files' hashes, export
    and verify) whatever its chunks' coding (zlib, bzip2, xz, ADC, raw,
    zeros); a damaged chunk and an LZFSE chunk are read errors that name
    them, and the rest of the disk is read."""
    fs, sums = ext4(work, "d-fs", {"Users/ann/Documents/contract.pages": b"contract " * 4000,
                                    "Users/ann/Pictures/big.bin": bytes(range(256)) * 9000,
                                    "etc/hosts": b"127.0.0.1 mac\n"}, 24)
    raw = os.path.join(work, "d.raw")
    mbr_disk(raw, [(fs, "83")], 32)
    sha = hashlib.sha256(open(raw, "rb").read()).hexdigest()
    mk = os.path.join(FIX, "mkdmg.py")
    d = os.path.join(work, "Downloads")
    os.makedirs(d)
    sh(f"python3 {mk} {raw} {d}/udzo.dmg && python3 {mk} {raw} {d}/mixed.dmg --mode mixed --chunk 64")

    def read():
        back = os.path.join(work, "qemu.raw")
        sh(f"qemu-img convert -f dmg -O raw {d}/udzo.dmg {back}")
        assert hashlib.sha256(open(back, "rb").read()).hexdigest() == sha, "qemu reads the fixture as the raw disk"
        for name in ("udzo.dmg", "mixed.dmg"):
            notes = read_as_raw_disk(work, "dmg-" + name, os.path.join(d, name), "dmg", sha, raw, sums)
            assert "Apple disk image (UDIF" in notes, notes
            if name == "mixed.dmg":
                for coding in ("zlib", "bzip2", "LZMA", "ADC", "raw", "zeros"):
                    assert " %s " % coding in notes, (coding, notes)
        case = os.path.join(work, "dmg.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "dmg-dir", [d], "--case", case)
        assert r.returncode == 0, r.stderr
        assert listing(o, "/mixed.dmg!p1", "/mixed.dmg!p1") == fls(raw, 2048)
        # the DMG file itself: compressed chunks, named, not ciphertext
        enc = db(o).execute("SELECT encryption, encryption_reason FROM items WHERE path = '/udzo.dmg'").fetchone()
        assert enc[0] == "none" and "Apple disk image (UDIF koly trailer)" in enc[1], enc
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE path LIKE '/udzo.dmg!p1/Users/ann/%' "
                                           "AND kind = 'file'")]
        assert len(ids) == 2, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("DMG (zlib, and bzip2/xz/ADC/raw/zero chunks) given as evidence or found in a directory reads as "
               "the raw disk: same SHA-256, fls's listing, the files' hashes, export and verify", read)

    def damaged():
        # one chunk's stored bytes damaged, and an LZFSE chunk: read errors naming them
        data = bytearray(open(os.path.join(d, "udzo.dmg"), "rb").read())
        data[20:60] = b"\xa5" * 40      # inside the first zlib chunk (the MBR's)
        bad = os.path.join(work, "bad.dmg")
        open(bad, "wb").write(bytes(data))
        o, r = scan(work, "dmg-bad", [bad])
        assert r.returncode in (1, 2), r.stderr
        errs = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "zlib chunk at disk bytes 0..1048576 does not decode" in errs, errs[:2000]
        lz = os.path.join(work, "lzfse.dmg")
        at = (open(raw, "rb").read().find(bytes(range(256)) * 16) + MiB) // 512   # inside big.bin
        sh(f"python3 {mk} {raw} {lz} --chunk 64 --lzfse-at {at}")
        o, r = scan(work, "dmg-lzfse", [lz])
        assert r.returncode == 1, r.stderr
        assert listing(o, "p1") == fls(raw, 2048), "the rest of the disk is read"
        got = vol_items(o, "p1")
        for path, h in sums.items():
            assert (got.get(path) is None) == (path == "/Users/ann/Pictures/big.bin"), (path, got.get(path))
        err = db(o).execute("SELECT error FROM items WHERE path = '/Users/ann/Pictures/big.bin'").fetchone()[0]
        assert "LZFSE-compressed chunk" in err and "no LZFSE decoder" in err, err
    tap.result("a DMG chunk whose stored bytes are damaged, and an LZFSE chunk, are read errors naming the "
               "chunk; the rest of the disk is read", damaged)


def vdi_evidence(tap, work):
    """VirtualBox disks (libtsk reads no VDI): dynamic and fixed images read
    as the raw disk, given as evidence or found in a directory; a snapshot
    (a differencing image) read over its parent, found by UUID; a truncated
    image's lost blocks are item errors."""
    fs, sums = ext4(work, "v-fs", {"home/ann/thesis.odt": b"PK\x03\x04 thesis" * 3000,
                                    "home/ann/big.bin": bytes(range(256)) * 12000,
                                    "etc/hostname": b"vbox-guest\n"}, 24)
    raw = os.path.join(work, "v.raw")
    mbr_disk(raw, [(fs, "83")], 32)
    sha = hashlib.sha256(open(raw, "rb").read()).hexdigest()
    d = os.path.join(work, "VirtualBox VMs")
    os.makedirs(d)
    sh(f"qemu-img convert -O vdi '{raw}' '{d}/dyn.vdi' && qemu-img convert -O vdi -o static=on '{raw}' '{d}/fix.vdi'")
    before = {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in os.listdir(d)}

    def read():
        for name in ("dyn.vdi", "fix.vdi"):
            notes = read_as_raw_disk(work, "vdi-" + name, os.path.join(d, name), "vdi", sha, raw, sums)
            assert ("fixed" if name == "fix.vdi" else "dynamic") in notes and "QEMU VM Virtual Disk Image" in notes, \
                notes
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "vdi-dir", [d], "--case", case)
        assert r.returncode == 0, r.stderr
        assert listing(o, "/dyn.vdi!p1", "/dyn.vdi!p1") == fls(raw, 2048)
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE path LIKE '/dyn.vdi!p1/home/ann/%'")]
        assert len(ids) == 2
        export_and_verify(work, o, ids, "--case", case)
        after = {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in os.listdir(d)}
        assert after == before, "evidence unchanged"
    tap.result("VDI (dynamic and fixed, written by qemu) given as evidence or found in a directory reads as the "
               "raw disk: same SHA-256, fls's listing, the files' hashes, export and verify", read)

    def snapshot():
        # a VM with a snapshot: the base disk in its folder, the snapshot in
        # Snapshots/, naming its parent by UUID; since the snapshot a file
        # was added and one deleted (debugfs, no mount)
        old, new = os.path.join(work, "vm-old.raw"), os.path.join(work, "vm-new.raw")
        shutil.copy(raw, old)
        shutil.copy(raw, new)
        start = 2048 * 512
        part = os.path.join(work, "vm-part.img")
        sh(f"dd if={new} of={part} bs=512 skip=2048 count={24 * 2048} status=none")
        open(os.path.join(work, "added.txt"), "w").write("written after the snapshot was taken\n")
        sh(f"cd {work} && debugfs -w -R 'write added.txt home/ann/added.txt' {part} && "
           f"debugfs -w -R 'rm etc/hostname' {part}")
        sh(f"dd if={part} of={new} bs=512 seek=2048 conv=notrunc status=none")
        vm = os.path.join(work, "VMs", "srv1")
        os.makedirs(os.path.join(vm, "Snapshots"))
        sh(f"qemu-img convert -O vdi {old} {vm}/srv1.vdi")
        snap = os.path.join(vm, "Snapshots", "{5eed0000-0000-4000-8000-00000000c0de}.vdi")
        out = sh(f"python3 {FIX}/mkvdi.py {vm}/srv1.vdi {old} {new} '{snap}'")
        assert int(out.split()[1]) < 8, out          # only the blocks that changed
        new_sha = hashlib.sha256(open(new, "rb").read()).hexdigest()
        o, r = scan(work, "vdi-snap", [snap], "--image-hash")
        assert r.returncode == 0, r.stderr
        ev = db(o).execute("SELECT format, image_sha256 FROM evidence").fetchone()
        assert ev == ("vdi", new_sha), ev
        assert listing(o, "p1") == fls(new, 2048)
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "differencing over the disk {" in notes and "Snapshots/../srv1.vdi" in notes, notes
        # the folder of VMs: the base as it was, the snapshot as it is now
        case = os.path.join(work, "nr-snap.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "vdi-vms", [os.path.join(work, "VMs")], "--case", case)
        assert r.returncode == 0, r.stderr
        snap_label = "/srv1/Snapshots/{5eed0000-0000-4000-8000-00000000c0de}.vdi!p1"
        assert listing(o, "/srv1/srv1.vdi!p1", "/srv1/srv1.vdi!p1") == fls(old, 2048)
        assert listing(o, snap_label, snap_label) == fls(new, 2048)
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE path LIKE ? AND kind = 'file'",
                                            (snap_label + "/home/ann/%",))]
        assert len(ids) == 3, ids     # thesis.odt, big.bin and the file added since
        export_and_verify(work, o, ids, "--case", case)
        # the same folder on a seized host's ext4 filesystem: found there through libtsk
        host = os.path.join(work, "vbox-host.img")
        sh(f"truncate -s 96M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {work}/VMs {host}")
        o, r = scan(work, "vdi-host", [host])
        assert r.returncode == 0, r.stderr
        inner = "/srv1/Snapshots/{5eed0000-0000-4000-8000-00000000c0de}.vdi!p1"
        assert listing(o, inner, inner) == fls(new, 2048)
        # the parent changed after the snapshot: read, and said
        stale = os.path.join(vm, "Snapshots", "stale.vdi")
        sh(f"python3 {FIX}/mkvdi.py {vm}/srv1.vdi {old} {new} {stale} --stale-parent")
        o, r = scan(work, "vdi-stale", [stale])
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert r.returncode == 0 and "the parent changed after the snapshot was taken" in notes, notes
        os.remove(stale)
        # without its parent: refused, the UUID named
        lone = os.path.join(work, "lone")
        os.makedirs(lone)
        shutil.copy(snap, os.path.join(lone, "snap.vdi"))
        o, r = scan(work, "vdi-lone", [os.path.join(lone, "snap.vdi")])
        assert r.returncode == 2, r.stderr
        msg = db(o).execute("SELECT error FROM evidence").fetchone()[0]
        assert "no .vdi created with UUID {" in msg, msg
    tap.result("a VDI snapshot is read over its parent, found by UUID in the VM's folder: the disk as it is now "
               "(SHA-256 and fls of the new raw disk), the base as it was; a changed parent is said; a missing "
               "one refuses the disk with its UUID", snapshot)

    def truncated():
        # cut the dynamic image inside its data: blocks past the end are errors, the rest is read
        cut = os.path.join(work, "cut.vdi")
        size = os.path.getsize(os.path.join(d, "dyn.vdi"))
        open(cut, "wb").write(open(os.path.join(d, "dyn.vdi"), "rb").read()[:size * 2 // 3])
        o, r = scan(work, "vdi-cut", [cut], "--image-hash")
        assert r.returncode == 1, r.stderr
        errs = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "lies past the end of the" in errs and "truncated image" in errs, errs[:2000]
    tap.result("a truncated VDI names the blocks it lost; the rest of the disk is read", truncated)


def shadow_copies(tap, work):
    """An NTFS partition with two Volume Shadow Copies (tests/fixtures/mkvss.py):
    the states the snapshots preserve are kept as raw images, the reference
    for fls and icat."""
    states = []
    for k, files in enumerate([
            {"secret.txt": b"private letter, version one\n" * 300, "ledger.csv": b"2011-01-01,100\n" * 2000,
             "keep.bin": random.Random(7).randbytes(300000), "gone.txt": b"deleted after the first snapshot\n" * 60,
             "memo.txt": b"memo as both snapshots keep it\n" * 40},
            {"secret.txt": b"private letter, version two, longer\n" * 500, ".delete": b"gone.txt\n"},
            {"secret.txt": b"version three\n" * 10, "new.txt": b"created after the last snapshot\n",
             "memo.txt": b"memo changed after the last snapshot\n" * 40}]):
        d = os.path.join(work, "s%d" % k)
        tree(d, files)
        states.append(d)
    vol = os.path.join(work, "vss.img")
    sh(f"python3 {FIX}/mkvss.py {vol} 32 {' '.join(states)}")
    disk = os.path.join(work, "vss-disk.img")
    mbr_disk(disk, [(vol, "07")], 40)
    off = 2048 * 512
    info = sh(f"vshadowinfo -o {off} {disk}")
    assert info.count("Store: ") == 2, info     # libvshadow's own tool reads the fixture

    def icat(img, inode):
        return hashlib.sha256(subprocess.run(["icat", "-f", "ntfs", img, str(inode)],
                                             capture_output=True).stdout).hexdigest()

    def inodes(img, deleted=False):
        """path -> inode of fls's files (with deleted: path -> (inode, deleted))."""
        out = subprocess.run(["fls", "-r", "-p", "-F", img], capture_output=True).stdout.decode()
        got = {}
        for line in out.splitlines():
            if "\t" in line:
                gone = line.split()[1] == "*"
                ino = int(line.split()[2 if gone else 1].split("-")[0].rstrip(":"))
                got["/" + line.split("\t", 1)[1]] = (ino, gone) if deleted else ino
        return got

    case = os.path.join(work, "nr.conf")
    open(case, "w").write(CASE_NR)
    out, p = scan(work, "vss-out", [disk], "--case", case)

    def changed():
        assert p.returncode == 0, p.stderr
        c = db(out)
        vols = {r[0]: r[1:] for r in c.execute(
            "SELECT label, container, layer_name, filesystem, parent_volume_id, description FROM volumes")}
        p1 = c.execute("SELECT id FROM volumes WHERE label = 'p1'").fetchone()[0]
        for k in (1, 2):
            v = vols["p1!vss:%d" % k]
            assert v[:4] == ("vss", str(k), "ntfs", p1), v
            assert v[4].startswith("Volume Shadow Copy %d of 2, created 2025-12-1%d 08:00:00 UTC, store {" % (k, k + 1)), v
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors WHERE location = 'p1'"))
        assert "the volume holds 2 Volume Shadow Copies, walked as p1!vss:1 to p1!vss:N" in notes, notes
        for k in (1, 2):
            ref = os.path.join(vol + ".state%d" % k)
            label = "p1!vss:%d" % k
            got = {r[0]: r[1:] for r in c.execute(
                "SELECT i.path, i.sha256, i.allocated, i.inode FROM items i JOIN volumes v ON v.id = i.volume_id"
                " WHERE v.label = ? AND i.kind = 'file' AND i.path NOT LIKE '%:%'", (label,))}
            assert set(listing(out, label)) <= set(fls(ref)), (k, listing(out, label))
            # every file whose content differs between the snapshot's state and the next newer one (the
            # newest: now) is listed, with the content icat reads from the state's image; the files the
            # next state holds alike are not repeated
            nxt = vol + ".state%d" % (k + 1) if k < 2 else vol
            later = inodes(nxt, deleted=True)
            for path, state in inodes(ref, deleted=True).items():
                ino = state[0]
                if path.startswith("/$") or "{3808876b" in path:
                    continue
                same = later.get(path) == state and icat(ref, ino) == icat(nxt, ino)
                assert (path in got) != same, (k, path, same)
                if path in got:
                    assert got[path][0] == icat(ref, ino), (k, path)
        v1 = {r[0]: r[1:] for r in c.execute(
            "SELECT i.path, i.allocated FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = 'p1!vss:1'")}
        assert v1["/gone.txt"] == (1,) and "/keep.bin" not in v1 and "/ledger.csv" not in v1, v1
        v2 = {r[0]: r[1:] for r in c.execute(
            "SELECT i.path, i.allocated FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = 'p1!vss:2'")}
        assert v2["/gone.txt"] == (0,), v2      # deleted between the two snapshots
        assert "/memo.txt" in v2 and "/memo.txt" not in v1, (v1, v2)   # one version, listed once
        ids = [i for (i,) in c.execute("SELECT i.id FROM items i JOIN volumes v ON v.id = i.volume_id WHERE"
                                       " v.label LIKE 'p1!vss:%' AND i.path IN ('/secret.txt', '/gone.txt')")]
        assert len(ids) == 4, ids
        export_and_verify(work, out, ids, "--case", case)
    tap.result("NTFS Volume Shadow Copies: each snapshot is a volume p1!vss:N (libvshadow) listing the files "
               "whose state no newer snapshot (nor the volume) holds, with icat's hashes on the state's own image; "
               "each older version is listed once; exported and verified through the snapshot", changed)

    def resumed():
        from test_scale import cut, same_outputs
        c = db(out)
        first = c.execute("SELECT min(i.id) FROM items i JOIN volumes v ON v.id = i.volume_id"
                          " WHERE v.label = 'p1!vss:1'").fetchone()[0]
        last = c.execute("SELECT max(id) FROM items").fetchone()[0]
        for k in (first - 1, first + 2, last - 1):
            o = os.path.join(work, "vss-cut%d" % k)
            cut(out, o, k)
            r = subprocess.run([PT, "scan", "--resume", o], capture_output=True)
            assert r.returncode == p.returncode, (k, r.stderr)
            same_outputs(out, o)
    tap.result("a scan interrupted before, inside and after the snapshots resumes to the same manifests", resumed)

    def every_file():
        o, r = scan(work, "vss-all", [disk], "--shadow-copies", "all")
        assert r.returncode == 0, r.stderr
        c = db(o)
        for k in (1, 2):
            ref = os.path.join(vol + ".state%d" % k)
            assert listing(o, "p1!vss:%d" % k) == fls(ref), k
            got = vol_items(o, "p1!vss:%d" % k)
            for path, ino in inodes(ref).items():
                if path in got and got[path] and "{3808876b" not in path and not path.startswith("/$"):
                    assert got[path] == icat(ref, ino), (k, path)
        assert "shadow_copies=all" in c.execute("SELECT options FROM run").fetchone()[0]
        o, r = scan(work, "vss-none", [disk], "--shadow-copies", "none")
        assert r.returncode == 0, r.stderr
        c = db(o)
        assert not c.execute("SELECT 1 FROM volumes WHERE label LIKE '%vss%'").fetchall()
        notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
        assert "not walked (--shadow-copies none)" in notes, notes
    tap.result("--shadow-copies all lists every file of each snapshot (fls of the state's image); none only says "
               "the snapshots are there", every_file)

    def damaged():
        img = bytearray(open(disk, "rb").read())
        cat = struct.unpack_from("<q", img, off + 0x1e00 + 0x30)[0]
        bad = bytearray(img)
        bad[off + cat:off + cat + 16] = b"\xff" * 16            # the catalog's identifier
        path = os.path.join(work, "vss-bad.img")
        open(path, "wb").write(bad)
        o, r = scan(work, "vss-bad", [path])
        assert r.returncode == 1, r.stderr
        c = db(o)
        errs = " | ".join(m for (m,) in c.execute("SELECT message FROM errors WHERE severity = 'error'"))
        assert "Volume Shadow Copies that could not be read (shadow copy catalog not read" in errs, errs
        assert listing(o, "p1") == fls(disk, 2048)       # the volume itself is walked
        # snapshot 1 keeping a zeroed block 0: its NTFS does not open; an error, not a hash of the volume
        bad = bytearray(img)
        entry3 = off + cat + 128 + 128
        assert struct.unpack_from("<q", bad, entry3)[0] == 3
        blist, base = struct.unpack_from("<q", bad, entry3 + 8)[0], struct.unpack_from("<q", bad, entry3 + 32)[0]
        slot = next(off + blist + 128 + 32 * i for i in range(500)
                    if bad[off + blist + 128 + 32 * i:off + blist + 160 + 32 * i] == bytes(32))
        struct.pack_into("<qqqII", bad, slot, 0, (4 << 20) - 16384, base + (4 << 20) - 16384, 0, 0)
        open(path, "wb").write(bad)
        o, r = scan(work, "vss-noboot", [path])
        assert r.returncode == 1, r.stderr
        c = db(o)
        err = c.execute("SELECT error FROM volumes WHERE label = 'p1!vss:1'").fetchone()[0]
        assert "the snapshot's NTFS does not open" in err, err
        assert not c.execute("SELECT 1 FROM items i JOIN volumes v ON v.id = i.volume_id WHERE v.label = 'p1!vss:1'"
                             ).fetchall()
        assert "/secret.txt" in listing(o, "p1!vss:2")
        struct.pack_into("<q", img, off + 0x1e00 + 0x30, 0)    # a header without a catalog
        open(path, "wb").write(img)
        o, r = scan(work, "vss-empty", [path])
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert r.returncode == 0 and "but no catalog: no snapshots" in notes, notes
    tap.result("a damaged shadow-copy catalog is an error on the volume, which is still walked; a snapshot whose "
               "NTFS does not open is an error, not hashed whole; a VSS header without a catalog is a note", damaged)


@contextlib.contextmanager
def fast_unwind():
    """ASan's fast unwinder for VeraCrypt scans: OpenSSL's PBKDF2 allocates
    at each of its 500,000 iterations, and ASan unwinding the stack of every
    allocation the slow way makes one key derivation take a minute (our code
    is built with frame pointers; the checks themselves are the same, but a
    leak's stack is short, so tests/lsan.supp's deeper frames do not match:
    only scans that meet no suppressed library leak run this way)."""
    saved = os.environ.get("ASAN_OPTIONS")
    if saved:
        os.environ["ASAN_OPTIONS"] = saved.replace("fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1")
    try:
        yield
    finally:
        if saved:
            os.environ["ASAN_OPTIONS"] = saved


def veracrypt(tap, work):
    """VeraCrypt and TrueCrypt volumes (tests/fixtures/mkveracrypt.py, written
    to VeraCrypt's volume format specification: no tool on Debian writes
    one) opened with passphrases of case.conf: the standard and the hidden
    volume, as a whole image and as a partition."""
    with fast_unwind():
        veracrypt_cases(tap, work)


def veracrypt_cases(tap, work):
    fs, sums = ext4(work, "vcfs", {"finance/ledger.csv": b"date,amount\n2011-03-01,100\n" * 200,
                                   "notes.txt": b"outer notes\n"}, 4)
    hfs, hsums = ext4(work, "vchid", {"hidden/plans.txt": b"the real plans\n" * 50}, 2)
    vc, tc = os.path.join(work, "c.hc"), os.path.join(work, "t.tc")
    sh(f"python3 {FIX}/mkveracrypt.py {fs} {vc} --password 'outer pass' --hidden {hfs} "
       "--hidden-password 'hidden pass' --seed 3")
    sh(f"python3 {FIX}/mkveracrypt.py {hfs} {tc} --password 'tc pass' --truecrypt --seed 4")
    disk = os.path.join(work, "vc-disk.img")
    mbr_disk(disk, [(tc, "83")], 8)
    # each passphrase tried on a header costs a PBKDF2 per PRF (about 5 s
    # for all five): the keys are in the order that opens at once
    keys = os.path.join(work, "vc.conf")
    open(keys, "w").write(CASE_NR + "[keys]\npassphrase = outer pass\npassphrase = hidden pass\n")
    tkeys = os.path.join(work, "tc.conf")
    open(tkeys, "w").write(CASE_NR + "[keys]\npassphrase = tc pass\n")
    # the container as a file of an ext4 filesystem (Documents/secret.hc)
    home = os.path.join(work, "vc-home")
    os.makedirs(os.path.join(home, "home", "bob"))
    shutil.copy(vc, os.path.join(home, "home", "bob", "secret.hc"))
    sh(f"mkfs.ext4 -q -F -E root_owner=0:0 -d {home} {work}/vc-home.img 24M")
    out, p = scan(work, "vc-key", [vc, os.path.join(work, "vc-home.img")], "--case", keys)
    tout, tp = scan(work, "tc-key", [disk], "--case", tkeys)

    def opened():
        assert p.returncode == 0 and tp.returncode == 0, (p.stderr, tp.stderr)
        c = db(out)
        vols = {r[0]: r[1] for o in (out, tout) for r in db(o).execute(
            "SELECT label, description FROM volumes WHERE container = 'veracrypt'")}
        f = "/home/bob/secret.hc!"
        assert set(vols) == {"!veracrypt:standard", "!veracrypt:hidden", "p1!veracrypt:standard",
                             f + "!veracrypt:standard", f + "!veracrypt:hidden"}, vols
        assert vols["!veracrypt:standard"].startswith("VeraCrypt volume (header version 5), AES-256-XTS, "
                                                      "PBKDF2-HMAC-SHA-512 500000 iterations"), vols
        assert vols["!veracrypt:hidden"].startswith("VeraCrypt hidden volume"), vols
        assert vols["p1!veracrypt:standard"].startswith("TrueCrypt volume (header version 5), AES-256-XTS, "
                                                        "PBKDF2-HMAC-SHA-512 1000 iterations"), vols
        for o, label, img, want in ((out, "!veracrypt:standard", fs, sums), (out, "!veracrypt:hidden", hfs, hsums),
                                    (tout, "p1!veracrypt:standard", hfs, hsums),
                                    (out, f + "!veracrypt:standard", fs, sums), (out, f + "!veracrypt:hidden", hfs,
                                                                                hsums)):
            pre = label if label.startswith("/") else ""  # a file container's items: LABEL/path
            assert listing(o, label, pre) == fls(img), label
            got = {p[len(pre):]: h for p, h in vol_items(o, label).items()}
            for path, sha in want.items():
                assert got[path] == sha, (label, path)
        notes = [r[0] for r in c.execute("SELECT message FROM errors WHERE severity = 'note'")]
        assert any("standard volume opened with passphrase 1 of case.conf; hidden volume opened with passphrase "
                   "2 of case.conf" in n for n in notes), notes
        for f in ("case.db", "report.html", "manifest.jsonl"):
            assert b"outer pass" not in open(os.path.join(out, f), "rb").read()
    tap.result("VeraCrypt standard and hidden volumes (a whole image and a file container in ext4) and a TrueCrypt "
               "partition open with "
               "passphrases of case.conf: !veracrypt:standard, !veracrypt:hidden, p1!veracrypt:standard, "
               "FILE!!veracrypt:standard, listed "
               "as fls lists the filesystems inside, hashed as the source files; no passphrase written", opened)

    def reread():
        for o, conf, n in ((out, keys, 5), (tout, tkeys, 1)):
            ids = [r[0] for r in db(o).execute("SELECT id FROM items WHERE (path IN ('/finance/ledger.csv',"
                                               " '/hidden/plans.txt') OR path LIKE '/home/bob/secret.hc!!veracrypt:%')"
                                               " AND kind = 'file'")]
            assert len(ids) == n, ids
            _, rec = export_and_verify(work, o, ids, "--case", conf)
            assert all(r["status"].startswith("exported") for r in rec if r["kind"] == "file"), rec
    tap.result("items of VeraCrypt and TrueCrypt volumes export and verify --evidence with --case", reread)

    def without_key():
        wrong = os.path.join(work, "vc-wrong.conf")
        open(wrong, "w").write("[keys]\npassphrase = not it\n")
        for name, conf, why in (("vc-nokey", [], None), ("vc-wrong", ["--case", wrong],
                                                         "no passphrase of case.conf decrypts a VeraCrypt")):
            o, r = scan(work, name, [vc], *conf)
            c = db(o)
            assert not c.execute("SELECT 1 FROM volumes WHERE container = 'veracrypt'").fetchall()
            row = c.execute("SELECT encryption, sha256, error FROM items WHERE kind = 'volume'").fetchone()
            assert row[0] == "suspected" and row[1] == hashlib.sha256(open(vc, "rb").read()).hexdigest(), row
            assert (why in row[2]) if why else "VeraCrypt" not in row[2], row
    tap.result("without a passphrase that opens it, a VeraCrypt container stays one suspected volume item, "
               "hashed whole; a wrong passphrase is named as tried", without_key)


def apple_sparse_image(tap, work):
    """Apple sparse disk images (.sparseimage, hdiutil's SPARSE format; no
    Mac here writes one, so tests/fixtures/mksparseimage.py writes them as
    libmodi's notes and fsdump describe the format): bands stored in the
    order first written, listed by the header node and index nodes after
    it.  As evidence and found as a file, read as the raw disk; damage
    named, no crash."""
    fs, sums = ext4(work, "spi-fs", {"Users/ann/Documents/ledger.csv": b"date,amount\n2012-01-02,10\n" * 400,
                                     "Users/ann/Movies/clip.bin": random.Random(4).randbytes(9 * MiB + 123),
                                     "Users/ann/empty.txt": b""}, 24)
    raw = os.path.join(work, "spi-disk.raw")
    mbr_disk(raw, [(fs, "0FC63DAF-8483-4772-8E79-3D69E4C7DE47")], 26, label="gpt")
    sha = hashlib.sha256(open(raw, "rb").read()).hexdigest()
    small = os.path.join(work, "small.sparseimage")    # 8 KiB bands: more than the header node lists
    sh(f"python3 {FIX}/mksparseimage.py {raw} {small} --band-sectors 16 --order shuffle")
    big = os.path.join(work, "ext.d", "Users/ann/Desktop/old mac.sparseimage")
    os.makedirs(os.path.dirname(big))
    sh(f"python3 {FIX}/mksparseimage.py {raw} '{big}' --order reverse --u32-only")
    assert os.path.getsize(small) < os.path.getsize(raw)

    def evidence():
        for name, path, nodes in (("spi-small", small, " 1 index node"), ("spi-big", big, " 0 index nodes")):
            o, r = scan(work, name, [path], "--image-hash")
            assert r.returncode == 0, r.stderr
            c = db(o)
            ev = c.execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
            assert ev == ("sparseimage", os.path.getsize(raw), sha), ev
            assert listing(o, "p1") == fls(raw, 2048), name
            got = vol_items(o, "p1")
            for p, h in sums.items():
                assert got.get(p) == h, (name, p)
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            assert "Apple sparse image (version 3)" in notes and nodes in notes, notes
    tap.result("Apple sparse images (8 KiB bands shuffled over two nodes; 1 MiB bands, 32-bit size) as evidence "
               "read as the raw disk: its SHA-256, fls's listing, the files' hashes", evidence)

    def nested():
        host = os.path.join(work, "spi-host.img")
        sh(f"truncate -s 40M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {work}/ext.d {host}")
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "spi-nested", [host], "--case", case)
        assert r.returncode == 0, r.stderr
        pre = "/Users/ann/Desktop/old mac.sparseimage!p1"
        got = {k[len(pre):]: v for k, v in db(o).execute("SELECT path, sha256 FROM items WHERE kind = 'file' AND "
                                                           "path LIKE ? || '/%'", (pre,))}
        for p, h in sums.items():
            assert got.get(p) == h, (p, sorted(got)[:5])
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE kind = 'file' AND path LIKE ? || '/Users/%'",
                                           (pre,))]
        assert len(ids) == 3, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("an Apple sparse image found as a file is walked as FILE!p1/...; export and verify --evidence",
               nested)

    def damaged():
        base = open(small, "rb").read()
        nxt = struct.unpack(">Q", base[20:28])[0]
        assert nxt > 0
        cases = {"cut": base[:len(base) // 3],                                            # its index node lost
                 "band": base[:64] + struct.pack(">I", 999999) + base[68:],               # a band past the disk
                 "unlinked": base[:20] + struct.pack(">Q", 0) + base[28:],                # header loses its index
                 "loop": base[:nxt + 12] + struct.pack(">Q", nxt) + base[nxt + 20:],      # index links itself
                 "tail": base[:len(base) - 3 * 8192]}                                     # last bands cut
        want = {"cut": "past the end of the file", "band": "lists band 999999", "loop": "(a loop?)",
                "tail": "past the end of the", "unlinked": "listed by no node (a lost index node?)"}
        for k, data in cases.items():
            path = os.path.join(work, f"spi-{k}.sparseimage")
            open(path, "wb").write(data)
            o, r = scan(work, f"spi-{k}", [path])
            log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
            # without its index node the bands it listed read as zeros (the
            # partition table among them): the loss is named, never silent
            assert r.returncode in ((0, 1, 2) if k == "unlinked" else (1, 2)) and want[k] in log, \
                (k, r.returncode, log[-800:])
        never_crash(work, "spi-bad.sparseimage", base[:200000], 11, 4096)
    tap.result("a truncated Apple sparse image is refused or its lost bands named; a band past the disk is named; "
               "damaged headers never crash", damaged)

    def claims_petabytes():
        # a 1 MiB image of a disk with no filesystem whose header claims
        # 512 TiB (found by fuzz_scan: the volume item was hashed for days,
        # and libtsk's YAFFS2 test read the disk through at each probe)
        text = os.path.join(work, "spi-text.raw")
        open(text, "wb").write(b"ledger 2012, no filesystem here\n" * 32768)
        img = os.path.join(work, "spi-text.sparseimage")
        sh(f"python3 {FIX}/mksparseimage.py {text} {img} --band-sectors 16")
        b = bytearray(open(img, "rb").read())
        b[28:36] = struct.pack(">Q", 1 << 40)
        open(img, "wb").write(b)
        t0 = time.monotonic()
        o, r = scan(work, "spi-petabytes", [img])
        took = time.monotonic() - t0
        assert r.returncode == 1 and took < 60, (r.returncode, took)
        row = db(o).execute("SELECT size, sha256, error FROM items WHERE kind = 'volume'").fetchone()
        assert row[0] == 512 << 40 and not row[1], row
        assert f"in files of {len(b)} bytes: read stopped at byte {1024 * len(b)}" in row[2], row[2]
    tap.result("a sparse image claiming 512 TiB from 1 MiB: its volume item read to 1,024 times the file, named, "
               "no hash, within a minute", claims_petabytes)


def parallels(tap, work):
    """Parallels expanding images (Parallels Desktop's NAME.hdd bundles on
    Macs, the ploop root.hds of Virtuozzo/OpenVZ hosting servers; libtsk
    reads none): written by qemu-img, whose own reading (qemu-img convert
    -O raw) is the reference.  As evidence and found as a file; an image
    left open for writing is named; damage named, no crash."""
    fs, sums = ext4(work, "phd-fs", {"vz/root/101/home/web/site.sql": b"INSERT INTO t VALUES (1);\n" * 800,
                                     "vz/root/101/var/mail/ann": b"From ann@example.org\n\nhello\n",
                                     "vz/root/101/srv/blob.bin": random.Random(6).randbytes(5 * MiB + 77)}, 20)
    raw = os.path.join(work, "phd-disk.raw")
    mbr_disk(raw, [(fs, "83")], 22)
    bundle = os.path.join(work, "ext.d", "Users/ann/Parallels/Win 11.pvm/harddisk.hdd")
    os.makedirs(bundle)
    hds = os.path.join(bundle, "harddisk.hdd.0.{5fbaabe3-6958-40ff-92a7-860e329aab41}.hds")
    ploop = os.path.join(work, "root.hds")
    sh(f"qemu-img convert -O parallels {raw} '{hds}' && qemu-img convert -O parallels -o cluster_size=64k {raw} {ploop}")
    for img in (hds, ploop):
        back = os.path.join(work, "back.raw")
        sh(f"qemu-img convert -f parallels -O raw '{img}' {back}")
        assert open(back, "rb").read() == open(raw, "rb").read()
    sha = hashlib.sha256(open(raw, "rb").read()).hexdigest()

    def evidence():
        for name, path, cl in (("phd-1m", hds, "clusters of 1048576 bytes"), ("phd-64k", ploop, "clusters of 65536")):
            o, r = scan(work, name, [path], "--image-hash")
            assert r.returncode == 0, r.stderr
            c = db(o)
            ev = c.execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
            assert ev == ("parallels", os.path.getsize(raw), sha), ev
            assert listing(o, "p1") == fls(raw, 2048), name
            got = vol_items(o, "p1")
            for p, h in sums.items():
                assert got.get(p) == h, (name, p)
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            assert "Parallels expanding image (WithouFreSpacExt, version 2)" in notes and cl in notes, notes
            assert "in use" not in notes, notes
        # a container's disk copied while it ran: the in-use mark is named
        live = os.path.join(work, "live.hds")
        data = bytearray(open(ploop, "rb").read())
        data[44:48] = struct.pack("<I", 0x746F6E59)
        open(live, "wb").write(data)
        o, r = scan(work, "phd-live", [live])
        assert r.returncode == 0, r.stderr
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "marked in use: it was open for writing when copied" in notes, notes
    tap.result("Parallels images (qemu-img, 1 MiB and 64 KiB clusters) as evidence read as qemu-img reads them: the "
               "disk's SHA-256, fls's listing, the files' hashes; an image left in use is named", evidence)

    def nested():
        host = os.path.join(work, "phd-host.img")
        sh(f"truncate -s 40M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {work}/ext.d {host}")
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "phd-nested", [host], "--case", case)
        assert r.returncode == 0, r.stderr
        pre = "/" + os.path.relpath(hds, os.path.join(work, "ext.d")) + "!p1"
        got = {k[len(pre):]: v for k, v in db(o).execute("SELECT path, sha256 FROM items WHERE kind = 'file' AND "
                                                           "path LIKE ? || '/%'", (pre,))}
        for p, h in sums.items():
            assert got.get(p) == h, (p, sorted(got)[:5])
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE kind = 'file' AND path LIKE ? || '/vz/%'",
                                           (pre,))]
        assert len(ids) == 3, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("a Parallels Desktop disk found in a .pvm bundle is walked as FILE!p1/...; export and verify "
               "--evidence", nested)

    def damaged():
        base = open(ploop, "rb").read()
        bat = struct.unpack("<I", base[64:68])[0]
        cases = {"cut": (base[:len(base) // 2], "past the end of the"),
                 "bat": (base[:32] + struct.pack("<I", 0x7fffffff) + base[36:], "header damaged"),
                 "entry": (base[:48] + struct.pack("<I", 128 * 200) + base[52:], "before the data area")}
        assert bat, bat
        for k, (data, want) in cases.items():
            path = os.path.join(work, f"phd-{k}.hds")
            open(path, "wb").write(data)
            o, r = scan(work, f"phd-{k}", [path])
            log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
            assert r.returncode in (1, 2) and want in log, (k, r.returncode, log[-800:])
        never_crash(work, "phd-bad.hds", base[:300000], 12, 1024)
    tap.result("a truncated Parallels image names the clusters past its end; a damaged header or BAT entry is "
               "refused naming it; random damage never crashes", damaged)


def parallels_disks(tap, work):
    """Parallels disk directories (NAME.hdd with DiskDescriptor.xml:
    Parallels Desktop's VM disks, split into storages, and the ploop
    root.hdd of Virtuozzo/OpenVZ containers), written by
    tests/fixtures/mkparallels.py after libphdi's notes, whose images
    qemu-img reads back: the disk is the current snapshot over its base,
    across storages; the image files are never walked alone."""
    files = {"home/ann/taxes 2011.xlsx": random.Random(8).randbytes(3 * MiB + 5),
             "home/ann/notes.txt": b"meet at noon\n" * 300, "etc/hostname": b"ct101\n"}
    fs, _ = ext4(work, "pd-fs", files, 16)
    raw = os.path.join(work, "pd-disk.raw")
    mbr_disk(raw, [(fs, "83")], 18)
    later = bytearray(open(raw, "rb").read())
    # the snapshot: the notes rewritten in place, the taxes file's first MiB too
    data = later[2048 * 512:]
    for old, new_ in ((b"meet at noon\n" * 300, b"meet at nine\n" * 300),):
        at = bytes(data).find(old)
        assert at > 0
        later[2048 * 512 + at:2048 * 512 + at + len(new_)] = new_
    big = files["home/ann/taxes 2011.xlsx"]
    at = bytes(later).find(big[:4096])
    later[at:at + MiB] = random.Random(9).randbytes(MiB)
    later_raw = os.path.join(work, "pd-later.raw")
    open(later_raw, "wb").write(later)
    want = dict(tree(os.path.join(work, "pd-want"), {"home/ann/taxes 2011.xlsx": random.Random(9).randbytes(MiB) +
                                                     big[MiB:], "home/ann/notes.txt": b"meet at nine\n" * 300,
                                                     "etc/hostname": b"ct101\n"}))
    host_d = os.path.join(work, "host.d")
    mac = os.path.join(host_d, "Users/ann/Parallels/Win 11.pvm/Win 11.hdd")
    os.makedirs(os.path.dirname(mac))
    sh(f"python3 {FIX}/mkparallels.py {raw} '{mac}' --later {later_raw} --split {6 * MiB} --cluster 256")
    ct = os.path.join(work, "vz", "private", "101", "root.hdd")
    os.makedirs(os.path.dirname(ct))
    sh(f"python3 {FIX}/mkparallels.py {raw} {ct} --later {later_raw} --ext --top-guid")
    # the images as qemu reads them: the writer's base images are the disk
    back = os.path.join(work, "pd-back.raw")
    sh(f"qemu-img convert -f parallels -O raw {ct}/root.hds {back}")
    assert open(back, "rb").read() == open(raw, "rb").read()
    first = sorted(n for n in os.listdir(mac) if n.endswith(".hds"))[0]
    sh(f"qemu-img convert -f parallels -O raw '{mac}/{first}' {back}")
    assert open(back, "rb").read() == open(raw, "rb").read()[:6 * MiB]

    def check(o, pre):
        got = {k[len(pre):]: v for k, v in db(o).execute(
            "SELECT path, sha256 FROM items WHERE kind = 'file' AND path LIKE ? || '/%'", (pre,))}
        for p, h in want.items():
            assert got.get(p) == h, (p, sorted(got)[:6])
        lst = sorted(r[0][len(pre):] for r in db(o).execute(
            "SELECT path FROM items WHERE path LIKE ? || '/%' AND parent_id IS NULL", (pre,)))
        assert lst == fls(later_raw, 2048), (lst[:5], fls(later_raw, 2048)[:5])
        walked = [r for (r,) in db(o).execute("SELECT path FROM items WHERE path LIKE '%.hds%!%'")]
        assert not walked, walked[:3]

    def desktop():
        host = os.path.join(work, "pd-host.img")
        sh(f"truncate -s 64M {host} && mkfs.ext4 -q -F -E root_owner=0:0 -d {host_d} {host}")
        case = os.path.join(work, "nr.conf")
        open(case, "w").write(CASE_NR)
        o, r = scan(work, "pd-desktop", [host], "--case", case)
        assert r.returncode == 0, r.stderr
        pre = "/Users/ann/Parallels/Win 11.pvm/Win 11.hdd!p1"
        check(o, pre)
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert "Parallels disk (DiskDescriptor.xml), 18874368 bytes in 3 storages, 2 snapshot images deep" in notes, notes
        assert "an image file of a Parallels disk: the disk is walked through" in notes, notes
        ids = [i for (i,) in db(o).execute("SELECT id FROM items WHERE kind = 'file' AND path LIKE ? || '/home/%'",
                                           (pre,))]
        assert len(ids) == 2, ids
        export_and_verify(work, o, ids, "--case", case)
    tap.result("a Parallels Desktop disk (three storages, a snapshot over the base, sector-addressed images) in a "
               "filesystem reads as the snapshot's disk: fls's listing and hashes; its images are not walked alone; "
               "export and verify --evidence", desktop)

    def ploop():
        o, r = scan(work, "pd-ploop", [os.path.join(work, "vz")])
        assert r.returncode == 0, r.stderr
        check(o, "/private/101/root.hdd!p1")
        # the root.hdd directory itself given as evidence: the disk, hashed
        o, r = scan(work, "pd-ploop-dir", [ct], "--image-hash")
        assert r.returncode == 0, r.stderr
        ev = db(o).execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
        assert ev == ("parallels-hdd", len(later), hashlib.sha256(later).hexdigest()), ev
        got = vol_items(o, "p1")
        for p, h in want.items():
            assert got.get(p) == h, p
        v = subprocess.run([PT, "verify", o, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout.decode()
    tap.result("a Virtuozzo/OpenVZ container's ploop (root.hdd, TopGUID, cluster-addressed images) in a directory "
               "given as evidence, or given itself, reads as the current snapshot's disk; verify --evidence", ploop)

    def refused():
        def variant(name, edit):
            d = os.path.join(work, name, "root.hdd")
            shutil.copytree(ct, d)
            edit(d)
            o, r = scan(work, name + "-out", [os.path.join(work, name)])
            return o, r, " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))

        def retext(d, a, b):
            x = open(os.path.join(d, "DiskDescriptor.xml")).read()
            assert a in x
            open(os.path.join(d, "DiskDescriptor.xml"), "w").write(x.replace(a, b))
        delta = "root.hds.{2e4a7c1d-8f3b-4d6e-9a0c-b1d2e3f4a5b6}"
        o, r, notes = variant("pd-nodelta", lambda d: os.remove(os.path.join(d, delta)))
        assert r.returncode == 1 and "Parallels disk, not opened: image /root.hdd/" + delta in notes, notes
        o, r, notes = variant("pd-enc", lambda d: retext(d, "<Engine>{00000000-0000-0000-0000-000000000000}",
                                                        "<Engine>{d1e2c3b4-0000-4000-8000-000000000001}"))
        assert r.returncode == 1 and "encrypted Parallels disk" in notes, notes
        o, r, notes = variant("pd-loop", lambda d: retext(d, "<ParentGUID>{00000000-0000-0000-0000-000000000000}",
                                                         "<ParentGUID>{2e4a7c1d-8f3b-4d6e-9a0c-b1d2e3f4a5b6}"))
        assert r.returncode == 1 and "the snapshots' parents loop" in notes, notes
        # without a descriptor, a .hdd directory's image is walked as a disk of its own
        o, r, notes = variant("pd-nodesc", lambda d: (os.remove(os.path.join(d, "DiskDescriptor.xml")),
                                                      os.remove(os.path.join(d, delta))))
        assert r.returncode == 0, notes
        got = {p for (p,) in db(o).execute("SELECT path FROM items WHERE path LIKE '/root.hdd/root.hds!p1/%'")}
        assert "/root.hdd/root.hds!p1/home/ann/notes.txt" in got, sorted(got)[:5]
    tap.result("a Parallels disk whose snapshot image is missing, whose engine says encrypted or whose snapshots "
               "loop is named, not read; without a descriptor its image is walked alone", refused)


def erofs(tap, work):
    """EROFS (Android 13+ system partitions, container layers; libtsk reads
    none), written by mkfs.erofs in each layout it has: flat with inline
    tails, chunk-based with holes, LZ4 and LZ4HC with compacted and full
    (legacy) indexes, big physical clusters, inline tail clusters.  Every
    name, kind, link target and hash as the source tree has them; an image
    found as a file is walked and exported; damage never crashes."""
    r = random.Random(21)
    words = ["invoice", "ledger", "alpha", "beta", "gamma", "delta"]
    files = {"system/build.prop": b"ro.build.version.release=14\n",
             "system/app/notes.txt": "\n".join(" ".join(r.choice(words) for _ in range(9))
                                               for _ in range(30000)).encode(),
             "system/lib/mixed.bin": b"".join(r.randbytes(r.randint(1, 40000)) if i % 2 else b"A" * r.randint(1, 60000)
                                              for i in range(20)),
             "data/ann/new\nline <script>.txt": b"hostile name\n",
             "data/ann/\u65e5\u672c.txt": "unicode\n".encode(), "empty": b""}
    for i in range(300):
        files[f"system/etc/many/f{i:04d}-" + "x" * (i % 70)] = str(i).encode() * (i % 40)
    src = os.path.join(work, "ero-src")
    sums = tree(src, files)
    os.symlink("../system/build.prop", os.path.join(src, "data", "prop"))
    sums["/data/sparse.bin"] = sparse_file(os.path.join(src, "data", "sparse.bin"),
                                           {3 << 20: b"middle", 7 << 20: b"end"})
    for rel in ("system/app/notes.txt", "data/prop"):
        os.utime(os.path.join(src, rel), (1300000000, 1300000000), follow_symlinks=False)
    variants = {"plain": [], "chunked": ["--chunksize=65536"], "lz4": ["-zlz4"],
                "lz4hc-big-tail": ["-zlz4hc", "-C262144", "-Eztailpacking"],
                "legacy": ["-zlz4", "-Elegacy-compress", "-C131072"]}
    imgs = {}
    for name, opts in variants.items():
        imgs[name] = os.path.join(work, f"ero-{name}.img")
        p = subprocess.run(["mkfs.erofs", "--quiet", "-Eforce-inode-extended", "--preserve-mtime", *opts,
                            imgs[name], src], capture_output=True)
        assert p.returncode == 0, p.stderr

    def layouts():
        for name, img in imgs.items():
            o, p = scan(work, "ero-" + name, [img])
            assert p.returncode == 0, (name, p.stderr)
            c = db(o)
            assert c.execute("SELECT filesystem FROM volumes").fetchone() == ("erofs",), name
            got = {path: (kind, sha, lt, mtime) for path, kind, sha, lt, mtime in
                   c.execute("SELECT path, kind, sha256, link_target, mtime FROM items")}
            for path, h in sums.items():
                assert got[path][:2] == ("file", h), (name, path, got.get(path))
            assert got["/data/prop"][0] == "symlink" and got["/data/prop"][2] == "../system/build.prop", got["/data/prop"]
            assert got["/system/app/notes.txt"][3] == 1300000000, (name, got["/system/app/notes.txt"])
            want = sorted({"/" + os.path.relpath(os.path.join(d, n), src) for d, ds, fs in os.walk(src)
                           for n in ds + fs})
            assert sorted(got) == want, (name, set(got) ^ set(want))
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            assert "EROFS, 4096-byte blocks" in notes and "checksum does not match" not in notes, notes
    tap.result("EROFS in each mkfs.erofs layout (flat, chunk-based with holes, LZ4, LZ4HC with 256 KiB physical "
               "clusters and inline tails, legacy full indexes): every name, kind, link target, time and hash as "
               "the source tree's", layouts)

    def nested():
        nested_in_ext4(work, "ero", imgs["lz4hc-big-tail"], "firmware/system.img", "24M", sums,
                       ("/system/app/notes.txt", "/system/lib/mixed.bin", "/data/sparse.bin"))
    tap.result("an EROFS system.img found as a file is walked as FILE!/...; its compressed files export and "
               "verify --evidence", nested)

    def damaged():
        base = open(imgs["lz4"], "rb").read()
        cut = os.path.join(work, "ero-cut.img")
        open(cut, "wb").write(base[:len(base) // 2])
        o, p = scan(work, "ero-cut", [cut])
        assert p.returncode == 1, p.returncode
        log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
        assert "past the filesystem's end" in log, log[-1500:]
        never_crash(work, "ero-bad.img", base[:400000], 22, 400000)
    tap.result("a truncated EROFS names what lies past its end; random damage never crashes", damaged)


def f2fs(tap, work):
    """F2FS (many Android phones' userdata, SD cards; libtsk reads none),
    filled by sload.f2fs from a tree: inline files and directories, files
    through direct and indirect node blocks, a sparse one, hostile names, a
    symlink; as the source tree has them, and as f2fs-tools' own dump.f2fs
    reads a file back.  An image found as a file is walked and exported;
    damage never crashes."""
    r = random.Random(31)
    files = {"data/media/0/DCIM/big.bin": r.randbytes(13 * MiB + 5),        # past the direct node blocks
             "data/media/0/notes.txt": b"meet at noon\n" * 2000,
             "data/system/users/0.xml": b"<user id='0'/>\n",
             "data/user/new\nline <script>.txt": b"hostile\n", "data/user/\u65e5\u672c": "u\n".encode(), "empty": b""}
    for i in range(400):
        files[f"data/app/many/f{i:04d}-" + "y" * (i % 60)] = str(i).encode() * (i % 30)
    src = os.path.join(work, "f2-src")
    sums = tree(src, files)
    os.symlink("media/0/notes.txt", os.path.join(src, "data", "link"))
    sums["/data/sparse.bin"] = sparse_file(os.path.join(src, "data", "sparse.bin"),
                                           {5 << 20: b"middle", 9 << 20: b"end"})
    os.utime(os.path.join(src, "data/media/0/notes.txt"), (1300000000, 1300000000))
    imgs = {}
    for name, feats in (("default", []), ("extra", ["-O", "extra_attr,inode_crtime,compression"]),
                        ("encrypt", ["-O", "encrypt"])):
        imgs[name] = os.path.join(work, f"f2-{name}.img")
        sh(f"truncate -s 96M {imgs[name]} && mkfs.f2fs -q {' '.join(feats)} {imgs[name]} >/dev/null")
        sh(f"sload.f2fs -f {src} -t / {imgs[name]} >/dev/null 2>&1")

    def images():
        for name, img in imgs.items():
            o, p = scan(work, "f2-" + name, [img])
            assert p.returncode == 0, (name, p.stderr)
            c = db(o)
            assert c.execute("SELECT filesystem FROM volumes").fetchone() == ("f2fs",), name
            got = {path: (kind, sha, lt, mtime, ino) for path, kind, sha, lt, mtime, ino in
                   c.execute("SELECT path, kind, sha256, link_target, mtime, inode FROM items")}
            for path, h in sums.items():
                assert got[path][:2] == ("file", h), (name, path, got.get(path))
            assert got["/data/link"][0] == "symlink" and got["/data/link"][2] == "media/0/notes.txt"
            assert got["/data/media/0/notes.txt"][3] == 1300000000, got["/data/media/0/notes.txt"]
            want = sorted({"/" + os.path.relpath(os.path.join(d, n), src) for d, ds, fs in os.walk(src)
                           for n in ds + fs})
            assert sorted(got) == want, (name, set(got) ^ set(want))
            notes = " | ".join(m for (m,) in c.execute("SELECT message FROM errors"))
            assert "F2FS 1." in notes and "cleanly unmounted" in notes, notes
        # f2fs-tools' own reader gives the large file the same bytes
        ino = got["/data/media/0/DCIM/big.bin"][4]
        d = os.path.join(work, "f2-dump")
        os.makedirs(d)
        subprocess.run(["dump.f2fs", "-i", hex(ino), imgs["encrypt"]], cwd=d, input=b"y\n", capture_output=True)
        dumped = os.path.join(d, "lost_found", "big.bin")
        assert hashlib.sha256(open(dumped, "rb").read()).hexdigest() == got["/data/media/0/DCIM/big.bin"][1]
    tap.result("F2FS made by mkfs.f2fs and sload.f2fs (default features; extra attributes, creation times and "
               "compression enabled; encryption enabled): every name, kind, link target, time and hash as the "
               "source tree's, and a 13 MiB file as dump.f2fs reads it", images)

    def nested():
        nested_in_ext4(work, "f2", imgs["default"], "backup/userdata.img", "160M -b 4096", sums,
                       ("/data/media/0/DCIM/big.bin", "/data/sparse.bin"))
    tap.result("an F2FS userdata.img found as a file is walked as FILE!/...; its files export and verify "
               "--evidence", nested)

    def damaged():
        base = open(imgs["default"], "rb").read()
        bad = bytearray(base)
        bad[1024:1028] = b"\0\0\0\0"                 # the primary superblock gone: its copy is read
        path = os.path.join(work, "f2-sb.img")
        open(path, "wb").write(bad)
        o, p = scan(work, "f2-sb", [path])
        notes = " | ".join(m for (m,) in db(o).execute("SELECT message FROM errors"))
        assert p.returncode == 0 and "its copy read" in notes, notes
        never_crash(work, "f2-bad.img", base[:12 << 20], 32, 4 << 20)
    tap.result("an F2FS whose primary superblock is damaged is read from its copy; random damage to its metadata "
               "never crashes", damaged)


def suite(tap, work):
    for part in (vm_disks, qcow_evidence, vmdk_evidence, nested_chains, vhd_evidence, vhdx_checkpoint, e01_in_a_filesystem, sparse_bundles, shadow_copies, vdi_evidence, bsd_label, lvm, luks, veracrypt, xfs, btrfs, squashfs, volume_files, apfs, md_raid, stacked, named,
                 bitlocker_to_go, disk_ciphers, encrypted_qcow, unread_filesystems, dmg_evidence, aff4_images, android_sparse, apple_sparse_image, parallels, parallels_disks, erofs, f2fs):
        d = os.path.join(work, part.__name__)
        os.makedirs(d)
        t0 = time.monotonic()
        try:
            part(tap, d)
        except Exception:                # its fixture failed: the other parts still run and report
            tap.crashed(part.__name__ + " setup")
        print(f"# {part.__name__}: {time.monotonic() - t0:.0f} s", flush=True)   # where CI time goes


def main():
    return run_suite("containers", suite)


if __name__ == "__main__":
    sys.exit(main())
