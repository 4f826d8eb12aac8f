#!/usr/bin/env python3
"""Targeted damage: the structures a filesystem or an E01 depends on are
broken one at a time at known places (an inode's extent header, a directory
block, superblock fields, MFT records, FAT chains, a directory entry, an E01
chunk, directory loops, 300 nested directories, a 4,096-byte name).  Every
scan must finish, name the damage on the item or the volume with a reason,
and give every intact file the hash of its source file.  Prints TAP lines.
Environment: PTRIAGE (binary), FIXTURES (directory of tests/fixtures/mkimages.sh)."""
import hashlib
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys

from tap import run_suite

PT = os.path.abspath(os.environ.get("PTRIAGE", "./ptriage"))
FX = os.environ["FIXTURES"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
W = {}


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    assert p.returncode == 0, f"{cmd[0]}: {p.stderr.decode(errors='replace')[:500]}"
    return p.stdout


def copy(name, as_name):
    dst = os.path.join(W["work"], as_name)
    shutil.copyfile(os.path.join(FX, name), dst)
    return dst


def patch(img, off, data):
    with open(img, "r+b") as f:
        f.seek(off)
        f.write(data)


def scan(img, *extra, expect=(1,)):
    out = img + ".out"
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([PT, "scan", img, "-o", out, "-q", *extra], capture_output=True, timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    assert "Sanitizer" not in err and "runtime error" not in err, "sanitizer report: " + err[:3000]
    assert p.returncode in expect, f"exit {p.returncode}, expected {expect}: {err[-800:]}"
    con = sqlite3.connect(os.path.join(out, "case.db"))
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")   # names as on disk
    items = {r[0]: {"sha256": r[1], "error": r[2] or "", "kind": r[3]}
             for r in con.execute("SELECT path, sha256, error, kind FROM items")}
    errors = [r[0] for r in con.execute("SELECT message FROM errors")]
    con.close()
    return items, errors


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def source_hashes(root, names=None):
    """{"/rel/path": sha256} of the regular files under root (names maps a
    source path to the name it has on the image)."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            rel = "/" + os.path.relpath(p, root)
            out[names.get(rel, rel) if names else rel] = sha(p)
    return out


def intact_match(items, expected, damaged):
    """Every source file not in `damaged` is listed with its source's hash."""
    for path, digest in expected.items():
        if path in damaged:
            continue
        assert path in items, f"{path} missing from the manifest"
        assert items[path]["sha256"] == digest, f"{path}: {items[path]['sha256']} != {digest} " \
                                                f"({items[path]['error']})"


def debugfs(img, req):
    return sh(["debugfs", "-R", req, img], env=dict(os.environ, LC_ALL="C")).decode()


EXT_SRC_SKIP = {"/docs/deleted-me.txt"}  # deleted when the fixture is made


def ext_expected():
    exp = source_hashes(os.path.join(FX, "src"))
    for p in EXT_SRC_SKIP:
        exp.pop(p, None)
    return exp


def ext4_directory_loops():
    img = copy("ext4.img", "loops.img")
    sh(["debugfs", "-w", "-R", "link /docs /docs/deep/loop", img])
    sh(["debugfs", "-w", "-R", "link / /docs/deep/toroot", img])
    items, errors = scan(img, expect=(0,))
    for p, anc in (("/docs/deep/loop", "/docs"), ("/docs/deep/toroot", "/")):
        assert p in items, sorted(items)[:20]
        e = items[p]["error"]
        assert "directory loop" in e and f"ancestor {anc};" in e, e
    # libtsk (and fls) list the whole tree again under the link to the root;
    # ptriage lists it once and marks the link
    assert not any(p.startswith("/docs/deep/toroot/") for p in items), \
        [p for p in items if p.startswith("/docs/deep/toroot/")][:5]
    fls = sh(["fls", "-r", "-p", img]).decode("utf-8", "replace").splitlines()
    assert any("docs/deep/toroot/docs" in line for line in fls), "fls no longer repeats the tree"
    intact_match(items, ext_expected(), set())


def ext4_inode_and_directory_block():
    img = copy("ext4.img", "inode.img")
    m = re.search(r"located at block (\d+), offset (0x[0-9a-f]+)", debugfs(img, "imap /docs/report.txt"))
    blk, off = int(m.group(1)), int(m.group(2), 16)
    patch(img, blk * 4096 + off + 40, b"\xde\xad\xbe\xef" * 3)     # i_block: the extent header
    logs_blk = int(debugfs(img, "blocks /logs").split()[0])
    patch(img, logs_blk * 4096, bytes(4096))                        # /logs lists nothing now
    items, errors = scan(img)
    e = items["/docs/report.txt"]
    assert e["sha256"] is None and "extent header" in e["error"], e
    assert any("directory /logs" in m and "lists no entries" in m for m in errors), errors
    intact_match(items, ext_expected(), {"/docs/report.txt", "/logs/numbers.gz", "/logs/random.bin"})


def ext4_superblock_fields():
    """Each field is either refused (the volume is one hashed item with the
    reason) or harmless to reading (every file still has its source's hash):
    libtsk does not use the blocks-per-group count to find the inode table."""
    for name, off, data in (("magic", 0x38, b"\x00\x00"), ("log_block_size", 0x18, b"\x30\x00\x00\x00"),
                            ("inodes_per_group", 0x28, b"\x00\x00\x00\x00"),
                            ("first_data_block", 0x14, b"\xff\xff\xff\x7f"),
                            ("blocks_per_group", 0x20, b"\xff\xff\xff\xff")):
        img = copy("ext4.img", f"sb-{name}.img")
        patch(img, 1024 + off, data)
        items, errors = scan(img, expect=(0, 1))
        vols = [i for i in items.values() if i["kind"] == "volume"]
        if vols:
            assert vols[0]["sha256"] and vols[0]["error"], (name, vols)
        elif not errors and not any(i["error"] for i in items.values()):
            intact_match(items, ext_expected(), set())
        else:
            damaged = {p for p, i in items.items() if i["error"]}
            intact_match(items, ext_expected(), damaged)


def ext4_inline_size_claims():
    """Inline-data inodes (ext4 keeps files under 60 bytes in the inode)
    whose size fields claim 1 GiB and 2^63 - 2^16 bytes: libtsk allocates
    and zeroes what an inline file claims (twice) before reading it, and
    the claimed sizes overflow a 64-bit sum.  With --max-memory the
    allocation fails inside libtsk and is reported on the item; without
    it, ptriage's tsk_malloc refuses it; the reports and the ledger are
    written (they once failed with "integer overflow", exit 2)."""
    src = os.path.join(W["work"], "inline.d")
    os.makedirs(src)
    for n in ("one.txt", "two.txt", "three.txt", "intact.txt"):
        open(os.path.join(src, n), "w").write(n + " inline\n")
    img = os.path.join(W["work"], "inline.img")
    sh(["truncate", "-s", "8M", img])
    sh(["mkfs.ext4", "-q", "-F", "-b", "1024", "-O", "inline_data", "-d", src, img])
    assert "Inline Data" in debugfs(img, "stat /one.txt") or "0x10000000" in debugfs(img, "stat /one.txt")
    for name, size in (("one.txt", 1 << 30), ("two.txt", (1 << 63) - (1 << 16)), ("three.txt", (1 << 63) - (1 << 16))):
        m = re.search(r"located at block (\d+), offset (0x[0-9a-f]+)", debugfs(img, "imap /" + name))
        at = int(m.group(1)) * 1024 + int(m.group(2), 16)
        patch(img, at + 4, struct.pack("<I", size & 0xffffffff))       # i_size_lo
        patch(img, at + 108, struct.pack("<I", size >> 32))            # i_size_high
    out = img + ".out"
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", PT, "scan", img, "-o", out, "-q", "--max-memory",
                        str(512 << 20)], capture_output=True, timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    # (under ASan, libtsk's refused allocations print "failed to allocate" warnings: not errors)
    assert "ERROR: AddressSanitizer" not in err and "runtime error" not in err and p.returncode == 1, \
        (p.returncode, err[-800:])
    peak_kb = int(err.strip().splitlines()[-1])
    if "asan" not in os.path.basename(PT) and "tsan" not in os.path.basename(PT):  # no limit under sanitizers
        assert peak_kb < 600 * 1024, f"peak {peak_kb} KB: the 2 GiB libtsk allocation was not refused"
    con = sqlite3.connect(os.path.join(out, "case.db"))
    rows = {r[0]: r[1:] for r in con.execute("SELECT path, size, sha256, error FROM items")}
    assert rows["/one.txt"][0] == 1 << 30 and rows["/one.txt"][1] is None and rows["/one.txt"][2], rows["/one.txt"]
    assert rows["/intact.txt"][1] == hashlib.sha256(b"intact.txt inline\n").hexdigest(), rows["/intact.txt"]
    for f in ("report.html", "coverage.csv", "manifest.csv", "court-manifest.csv"):
        assert os.path.getsize(os.path.join(out, f)) > 0, f
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    assert "9223372036854775807" in html or "EiB" in html or "8.0 E" in html or "9.2 E" in html, \
        "the report should show the (saturated) sum of the claimed sizes"
    # without --max-memory: libtsk's allocator is ptriage's (tskalloc.c), which
    # refuses a buffer larger than the evidence could hold a table of (the
    # 8 MiB image: its 64 MiB floor); this scan once peaked at 2.1 GB
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", PT, "scan", img, "-o", out, "-q"], capture_output=True,
                       timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    assert "ERROR: AddressSanitizer" not in err and "runtime error" not in err and p.returncode == 1, \
        (p.returncode, err[-800:])
    peak_kb = int(err.strip().splitlines()[-1])
    if "asan" not in os.path.basename(PT) and "tsan" not in os.path.basename(PT):
        assert peak_kb < 300 * 1024, f"peak {peak_kb} KB: libtsk was not refused the inline buffers"
    con = sqlite3.connect(os.path.join(out, "case.db"))
    rows = {r[0]: r[1:] for r in con.execute("SELECT path, sha256, error FROM items")}
    for f in ("/one.txt", "/two.txt", "/three.txt"):
        assert rows[f][0] is None and "ext4 inline-data inode" in rows[f][1], (f, rows[f])
    assert rows["/intact.txt"][0] == hashlib.sha256(b"intact.txt inline\n").hexdigest(), rows["/intact.txt"]


def ntfs_mft_records():
    img = copy("ntfs.img", "mft.img")
    boot = open(img, "rb").read(512)
    cluster = struct.unpack_from("<H", boot, 11)[0] * boot[13]
    mft = struct.unpack_from("<Q", boot, 0x30)[0] * cluster
    ent = {}
    for line in sh(["fls", "-p", img]).decode().splitlines():
        addr, name = line.split(":\t", 1)
        ent[name] = int(addr.split()[-1].split("-")[0])
    rec = mft + ent["random.bin"] * 1024
    first_attr = struct.unpack_from("<H", open(img, "rb").read()[rec + 0x14:rec + 0x16])[0]
    patch(img, rec + first_attr + 0x40, b"\xff" * 0xc0)             # its attributes
    patch(img, mft + ent["report with spaces.txt"] * 1024 + 510, b"\x99\x99")  # a broken fixup
    items, errors = scan(img)
    assert "no $DATA" in items["/random.bin"]["error"] and not items["/random.bin"]["sha256"], items["/random.bin"]
    e = items["/report with spaces.txt"]
    assert "could not be read" in e["error"] and not e["sha256"], e
    src = os.path.join(FX, "src")
    for path, s in (("/hello.txt", "hello.txt"), ("/hello.txt:secret", "hello.txt"),
                    ("/résumé-日本語.txt", "résumé-日本語.txt")):
        assert items[path]["sha256"] == sha(os.path.join(src, s)), (path, items[path])


def ntfs_boot_sector():
    img = copy("ntfs.img", "boot.img")
    patch(img, 11, b"\x00\x00")                                     # bytes per sector: 0
    items, errors = scan(img)
    vols = [i for i in items.values() if i["kind"] == "volume"]
    assert vols and vols[0]["sha256"] and "no filesystem" in vols[0]["error"] + " ".join(errors), (vols, errors)


def fat_layout(img):
    boot = open(img, "rb").read(512)
    bps, spc, reserved, nfats = struct.unpack_from("<H", boot, 11)[0], boot[13], \
        struct.unpack_from("<H", boot, 14)[0], boot[16]
    fatsz = struct.unpack_from("<I", boot, 36)[0]
    return bps, spc, reserved, nfats, fatsz


def fat_first_cluster(img, inode):
    out = sh(["istat", img, str(inode)]).decode().split("Sectors:")[1].split()
    bps, spc, reserved, nfats, fatsz = fat_layout(img)
    data = reserved + nfats * fatsz
    return (int(out[0]) - data) // spc + 2


def fat_chains():
    exp = source_hashes(os.path.join(FX, "fatsrc"))
    exp.pop("/gone.txt")
    for name, value in (("loop", None), ("past-the-end", 0x00FFFFF0)):
        img = copy("fat.img", f"fat-{name}.img")
        bps, spc, reserved, nfats, fatsz = fat_layout(img)
        ino = {ln.split(":\t")[1]: ln.split()[1].rstrip(":") for ln in sh(["fls", "-p", img]).decode().splitlines()}
        first = fat_first_cluster(img, ino["random.bin"])
        target = first if value is None else value
        for k in range(nfats):   # the fifth cluster of the chain points back to the first, or past the end
            patch(img, (reserved + k * fatsz) * bps + (first + 5) * 4, struct.pack("<I", target))
        items, errors = scan(img)
        e = items["/random.bin"]
        assert not e["sha256"] and "cluster chain" in e["error"], (name, e)
        intact_match(items, exp, {"/random.bin"})


def fat_directory_entry():
    img = copy("fat.img", "fat-dirent.img")
    bps, spc, reserved, nfats, fatsz = fat_layout(img)
    data = open(img, "rb").read()
    root = (reserved + nfats * fatsz) * bps     # root directory: cluster 2 in this image
    i = data.index(b"HELLO   TXT", root)
    patch(img, i + 20, b"\xff\x0f")             # the first cluster's high word: far past the end
    patch(img, i + 26, b"\xff\xff")
    items, errors = scan(img)
    e = items["/hello.txt"]
    assert not e["sha256"] and e["error"], e
    exp = source_hashes(os.path.join(FX, "fatsrc"))
    exp.pop("/gone.txt")
    intact_match(items, exp, {"/hello.txt"})


def e01_with_a_damaged_chunk():
    img = os.path.join(W["work"], "bad.E01")
    e01 = bytearray(open(os.path.join(FX, "mbr.E01"), "rb").read())
    raw = open(os.path.join(FX, "mbr.img"), "rb").read()
    # the FAT partition's random.bin, found in the (uncompressed) chunks by its bytes
    part = 2048 * 512
    sect = int(sh(["istat", "-o", "2048", os.path.join(FX, "mbr.img"), "11"]).decode().split("Sectors:")[1].split()[0])
    at = part + sect * 512 + 50000
    pos = e01.find(raw[at:at + 64])
    assert pos > 0
    e01[pos:pos + 16] = bytes(16)
    open(img, "wb").write(e01)
    v = subprocess.run(["ewfverify", "-q", img], capture_output=True)
    assert v.returncode != 0, "ewfverify accepts the damaged image"
    items, errors = scan(img)
    e = items["/random.bin"]
    assert not e["sha256"] and "fails its checksum" in e["error"], e
    assert any("fail their checksum" in m and "sectors" in m for m in errors), errors
    assert items["/hello.txt"]["sha256"] == sha(os.path.join(FX, "fatsrc", "hello.txt"))
    assert items["/home/alice/data.bin"]["sha256"] == sha(os.path.join(FX, "smallsrc", "home", "alice", "data.bin"))
    # the whole-image hash stops at the damaged chunk and says so
    items, errors = scan(img, "--image-hash")
    assert any("image hash" in m and "fails its checksum" in m for m in errors), errors


def e01_damaged_chunk_under_a_wof_file():
    """An E01 chunk that holds a Windows system-compressed file's
    WofCompressedData (its unnamed $DATA is sparse): the damage is found
    through the stream's blocks, and the file gets no hash."""
    ntfs = os.path.join(W["work"], "wof-ntfs.img")
    sh(["truncate", "-s", "16M", ntfs])
    sh(["mkntfs", "-q", "-F", "-f", ntfs])
    src = os.path.join(W["work"], "wof-src.bin")
    data = random.Random(11).randbytes(200000)            # chunks that do not shrink: stored as they are
    open(src, "wb").write(data)
    sh([sys.executable, os.path.join(ROOT, "tests", "fixtures", "ntfsreparse.py"), "wof", ntfs, src, "/w.bin",
        "xpress4k"])
    sh(["ewfacquire", "-u", "-q", "-t", os.path.join(W["work"], "wof"), "-c", "none", ntfs])
    img = os.path.join(W["work"], "wof.E01")
    e01 = bytearray(open(img, "rb").read())
    pos = e01.find(data[100000:100064])
    assert pos > 0
    e01[pos:pos + 16] = bytes(16)
    open(img, "wb").write(e01)
    items, errors = scan(img)
    w = items["/w.bin"]
    assert not w["sha256"] and "fails its checksum" in w["error"], w


def e01_damaged_chunk_beside_a_deep_extent_file():
    """An ext4 file whose extent tree libtsk cannot map (two levels deep,
    read by ext4ext.c) beside a damaged E01 chunk: libtsk's 64 KiB read
    cache takes in the damaged chunk when the file's last blocks are read,
    so whether the file's own blocks lie there is asked of its extent tree.
    Not there: hashed as its source; the file whose blocks are there: no
    hash.  The blocks are debugfs's, the chunk 32 KiB of an E01 without
    compression."""
    src = os.path.join(W["work"], "deep-src")
    os.makedirs(src)
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import fragmented
    fragmented.write(os.path.join(src, "fragmented.db"))
    other = random.Random(5).randbytes(300000)
    open(os.path.join(src, "other.bin"), "wb").write(other)
    raw = os.path.join(W["work"], "deep.img")
    sh(["mkfs.ext4", "-q", "-F", "-b", "1024", "-d", src, raw, "32M"])

    def blocks(name):
        return [int(b) for b in sh(["debugfs", "-R", f"blocks /{name}", raw]).split()]
    frag, oth = set(blocks("fragmented.db")), blocks("other.bin")
    # a 32-block (32 KiB) chunk of other.bin's alone, whose 64 KiB cache window holds fragmented.db blocks
    pick = [b for b in oth if not any(c // 32 == b // 32 for c in frag) and any(c // 64 == b // 64 for c in frag)]
    assert pick, "mkfs.ext4 placed the two files apart: no chunk to damage beside the deep file"
    sh(["ewfacquire", "-u", "-q", "-t", os.path.join(W["work"], "deep"), "-c", "none", raw])
    img = os.path.join(W["work"], "deep.E01")
    e01 = bytearray(open(img, "rb").read())
    at = oth.index(pick[0]) * 1024
    pos = e01.find(other[at:at + 64])
    assert pos > 0
    e01[pos:pos + 16] = bytes(16)
    open(img, "wb").write(e01)
    items, errors = scan(img)
    assert items["/fragmented.db"]["sha256"] == sha(os.path.join(src, "fragmented.db")), items["/fragmented.db"]
    o = items["/other.bin"]
    assert not o["sha256"] and "fails its checksum" in o["error"], o


def e01_stored_hashes():
    """libewf (not libtsk) reads the E01 now: the acquisition's MD5 and SHA-1
    are both recorded, equal to md5sum and sha1sum of the acquired image."""
    raw = os.path.join(FX, "small-ext4.img")
    target = os.path.join(W["work"], "acq")
    sh(["ewfacquire", "-q", "-u", "-t", target, "-f", "encase6", "-c", "none", "-d", "sha1", "-C", "c", "-D", "d",
        "-E", "e", "-e", "x", "-N", "n", raw])
    scan(target + ".E01", expect=(0,))
    con = sqlite3.connect(os.path.join(target + ".E01.out", "case.db"))
    md5, sha1 = con.execute("SELECT acquisition_md5, acquisition_sha1 FROM evidence").fetchone()
    con.close()
    data = open(raw, "rb").read()
    assert md5 == hashlib.md5(data).hexdigest() and sha1 == hashlib.sha1(data).hexdigest(), (md5, sha1)


def three_hundred_levels():
    src = os.path.join(W["work"], "deep")
    p = src
    for i in range(300):
        p = os.path.join(p, f"d{i + 1}")
    os.makedirs(p)
    with open(os.path.join(p, "f.txt"), "wb") as f:
        f.write(b"three hundred levels down\n")
    img = os.path.join(W["work"], "deep.img")
    sh(["mkfs.ext4", "-q", "-F", "-d", src, img, "16M"])
    items, errors = scan(img, expect=(0,))
    deepest = "/" + "/".join(f"d{i + 1}" for i in range(300)) + "/f.txt"
    assert deepest in items, "the file 300 levels down is not listed (libtsk stops at 128)"
    assert items[deepest]["sha256"] == hashlib.sha256(b"three hundred levels down\n").hexdigest()
    assert sum(1 for k in items if k.startswith("/d1")) == 301, len(items)
    fls = len(sh(["fls", "-r", "-p", img]).decode().splitlines())
    assert fls < 301, "fls now walks 300 levels: the continuation may be redundant"
    items, errors = scan(img, "--max-depth", "200")       # the examiner's bound: an error names where it cut
    assert deepest not in items and any("200 levels deep" in m and "--max-depth" in m for m in errors), errors


def name_of_4096_bytes():
    src = os.path.join(W["work"], "longname")
    os.makedirs(src)
    import tarfile
    import io
    name = "N" * 4092 + ".txt"
    with tarfile.open(os.path.join(src, "long.tar"), "w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo(name)
        ti.size = 6
        ti.mtime = 1600000000
        t.addfile(ti, io.BytesIO(b"hello\n"))
    img = os.path.join(W["work"], "longname.img")
    sh(["mkfs.ext4", "-q", "-F", "-d", src, img, "8M"])
    items, errors = scan(img, expect=(0,))
    p = "/long.tar!/" + name
    assert p in items, [k[:60] for k in items]
    assert items[p]["sha256"] == hashlib.sha256(b"hello\n").hexdigest()
    out = img + ".out"
    for f in ("manifest.csv", "manifest.jsonl"):   # report.html shows private names only as pseudonyms
        assert name.encode() in open(os.path.join(out, f), "rb").read(), f


def empty_and_short_images():
    """A 0-byte and a 3-byte image: one error that says what the image is,
    and the image still recorded (hashed) as one volume item."""
    for size in (0, 3):
        img = os.path.join(W["work"], f"short{size}.img")
        with open(img, "wb") as f:
            f.write(b"abc"[:size])
        items, errors = scan(img)
        want = "image is empty" if size == 0 else "image is shorter than a sector: 3 bytes"
        assert sum(want in e for e in errors) == 1, errors
        assert not any("cannot read the" in e for e in errors), errors
        vols = [i for i in items.values() if i["kind"] == "volume"]
        assert len(vols) == 1 and vols[0]["sha256"] == hashlib.sha256(b"abc"[:size]).hexdigest(), vols


def ntfs_directory_index_damaged():
    """An NTFS directory whose $INDEX_ROOT is smashed: libtsk cannot open
    it and fls -r lists nothing of it, without a word (its files are
    allocated, so not orphans either).  ptriage finds its files by the
    parent references of their MFT records ($FILE_NAME), a subfolder
    walked on, each hashed as its source, and names the folder in a note."""
    img = os.path.join(W["work"], "ntfs-dir.img")
    src = os.path.join(W["work"], "ntfs-dir-src")
    os.makedirs(src, exist_ok=True)
    files = {"Docs/ledger 2019.csv": b"date,amount\n" * 200, "Docs/Sub/deep.bin": random.Random(3).randbytes(70000),
             "Docs/Sub/tiny.txt": b"tiny\n"}
    sh(["truncate", "-s", "24M", img])
    sh(["mkntfs", "-q", "-F", "-f", img])
    sh([sys.executable, os.path.join(ROOT, "tests", "fixtures", "ntfsowners.py"), img, "mkdir", "Docs", "Docs/Sub"])
    for rel, data in files.items():
        p = os.path.join(src, rel.replace("/", "_"))
        with open(p, "wb") as f:
            f.write(data)
        sh(["ntfscp", "-q", img, p, rel])
    ent = {l.split(":\t", 1)[1]: int(l.split(":\t")[0].split()[-1].split("-")[0])
           for l in sh(["fls", "-p", img]).decode().splitlines()}
    data = bytearray(open(img, "rb").read())
    cluster = struct.unpack_from("<H", data, 11)[0] * data[13]
    rec = struct.unpack_from("<Q", data, 0x30)[0] * cluster + ent["Docs"] * 1024
    off = rec + struct.unpack_from("<H", data, rec + 0x14)[0]
    while struct.unpack_from("<I", data, off)[0] not in (0x90, 0xFFFFFFFF):
        off += struct.unpack_from("<I", data, off + 4)[0]
    assert struct.unpack_from("<I", data, off)[0] == 0x90, "no $INDEX_ROOT in the folder's record"
    patch(img, off + struct.unpack_from("<H", data, off + 0x14)[0], b"\xff" * 16)  # the index root's header
    listing = sh(["fls", "-r", "-p", img]).decode()
    assert "Docs/" not in listing, "libtsk still reads the folder: " + listing
    items, errors = scan(img, expect=(0,))
    for rel, d in files.items():
        assert items["/" + rel]["sha256"] == hashlib.sha256(d).hexdigest(), (rel, items.get("/" + rel))
    assert items["/Docs/Sub"]["kind"] == "dir"
    con = sqlite3.connect(img + ".out/case.db")
    notes = [r[0] for r in con.execute("SELECT message FROM errors WHERE severity = 'note'")]
    con.close()
    assert any(n.startswith(f"directory /Docs (inode {ent['Docs']}): libtsk could not open it: ") and
               "its 2 entries were found by the parent references in their MFT records by ptriage" in n
               for n in notes), notes


def hfsplus_catalog_of_an_unopenable_folder():
    """An HFS+ folder libtsk cannot open (a hard link numbered as Linux
    numbers them: mkhfsplus.py links) is listed from the catalog by
    triage/hfscat.c; the catalog leaf that holds it, damaged at known places
    (a record offset past the node, a key length past its record, a
    folder's thread, the leaf's kind) and then at 30 random bytes each time:
    every scan ends with exit 0 or 1, and either four or more of the
    folder's five entries are listed or an error names the folder and the
    damage.  Undamaged, a directory hard link among them is followed."""
    base = os.path.join(W["work"], "links.img")
    sh([sys.executable, os.path.join(ROOT, "tests", "fixtures", "mkhfsplus.py"), base, "8", "Links", "links"])
    data = open(base, "rb").read()
    leaf = (struct.unpack_from(">I", data, 1024 + 272 + 16)[0] + 1) * 4096
    items, errors = scan(base, expect=(1,))  # lost.bin's iNode999 is missing: an error
    names = {"/Shared/a.bin", "/Shared/dlink", "/Shared/link.bin", "/Shared/sub", "/Shared/lost.bin"}
    assert names <= set(items), sorted(items)
    assert items["/Shared/lost.bin"]["error"].startswith("hard link number 999, whose indirect file iNode999 is "
                                                         "not in the volume's private folder"), items
    assert not items["/Shared/a.bin"]["error"] and items["/Shared/sub"]["kind"] == "dir", items
    assert any(e.startswith("directory /Shared (inode 17): libtsk could not open it: ") and
               "its 5 entries were read from the HFS+ catalog by ptriage" in e for e in errors), errors
    assert items["/Shared/dlink"]["kind"] == "dir" and not items["/Shared/dlink"]["error"], items
    rec = lambda i: leaf + 4096 - 2 * (i + 1)
    r = random.Random(5)
    cases = [(rec(7), b"\xff\xf0"), (rec(8), b"\x00\x02"), (leaf + 8, b"\x00"),
             (struct.unpack_from(">H", data, rec(6))[0] + leaf, b"\xff\xff")]
    cases += [(leaf + r.randrange(4096), bytes([r.randrange(256)])) for _ in range(30)]
    for k, (off, byte) in enumerate(cases):
        img = os.path.join(W["work"], f"links{k}.img")
        shutil.copyfile(base, img)
        patch(img, off, byte)
        items, errors = scan(img, expect=(0, 1))
        named = [e for e in errors if "/Shared" in e] + [i["error"] for p, i in items.items() if p == "/Shared"]
        assert len(names & set(items)) >= 4 or any(named) or "/Shared" not in items, (k, off, sorted(items), errors)


def body(tap, work):
    W["work"] = work
    for t in (ext4_directory_loops, ext4_inode_and_directory_block, ext4_superblock_fields, ext4_inline_size_claims,
              ntfs_mft_records,
              ntfs_boot_sector, fat_chains, fat_directory_entry, e01_with_a_damaged_chunk, e01_damaged_chunk_under_a_wof_file,
              e01_damaged_chunk_beside_a_deep_extent_file, e01_stored_hashes,
              three_hundred_levels, name_of_4096_bytes, empty_and_short_images,
              ntfs_directory_index_damaged, hfsplus_catalog_of_an_unopenable_folder):
        tap.result(t.__name__, t)


if __name__ == "__main__":
    sys.exit(run_suite("damage", body))
