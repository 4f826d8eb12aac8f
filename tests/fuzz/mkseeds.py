#!/usr/bin/env python3
"""mkseeds.py WORK READERS SCAN - seeds that the shell in run.sh does not
make, for fuzz_readers (into READERS) and fuzz_scan (into SCAN).

Filesystems and volumes whose smallest images exceed libFuzzer's -max_len
are written as sparse images (tests/fuzz/sparse.h: a u32 size in bytes,
then (u32 sector, u32 length, bytes) records of the image's non-zero
sectors, a run of one repeated byte as its length with the high bit set
and the byte): behind the picking byte with its high bit set for
fuzz_readers, behind "PTSPARS1" for fuzz_scan.  Small structures (LVM thin
metadata, a snapshot store, WOF, recycle records, plists) are written as
they are.  WORK holds run.sh's images (WORK/scan/mbr.img, WORK/seed/sq);
a readers seed is READERS/N-NAME, N the pick number of fuzz_readers.c.
A tool that is missing or fails costs its seed only: seeds are help, not
tests."""
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

# pick numbers: fuzz_readers.c's ten disk kinds, then its enum
VHD, VHDX, F2FS, BTRFS, XFS, VSS, LVM, THIN, SNAP, GPT, LUKS, WOF, SMALL = 2, 3, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22
MAX_LEN = 262144
SCAN_OUT = None


def sh(cmd):
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def sparse(data):
    """The non-zero 512-byte sectors of data as records; runs of sectors
    of one repeated byte as fill records."""
    recs, n, i = [], len(data) // 512, 0
    kind = lambda k: (0 if not any(data[k * 512:(k + 1) * 512]) else
                      data[k * 512] if data[k * 512:(k + 1) * 512] == bytes([data[k * 512]]) * 512 else -1)
    while i < n:
        k, j = kind(i), i + 1
        while j < n and kind(j) == k:
            j += 1
        if k > 0:
            recs.append(struct.pack("<II", i, ((j - i) * 512) | 1 << 31) + bytes([k]))
        elif k < 0:
            recs.append(struct.pack("<II", i, (j - i) * 512) + data[i * 512:j * 512])
        i = j
    return struct.pack("<I", len(data)) + b"".join(recs)


def luks_trim(data):
    """A LUKS volume with only its headers and key slot 0's material kept:
    cryptsetup fills the other slots' areas with random bytes."""
    keep = bytearray(len(data))
    if data[6:8] == b"\0\1":
        key_bytes = struct.unpack(">I", data[108:112])[0]
        km, stripes = struct.unpack(">II", data[208 + 40:208 + 48])
        spans = [(0, 4096), (km * 512, key_bytes * stripes)]
    else:
        hdr = struct.unpack(">Q", data[8:16])[0]
        meta = json.loads(data[4096:hdr].split(b"\0")[0])
        area = meta["keyslots"]["0"]["area"]
        spans = [(0, 2 * hdr), (int(area["offset"]), int(area["size"]))]
    for off, n in spans:
        keep[off:off + n] = data[off:off + n]
    return bytes(keep)


def to_scan(name, data, raw=False):
    """A whole-scan seed of an image (raw: already a sparse body)."""
    body = b"PTSPARS1" + (data if raw else sparse(data))
    if SCAN_OUT and len(body) <= MAX_LEN:
        open(os.path.join(SCAN_OUT, name), "wb").write(body)
    elif SCAN_OUT:
        print(f"# scan seed {name}: {len(body)} bytes, over -max_len; not written", file=sys.stderr)


def put(out, pick, name, data, as_sparse=False, raw=False):
    """raw: data is already a sparse body."""
    body = sparse(data) if as_sparse and not raw else data
    as_sparse = as_sparse or raw
    if len(body) + 1 > MAX_LEN:
        print(f"# readers seed {name}: {len(body) + 1} bytes, over -max_len; not written", file=sys.stderr)
        return
    with open(os.path.join(out, f"{pick}-{name}"), "wb") as f:
        f.write(bytes([pick | (0x80 if as_sparse else 0)]) + body)


def image(out, pick, name, path, scan=True):
    """A readers seed of the image at path, and a whole-scan seed too."""
    if os.path.exists(path):
        data = open(path, "rb").read()
        put(out, pick, name, data, True)
        if scan:
            to_scan(name, data)


def main():
    global SCAN_OUT
    work, out = sys.argv[1], sys.argv[2]
    SCAN_OUT = sys.argv[3] if len(sys.argv) > 3 else None
    t = os.path.join(work, "rs")
    os.makedirs(t, exist_ok=True)
    mbr, tree = os.path.join(work, "scan", "mbr.img"), os.path.join(work, "seed", "sq")

    for fmt, pick in (("vpc", VHD), ("vhdx", VHDX)):
        if sh(f"qemu-img convert -O {fmt} {mbr} {t}/d.{fmt}"):
            image(out, pick, f"d.{fmt}", f"{t}/d.{fmt}", scan=False)
    if sh(f"truncate -s 64M {t}/f2fs && mkfs.f2fs -q {t}/f2fs && sload.f2fs -f {tree} -t / {t}/f2fs"):
        image(out, F2FS, "f2fs", f"{t}/f2fs")
    if sh(f"truncate -s 120M {t}/btrfs && mkfs.btrfs -q -f -m single -d single --rootdir {tree} --shrink {t}/btrfs"):
        # --rootdir keeps the source's inode numbers: the seed ends with the lowest (fuzz_readers.c)
        first = min(os.lstat(os.path.join(d, f)).st_ino for d, dirs, files in os.walk(tree) for f in dirs + files)
        body = sparse(open(f"{t}/btrfs", "rb").read())
        put(out, BTRFS, "btrfs", body + struct.pack("<Q", first), raw=True)
        to_scan("btrfs", body, raw=True)
    proto = f"{t}/xfs.proto"
    open(proto, "w").write("dummy\n0 0\nd--755 0 0\n"
                           f" f ---644 0 0 {tree}/d/f\n l l--777 0 0 d/f\n d d--755 0 0\n  g ---600 1000 1000 {tree}/d/f\n $\n$\n")
    if sh(f"truncate -s 16M {t}/xfs && QA_CHECK_FS=1 TEST_DIR=/tmp TEST_DEV=fixture mkfs.xfs -q -f -p {proto} {t}/xfs"):
        image(out, XFS, "xfs", f"{t}/xfs")
    os.makedirs(f"{t}/s1", exist_ok=True)
    os.makedirs(f"{t}/s2", exist_ok=True)
    open(f"{t}/s1/a.txt", "wb").write(b"one " * 5000)
    open(f"{t}/s2/a.txt", "wb").write(b"two " * 5000)
    if sh(f"python3 {HERE}/../fixtures/mkvss.py {t}/vss 16 {t}/s1 {t}/s2"):
        image(out, VSS, "vss", f"{t}/vss")

    fat = os.path.join(work, "scan", "fat.img")
    if os.path.exists(fat):
        import mklvm
        data = open(fat, "rb").read()
        old = bytearray(data)
        old[8192:8200] = b"oldbytes"
        if sh(f"python3 {HERE}/../fixtures/mklvm.py {t}/pv vg0 root={fat} --raid1 mirror={fat}"):
            image(out, LVM, "pv-raid1", f"{t}/pv")
        open(f"{t}/old", "wb").write(old)
        if sh(f"python3 {HERE}/../fixtures/mklvm.py {t}/pv2 vg1 data={fat} --snapshot snap=data:{t}/old"):
            image(out, LVM, "pv-snapshot", f"{t}/pv2")
        put(out, SNAP, "cow", mklvm.cow_store(data, bytes(old)), True)
        try:
            tdata, tmeta = mklvm.thin_pool([("thin1", data)], ("snap", bytes(old), "thin1"))[:2]
            put(out, THIN, "tmeta", tmeta, True)
        except (OSError, subprocess.CalledProcessError, SystemExit):
            pass

    gpt = os.path.join(work, "scan", "gpt.img")
    if sh(f"truncate -s 256K {t}/gpt && printf 'label: gpt\\nstart=64, size=256, type=linux, name=\"x\"\\n' | "
          f"sfdisk -q {t}/gpt"):
        image(out, GPT, "gpt", f"{t}/gpt")
    image(out, GPT, "gpt-primary-zeroed", gpt, scan=False)

    # whole-scan seeds only: ext4 with a file deleted (debugfs), NTFS with
    # files, HFS+ with hard links and a directory link, an empty exFAT
    if sh(f"truncate -s 4M {t}/ext4 && mkfs.ext4 -q -F -b 1024 -d {tree} {t}/ext4 && "
          f"debugfs -w -R 'rm /d/f' {t}/ext4"):
        to_scan("ext4-deleted", open(f"{t}/ext4", "rb").read())
    if sh(f"truncate -s 4M {t}/ntfs && mkntfs -q -F -f -s 512 -c 512 {t}/ntfs && "
          f"ntfscp -q {t}/ntfs {tree}/d/f f.txt && ntfscp -q {t}/ntfs {HERE}/mkseeds.py seeds.py"):
        to_scan("ntfs", open(f"{t}/ntfs", "rb").read())
    if sh(f"python3 {HERE}/../fixtures/mkhfsplus.py {t}/hfs 4 Mac links"):
        to_scan("hfsplus-links", open(f"{t}/hfs", "rb").read())
    if sh(f"truncate -s 4M {t}/exfat && mkfs.exfat -L CAM {t}/exfat"):
        to_scan("exfat", open(f"{t}/exfat", "rb").read())

    open(f"{t}/pass", "w").write("pw")
    for kind in ("luks1", "luks2"):
        if sh(f"truncate -s 20M {t}/{kind} && cryptsetup luksFormat -q --type {kind} --key-size 256 "
              f"--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file {t}/pass {t}/{kind}"):
            data = luks_trim(open(f"{t}/{kind}", "rb").read())
            put(out, LUKS, kind, data, True)
            to_scan(kind, data)

    try:
        import ntfsreparse
        content = open(os.path.join(tree, "d", "f"), "rb").read() + bytes(range(256)) * 64
        for alg in ("xpress4k", "lzx"):
            body = struct.pack("<IIII", 1, 2, 1, ntfsreparse.ALGS[alg][0])
            rp = struct.pack("<IHH", 0x80000017, len(body), 0) + body
            put(out, WOF, alg, struct.pack("<H", len(rp)) + rp + struct.pack("<I", len(content)) +
                ntfsreparse.compress(content, alg))
    except OSError:
        pass

    # $I (Windows 10 version 2), .trashinfo, INFO2 (Windows XP), a plist
    name = "C:\\Users\\alice\\x.docx".encode("utf-16-le") + b"\0\0"
    put(out, SMALL, "recycle-i", struct.pack("<QQQI", 2, 1234, 132500000000000000, len(name) // 2) + name)
    put(out, SMALL, "trashinfo", b"[Trash Info]\nPath=/home/alice/a%20b.odt\nDeletionDate=2025-12-12T08:00:00\n")
    rec = b"C:\\x.txt".ljust(260, b"\0") + struct.pack("<IIQI", 1, 2, 132500000000000000, 4096) + \
        "C:\\x.txt".encode("utf-16-le").ljust(520, b"\0")
    put(out, SMALL, "info2", struct.pack("<IIII", 5, 0, 0, 800) + rec)
    put(out, SMALL, "plist", b'<?xml version="1.0"?><plist><dict><key>ProductName</key><string>macOS</string>'
        b"<key>size</key><integer>1048576</integer><key>uid</key><string>501</string></dict></plist>")


if __name__ == "__main__":
    main()
