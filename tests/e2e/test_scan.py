#!/usr/bin/env python3
"""End-to-end tests of `ptriage scan` on evidence generated here.

Every expectation comes from an independent tool: the file list from
The Sleuth Kit's `fls -r -p`, partitions from `mmls`, content hashes from
`icat` (or Python's hashlib on the source bytes), never from ptriage's own
earlier output.  Prints TAP lines ("ok N - name"); exit status 1 on failure.

Environment: PTRIAGE (binary under test, default ./ptriage),
FIXTURES (an existing fixture directory to reuse, else a temporary one).
"""
import csv
import hashlib
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Ctx:
    fx = None      # fixture directory
    work = None    # scratch directory for outputs


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


def scan(evidence, *extra, expect=None):
    """Runs ptriage scan into a fresh directory; returns (outdir, proc)."""
    out = tempfile.mkdtemp(dir=Ctx.work, prefix="out-")
    os.rmdir(out)
    ev = evidence if isinstance(evidence, list) else [evidence]
    p = run([PT, "scan", *ev, "-o", out, "--quiet", *extra])
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error" in err:
        raise AssertionError("sanitizer report:\n" + err[:4000])
    if expect is not None:
        assert p.returncode == expect, f"exit {p.returncode}, expected {expect}: {err[:2000]}"
    return out, p


def manifest(out):
    with open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def db(out):
    con = sqlite3.connect(os.path.join(out, "case.db"))
    con.text_factory = bytes
    return con


def escape_bytes(b):
    """The manifest's rendering of raw name bytes: invalid UTF-8 as \\xNN."""
    s = b.decode("utf-8", "surrogateescape")
    return "".join("\\x%02X" % (ord(c) - 0xDC00) if 0xDC80 <= ord(c) <= 0xDCFF else c for c in s)


def fls_paths(image, offset=None):
    """Paths (a multiset, sorted) that `fls -r -p` lists, with a leading '/'.
    fls shows control characters as '^'; the manifest keeps them, so the
    comparison maps them the same way."""
    cmd = ["fls", "-r", "-p"] + (["-o", str(offset)] if offset is not None else []) + [image]
    p = run(cmd)
    assert p.returncode == 0, p.stderr
    paths = []
    for line in p.stdout.split(b"\n"):
        if not line:
            continue
        _, path = line.split(b"\t", 1)
        paths.append("/" + escape_bytes(path))
    return sorted(paths)


def as_fls(path):
    return re.sub(r"[\x00-\x1f]", "^", path)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def icat_hashes(image, offset, addr, size=None):
    """Hashes of icat's extraction.  icat stops at an NTFS attribute's
    initialized size; past it Windows (and ptriage) read zeros up to the
    logical size, so with `size` the extraction is padded to it."""
    p = run(["icat"] + (["-o", str(offset)] if offset is not None else []) + [image, addr])
    assert p.returncode == 0, f"icat {addr}: {p.stderr}"
    data = p.stdout
    if size is not None and len(data) < size:
        data += bytes(size - len(data))
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()


def items(out, where="i.parent_id IS NULL"):
    """Rows joined with their volume: dicts of str/int.  By default the items
    The Sleuth Kit lists (archive members are test_archive.py's)."""
    con = db(out)
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    con.row_factory = sqlite3.Row
    rows = con.execute(
        "SELECT i.*, v.label AS vlabel, v.offset AS voffset, v.filesystem AS vfs FROM items i "
        "LEFT JOIN volumes v ON v.id = i.volume_id WHERE " + where + " ORDER BY i.id").fetchall()
    con.close()
    return [dict(r) for r in rows]


def check_against_tsk(image, out, check_md5=False, past_tsk_limit=False, beyond_fls=()):
    """The per-volume path multiset equals fls, and every allocated regular
    file or stream hashes like icat's extraction of it.  With past_tsk_limit,
    ptriage may list more than fls: paths longer than any fls prints (libtsk
    stops walking, silently, where its path buffer ends; ptriage walks on).
    An HFS+ resource fork (FILE:RSRC) is an item that fls does not list, and
    so are the items below the folders beyond_fls (ptriage lists them where
    libtsk cannot); they are checked against icat all the same."""
    rows = items(out)
    volumes = sorted({(r["vlabel"], r["voffset"]) for r in rows if r["kind"] != "volume"})
    assert volumes, "no filesystem items"
    checked = 0
    for label, off in volumes:
        sect = off // 512 if label else None
        ours = sorted(as_fls(escape_bytes(r["path"].encode("utf-8", "surrogateescape")))
                      for r in rows if r["vlabel"] == label and r["kind"] != "volume" and
                      not (r["kind"] == "stream" and r["vfs"] == "hfsp") and
                      not any(r["path"].startswith(b + "/") for b in beyond_fls))
        theirs = fls_paths(image, sect)
        if past_tsk_limit:
            longest = max(len(t.encode()) for t in theirs)
            ours = [p for p in ours if len(p.encode()) <= longest]
        missing = sorted(set(theirs) - set(ours))
        extra = sorted(set(ours) - set(theirs))
        assert ours == theirs, f"volume {label!r}: fls has {len(theirs)}, ptriage {len(ours)}; " \
                               f"missing {missing[:5]} extra {extra[:5]}"
        for r in rows:
            if r["vlabel"] != label or r["allocated"] != 1 or r["kind"] not in ("file", "stream"):
                continue
            addr = str(r["inode"])
            if r["attr_type"] is not None:
                addr += "-%d-%d" % (r["attr_type"], r["attr_id"])
            sha, md5 = icat_hashes(image, sect, addr, r["size"] if r["vfs"] == "ntfs" else None)
            assert r["sha256"] == sha, f"{r['path']}: sha256 {r['sha256']} != icat {sha}"
            if check_md5:
                assert r["md5"] == md5, f"{r['path']}: md5 differs"
            checked += 1
    assert checked > 0
    return rows


def assert_manifest_matches_db(out):
    rows = manifest(out)
    con = db(out)
    n = con.execute("SELECT count(*) FROM items").fetchone()[0]
    con.close()
    assert len(rows) == n, f"manifest {len(rows)} rows, case.db {n}"
    assert list(rows[0].keys()) == (
        "id,evidence,volume,path,kind,allocated,size,mtime,atime,ctime,crtime,uid,gid,md5,"
        "sha256,mime,category,entropy,encryption,encryption_format,rules,disposition,reason,error"
    ).split(","), "manifest columns"
    return rows


def messages(out, severity=None):
    """The messages of case out's errors table (of one severity, or all)."""
    con = db(out)
    q = "SELECT message FROM errors" + (" WHERE severity = ?" if severity else "")
    rows = [e[0].decode() for e in con.execute(q, (severity,) if severity else ())]
    con.close()
    return rows


def zeroed_copy(data, path, start, end):
    """Writes data to path with bytes start..end zeroed (damage to a copy)."""
    bad = bytearray(data)
    bad[start:end] = bytes(end - start)
    with open(path, "wb") as f:
        f.write(bad)
    return path


def export_and_verify(out, ids, x, conf):
    """Exports items ids of case out to x and verifies the export against the evidence."""
    e = run([PT, "export", out, "--to", x, "--include", ",".join(map(str, ids)), "--case", conf])
    assert e.returncode == 0, e.stderr
    v = run([PT, "verify", out, "--export", x, "--evidence", "--case", conf])
    assert v.returncode == 0, v.stdout.decode()[-2000:]


def needs_review_conf(d):
    """A case.conf in d under which unmatched items are needs-review (so exportable)."""
    conf = os.path.join(d, "nr.conf")
    with open(conf, "w") as f:
        f.write("[policy]\nunmatched_user = needs-review\nunmatched_other = needs-review\n")
    return conf


def vm_filled(d, fstype, mkfs, files, ops):
    """An image d/fs.img made by the shell command mkfs ({img} in it), then
    filled by Linux's own driver in the test VM (tests/fixtures/vmwrite.sh
    FSTYPE) with files {path: bytes}, after which the busybox script ops
    runs in the mounted root.  The release and the ASan suites share the
    fixture directory and run side by side: the first to need an image
    builds it there, the other waits for it and copies it (one VM run, not
    two, per image: CI's time)."""
    import fcntl
    fx = os.path.join(ROOT, "tests", "fixtures")
    key = hashlib.sha256(repr((fstype, mkfs, sorted(files.items()), ops)).encode() +
                         b"".join(open(os.path.join(fx, n), "rb").read() for n in sorted(os.listdir(fx))
                                  if n.startswith(("mk", "vmwrite")))).hexdigest()[:20]
    cache = os.path.join(Ctx.fx, "vm-images")
    os.makedirs(cache, exist_ok=True)
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "fs.img")
    with open(os.path.join(cache, key + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(cache, key + ".img")):
            built = vm_build(d, fstype, mkfs, files, ops)
            shutil.copyfile(built, os.path.join(cache, key + ".tmp"))
            os.rename(os.path.join(cache, key + ".tmp"), os.path.join(cache, key + ".img"))
        else:
            shutil.copyfile(os.path.join(cache, key + ".img"), img)
    return img


def vm_build(d, fstype, mkfs, files, ops):
    pay = os.path.join(d, "payload")
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(pay, rel)), exist_ok=True)
        with open(os.path.join(pay, rel), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "ops.sh"), "w") as f:
        f.write(ops)
    img = os.path.join(d, "fs.img")
    fx = os.path.join(ROOT, "tests", "fixtures")
    p = run(mkfs.format(img=img) + f" && {fx}/vmwrite.sh {fstype} {img} {pay} {d}/ops.sh", shell=True)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    return img


# ---------------------------------------------------------------- tests ---

@test
def ext4_matches_fls_and_icat():
    img = os.path.join(Ctx.fx, "ext4.img")
    out, _ = scan(img, "--hash", "sha256,md5", expect=0)
    rows = check_against_tsk(img, out, check_md5=True)
    by = {r["path"]: r for r in rows}
    assert by["/big.bin"]["size"] > 100 * 1048576 and by["/big.bin"]["sha256"] == \
        sha256_file(os.path.join(Ctx.fx, "src", "big.bin"))
    assert by["/sparse.bin"]["sha256"] == sha256_file(os.path.join(Ctx.fx, "src", "sparse.bin"))
    assert by["/empty.bin"]["sha256"] == hashlib.sha256(b"").hexdigest()
    d = by["/docs/deleted-me.txt"]
    assert d["allocated"] == 0, "deleted file must have allocated = 0"
    assert by["/link-outside"]["kind"] == "symlink" and by["/link-outside"]["link_target"] == "/etc/passwd"
    assert by["/link-outside"]["sha256"] is None, "a symlink is not followed or read"
    assert not any(p.startswith("/etc") for p in by), "followed a symlink out of the evidence"
    assert by["/hello.txt"]["uid"] == 0 and by["/hello.txt"]["mtime"] == 1600000000
    assert "/new\nline.txt" in by and "control" in by["/new\nline.txt"]["error"]
    assert "/quo\"te's, comma.txt" in by and "/<script>alert(1)<script>.txt" in by
    assert by["/logs/numbers.gz"]["category"] == "compressed"
    assert by["/hello.txt"]["category"] == "text" and by["/hello.txt"]["mime"] == "text/plain"
    assert abs(by["/logs/random.bin"]["entropy"] - 7.9994) < 0.001
    m = {r["path"]: r for r in assert_manifest_matches_db(out)}
    assert "/bad-\\xFF\\xFE-utf8.txt" in m, "invalid UTF-8 is escaped in the manifest"
    assert m["/hello.txt"]["mtime"] == "2020-09-13T12:26:40Z"
    assert m["/docs/deleted-me.txt"]["allocated"] == "0"
    assert m["/hello.txt"]["rules"] == "" and m["/hello.txt"]["disposition"] == ""


@test
def fat32_with_deleted_file():
    img = os.path.join(Ctx.fx, "fat.img")
    out, _ = scan(img, expect=0)
    rows = check_against_tsk(img, out)
    by = {r["path"]: r for r in rows}
    assert by["/_one.txt"]["allocated"] == 0, "deleted FAT entry listed as deleted"
    assert "/résumé-日本語.txt" in by
    assert by["/hello.txt"]["uid"] is None, "FAT records no owner: uid must be empty"
    assert_manifest_matches_db(out)


@test
def fat_of_4096_byte_sectors():
    """FAT32 as a 4Kn drive (4096-byte logical sectors) holds it: listed as
    fls lists it, every file hashed as icat extracts it, and the $MBR
    virtual file, which libtsk 4.11 cannot read at that sector size (icat
    gives nothing), read where it lies: the volume's first 512 bytes."""
    d = os.path.join(Ctx.work, "fat4k")
    os.makedirs(d)
    img = os.path.join(d, "fat4k.img")
    run(["mkfs.vfat", "-C", "-F", "32", "-S", "4096", "-n", "FOURK", img, "270000"])
    p = run(["mcopy", "-s", "-i", img, os.path.join(Ctx.fx, "src", "hello.txt"), os.path.join(Ctx.fx, "src", "docs"),
             "::/"])
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=0)
    rows = check_against_tsk(img, out)
    mbr = [r for r in rows if r["path"] == "/$MBR"]
    assert len(mbr) == 1 and mbr[0]["error"] is None, mbr
    with open(img, "rb") as f:
        assert mbr[0]["sha256"] == hashlib.sha256(f.read(512)).hexdigest(), mbr


@test
def ntfs_with_alternate_stream():
    img = os.path.join(Ctx.fx, "ntfs.img")
    out, _ = scan(img, expect=0)
    rows = check_against_tsk(img, out)
    by = {r["path"]: r for r in rows}
    assert by["/hello.txt:secret"]["kind"] == "stream"
    assert by["/hello.txt:secret"]["sha256"] == sha256_file(os.path.join(Ctx.fx, "src", "hello.txt"))
    assert by["/$BadClus:$Bad"]["error"] is None, "sparse $Bad must read as zeros, not fail"


@test
def ntfs_deleted_and_compressed_files():
    """What Windows volumes hold: files deleted (by libntfs-3g's own
    ntfs_delete: the MFT record and clusters freed, the name taken out of
    the index), non-resident in a user's folder and resident in the root,
    and LZNT1-compressed files in a compressed folder (ntfscp compresses
    there, as Windows does), one of them deleted: listed as fls lists
    them, deleted ones as deleted, every one hashed as its source (nothing
    has reused the clusters); the compressed and deleted ones export and
    verify."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import ntfsowners
    d = os.path.join(Ctx.work, "ntfs-del")
    os.makedirs(d)
    rnd = random.Random(12)
    files = {"keep.txt": b"kept\n", "Users/alice/Documents/gone.bin": rnd.randbytes(100000),
             "tiny.txt": b"resident and deleted\n", "Logs/access.log": b"GET /index.html 200 1234\n" * 20000,
             "Logs/mixed.bin": b"A" * 70000 + rnd.randbytes(70000) + b"B" * 100000,
             "Logs/old.log": b"POST /login 302\n" * 9000}
    deleted = {"Users/alice/Documents/gone.bin", "tiny.txt", "Logs/old.log"}
    img = os.path.join(d, "ntfs.img")
    p = run(f"truncate -s 16M {img} && mkntfs -q -F -Q -L del {img}", shell=True)
    assert p.returncode == 0, p.stderr
    ntfsowners.mkdirs(img, ["Users", "Users/alice", "Users/alice/Documents", "Logs"])
    ntfsowners.compress(img, ["Logs"])
    for i, (name, data) in enumerate(files.items()):
        with open(os.path.join(d, str(i)), "wb") as f:
            f.write(data)
        p = run(["ntfscp", "-q", img, os.path.join(d, str(i)), name])
        assert p.returncode == 0, p.stderr
    ntfsowners.rm(img, sorted(deleted))
    listing = run(["fls", "-r", "-l", img]).stdout.decode()
    assert listing.count("* ") >= 3, "fls lists no deleted names: the fixture did not delete"
    comp = run(["istat", img, re.search(r"(\d+)-128-\d+:\taccess\.log", listing).group(1)]).stdout.decode()
    assert "Compressed" in comp, "the fixture did not compress: " + comp[:600]
    conf = needs_review_conf(d)
    out, _ = scan(img, "--case", conf, expect=0)
    rows = check_against_tsk(img, out)
    by = {r["path"]: r for r in rows}
    for name, data in files.items():
        r = by["/" + name]
        assert r["allocated"] == (name not in deleted), (name, r["allocated"])
        assert r["sha256"] == hashlib.sha256(data).hexdigest(), name
    names = ("Logs/access.log", "Logs/mixed.bin", "Logs/old.log", "tiny.txt")
    export_and_verify(out, [by["/" + n]["id"] for n in names], os.path.join(d, "export"), conf)
    for n in names:
        assert sha256_file(os.path.join(d, "export", "files", "ntfs.img", "_", n)) == \
            hashlib.sha256(files[n]).hexdigest(), n


def reused_counts(img, inode, marker):
    """(blocks, blocks allocated again) of a deleted file by The Sleuth
    Kit's tools: istat's block list after marker, blkls's allocation."""
    alloc = {int(a) for a, f in (l.split("|") for l in run(["blkls", "-l", "-e", img]).stdout.decode().splitlines()
                                 if re.match(r"\d+\|[af]$", l)) if f == "a"}
    ist = run(["istat", img, str(inode)]).stdout.decode()
    blocks = [int(c) for c in ist.split(marker, 1)[1].split("\n", 1)[1].split() if c.isdigit()]
    return len(blocks), sum(b in alloc for b in blocks)


@test
def deleted_files_whose_blocks_are_reused():
    """A deleted NTFS file keeps its run list, so libtsk reads whatever its
    clusters hold now.  When a later file has taken all of them, the deleted
    one is not read (its content would be the other file's) and says so;
    when it took some, the item is read with a note giving how many.  On
    FAT, libtsk gives a deleted file whose first cluster is taken only that
    cluster: not read either.  The counts are The Sleuth Kit's: istat's
    blocks, blkls's allocation."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import ntfsowners
    d = os.path.join(Ctx.work, "reuse")
    os.makedirs(d)
    rnd = random.Random(13)
    img = os.path.join(d, "ntfs.img")
    p = run(f"truncate -s 16M {img} && mkntfs -q -F -Q -L reuse {img}", shell=True)
    assert p.returncode == 0, p.stderr
    data = {"z1.txt": b"1\n", "a.bin": rnd.randbytes(1500000), "z2.txt": b"2\n", "c.bin": rnd.randbytes(1500000),
            "filler": b"", "new.bin": rnd.randbytes(2000000)}
    for name, blob in data.items():
        if name == "filler":                      # the volume full: new.bin can only take a.bin's and c.bin's
            total = int(run(["fsstat", img]).stdout.decode().split("Total Cluster Range: 0 - ")[1].split()[0]) + 1
            used = run(["blkls", "-l", "-e", img]).stdout.decode().count("|a\n")
            blob = bytes(4096 * (total - used - 8))
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)
        if name == "new.bin":                     # written after the others are deleted
            ntfsowners.rm(img, ["z1.txt", "a.bin", "z2.txt", "c.bin"])
        p = run(["ntfscp", "-q", img, os.path.join(d, name), name])
        assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=0)
    by = {r["path"]: r for r in check_against_tsk(img, out)}
    seen = set()
    for name in ("a.bin", "c.bin"):
        r = by["/" + name]
        blocks, reused = reused_counts(img, r["inode"], "Type: $DATA")
        assert r["allocated"] == 0 and blocks, (name, r["allocated"])
        if reused == blocks:
            seen.add("all")
            assert r["sha256"] is None and "%d blocks are all allocated again" % blocks in (r["error"] or ""), r
        elif reused:
            seen.add("some")
            assert r["sha256"] and "%d of its %d blocks are allocated again" % (reused, blocks) in r["error"], r
            assert r["sha256"] != hashlib.sha256(data[name]).hexdigest(), name
    assert seen == {"all", "some"}, f"the fixture did not reuse as meant: {seen}"

    fat = os.path.join(d, "fat.img")
    p = run(f"mkfs.vfat -C {fat} 4096 >/dev/null && mmd -i {fat} ::/d && mcopy -i {fat} {d}/a.bin ::/d/a.bin && "
            f"mdel -i {fat} ::/d/a.bin && mcopy -i {fat} {d}/z1.txt ::/z1.txt", shell=True)
    assert p.returncode == 0, p.stderr
    out, _ = scan(fat, expect=0)
    r = {r["path"]: r for r in check_against_tsk(fat, out)}["/d/_.bin"]
    blocks, reused = reused_counts(fat, r["inode"], "Sectors:")
    assert r["allocated"] == 0 and blocks == reused > 0, (blocks, reused)
    assert r["sha256"] is None and "%d blocks are all allocated again" % blocks in r["error"], r


@test
def deleted_name_whose_inode_is_reused():
    """ext4: a file deleted (debugfs rm) and its inode given to a newer
    file (fls prints "(realloc)"): the old name is listed, deleted, with
    none of the newer file's size, times, owner or content; the newer file
    is itself, hashed as its source."""
    src = os.path.join(Ctx.work, "realloc-src")
    os.makedirs(os.path.join(src, "docs"))
    with open(os.path.join(src, "docs", "old.txt"), "wb") as f:
        f.write(b"old private letter\n")
    new = os.path.join(Ctx.work, "realloc-new.txt")
    with open(new, "wb") as f:
        f.write(b"a newer file, given the old one's inode\n" * 50)
    img = os.path.join(Ctx.work, "realloc.img")
    p = run(f"mkfs.ext4 -q -F -d {src} {img} 8M && debugfs -w -R 'rm /docs/old.txt' {img} && "
            f"debugfs -w -R 'write {new} /new.txt' {img}", shell=True)
    assert p.returncode == 0, p.stderr
    assert re.search(r"r/r \* (\d+)\(realloc\):\told\.txt", run(["fls", "-r", img]).stdout.decode()), \
        "fls shows no reallocated name: the fixture did not reuse the inode"
    out, _ = scan(img, expect=0)
    by = {r["path"]: r for r in check_against_tsk(img, out)}
    old, newer = by["/docs/old.txt"], by["/new.txt"]
    assert old["inode"] == newer["inode"] and old["allocated"] == 0, (old, newer)
    assert old["size"] == 0 and old["mtime"] is None and old["sha256"] is None and old["uid"] is None, old
    assert old["kind"] == "file" and "now holds an allocated file" in old["error"], old
    assert newer["sha256"] == sha256_file(new) and newer["size"] == os.path.getsize(new), newer


@test
def exfat_matches_fls():
    """exFAT as fls lists it; every file and virtual file read.  libtsk
    4.11 cannot read $FAT1 when the FAT is aligned far from the start (as
    mkfs.exfat and Windows place it): ptriage reads those sectors, where the
    boot sector puts them, and the hash is dd's of them."""
    img = os.path.join(Ctx.fx, "exfat.img")
    out, p = scan(img, expect=0)
    rows = items(out)
    theirs = fls_paths(img)
    assert sorted(r["path"] for r in rows) == theirs
    for r in rows:
        if r["kind"] in ("file", "virtual"):
            assert r["sha256"] and not r["error"], r
    bs = open(img, "rb").read(512)
    shift, fat_off, fat_len = bs[108], int.from_bytes(bs[80:84], "little"), int.from_bytes(bs[84:88], "little")
    with open(img, "rb") as f:
        f.seek(fat_off << shift)
        fat = f.read(fat_len << shift)
    got = [r for r in rows if r["path"] == "/$FAT1"][0]
    assert got["sha256"] == hashlib.sha256(fat).hexdigest() and got["size"] == len(fat), got
    mbr = [r for r in rows if r["path"] == "/$MBR"][0]
    assert mbr["sha256"] == hashlib.sha256(bs).hexdigest()
    v = run([PT, "verify", out, "--evidence"])
    assert v.returncode == 0, v.stdout


@test
def exfat_written_by_linux():
    """exFAT with files (a camera card, a USB stick), written by Linux's
    exfat driver in a small VM (tests/fixtures/vmwrite.sh; nothing on Debian
    fills exFAT without mounting it): names, Unicode ones too, as fls lists
    them, hashes as icat's and the sources', a file the driver deleted
    listed as deleted (Linux zeroes its length), one written after, and one
    deleted as Windows deletes (exfatrm.py: in-use bits and bitmap cleared)
    listed as deleted with its content recovered."""
    d = os.path.join(Ctx.work, "exfat-vm")
    r = random.Random(21)
    files = {"DCIM/100CANON/IMG_0001.JPG": r.randbytes(300000), "DCIM/100CANON/IMG_0002.JPG": r.randbytes(500000),
             "Documents/R\u00e9sum\u00e9 \u2013 final.txt": b"ledger 2024\n",
             "Documents/report.bin": r.randbytes(70000),
             "Documents/empty": b"", "a/b/c/d/e/deep.txt": b"deep\n" * 1000}
    img = vm_filled(d, "exfat", "truncate -s 32M {img} && mkfs.exfat -L CAMERA {img} >/dev/null", files,
                    "rm DCIM/100CANON/IMG_0001.JPG Documents/report.bin\n"
                    "head -c 100000 DCIM/100CANON/IMG_0002.JPG > Documents/new.bin\n")
    p = run([os.path.join(ROOT, "tests", "fixtures", "exfatrm.py"), img, "deep.txt"])
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=0)
    by = {r["path"]: r for r in check_against_tsk(img, out)}
    files["Documents/new.bin"] = files["DCIM/100CANON/IMG_0002.JPG"][:100000]
    for rel, data in files.items():
        if rel in ("DCIM/100CANON/IMG_0001.JPG", "Documents/report.bin"):
            continue
        r = by["/" + rel]
        assert r["allocated"] == (rel != "a/b/c/d/e/deep.txt") and r["sha256"] == hashlib.sha256(data).hexdigest(), r
    assert by["/DCIM/100CANON/IMG_0001.JPG"]["allocated"] == 0, by["/DCIM/100CANON/IMG_0001.JPG"]
    assert {r["vfs"] for r in by.values()} == {"exfat"}


@test
def hfsplus_written_by_linux():
    """HFS+ as a Mac volume holds it, filled by Linux's hfsplus driver in a
    small VM (tests/fixtures/mkhfsplus.py formats it: Debian has no
    mkfs.hfsplus): names as fls lists them, hashes as icat's and the
    sources'; a resource fork (mkhfsplus.py rsrc: Linux no longer writes
    them) listed as FILE:RSRC, hashed as its source, exported and verified
    byte for byte; files compressed as macOS compresses its own (decmpfs
    zlib in the attribute and in the resource fork, mkhfsplus.py compress)
    hashed as their sources, and no fork listed for them.  A hard link as
    Linux makes it (a random link number, not the indirect file's CNID as
    macOS makes it) is one libtsk cannot follow, and it fails the whole
    folder, in fls too: both folders are listed from the catalog
    (triage/hfscat.c), the link with its indirect file's content, a
    subfolder walked on, each folder named in a note; the link exported
    and verified."""
    import unicodedata
    d = os.path.join(Ctx.work, "hfs-vm")
    os.makedirs(d)
    r = random.Random(31)
    files = {"Users/anna/Documents/ledger 2011.csv": b"date,amount\n2011-03-01,100\n" * 40,
             "Users/anna/Documents/r\u00e9sum\u00e9 \u2013 \u65e5\u672c.txt": "Lebenslauf \u00e4\n".encode(),
             "Users/anna/Pictures/big.bin": r.randbytes(2 * 1048576 + 5),
             "Users/anna/empty": b"", "Users/bob/<script>x</script>.txt": b"name\n",
             "Shared/a/both.bin": r.randbytes(5000), "Shared/a/sub/deeper.txt": b"below the link's folder\n",
             "rsrc.bin": r.randbytes(9000),
             "System/Library/inline.plist": b"<plist><dict><key>k</key></dict></plist>\n" * 90,
             "System/Library/forked.dylib": b"".join(b"symbol_%06d\n" % i for i in range(20000))}
    compressed = ("System/Library/inline.plist", "System/Library/forked.dylib")
    for rel in compressed:  # written empty, compressed after
        with open(os.path.join(d, os.path.basename(rel)), "wb") as f:
            f.write(files[rel])
    fx = os.path.join(ROOT, "tests", "fixtures")
    img = vm_filled(d, "hfsplus", fx + "/mkhfsplus.py {img} 32 'Macintosh HD'",
                    {rel: b"" if rel in compressed else data for rel, data in files.items()},
                    "mkdir Shared/b\nln Shared/a/both.bin Shared/b/link.bin\n"
                    "ln -s 'Documents/ledger 2011.csv' Users/anna/link\nmv rsrc.bin Users/anna/Pictures/icon.bin\n")
    cnid = {ln.split(b"\t")[1].decode(): ln.split(b"\t")[0].split()[-1].rstrip(b":").decode()
            for ln in run(["fls", "-r", "-p", img]).stdout.split(b"\n") if ln}
    rsrc = r.randbytes(70000)
    with open(os.path.join(d, "fork"), "wb") as f:
        f.write(rsrc)
    p = run([os.path.join(fx, "mkhfsplus.py"), "rsrc", img, cnid["Users/anna/Pictures/icon.bin"],
             os.path.join(d, "fork")])
    assert p.returncode == 0, p.stderr
    p = run([os.path.join(fx, "mkhfsplus.py"), "compress", img] +
            [f"{cnid[rel]}:{t}:{os.path.join(d, os.path.basename(rel))}" for rel, t in zip(compressed, (3, 4))])
    assert p.returncode == 0, p.stderr
    assert b"Data is zlib compressed in the resource fork" in run(["istat", img, cnid[compressed[1]]]).stdout
    conf = needs_review_conf(d)
    out, _ = scan(img, "--case", conf, expect=0)
    rows = check_against_tsk(img, out, beyond_fls=("/Shared/a", "/Shared/b"))
    by = {unicodedata.normalize("NFC", r["path"]): r for r in rows}
    files["Users/anna/Pictures/icon.bin"] = files.pop("rsrc.bin")
    files["Shared/b/link.bin"] = files["Shared/a/both.bin"]
    for rel, data in files.items():
        assert by["/" + rel]["sha256"] == hashlib.sha256(data).hexdigest(), rel
    assert not [p for p in by if p.endswith(":RSRC") and p.startswith("/System")], sorted(by)
    fork = by["/Users/anna/Pictures/icon.bin:RSRC"]
    assert fork["kind"] == "stream" and fork["size"] == len(rsrc), fork
    assert fork["sha256"] == hashlib.sha256(rsrc).hexdigest()
    assert by["/Users/anna/link"]["link_target"] == "Documents/ledger 2011.csv"
    notes = messages(out, "note")
    for folder, n in (("/Shared/a", 2), ("/Shared/b", 1)):
        assert run(["fls", img, str(by[folder]["inode"])]).returncode != 0, "libtsk opens " + folder
        assert any(e.startswith(f"directory {folder} (inode ") and "libtsk could not open it: " in e and
                   f"its {n} entr{'y was' if n == 1 else 'ies were'} read from the HFS+ catalog by ptriage" in e for e in notes), (folder, notes)
    assert by["/Shared/a/both.bin"]["inode"] == by["/Shared/b/link.bin"]["inode"]
    assert by["/Shared/a/sub"]["kind"] == "dir" and by["/Shared/b/link.bin"]["allocated"] == 1
    assert messages(out, "error") == []
    x = os.path.join(d, "export")
    export_and_verify(out, [fork["id"], by["/Users/anna/Pictures/icon.bin"]["id"],
                            by["/" + compressed[1]]["id"], by["/Shared/b/link.bin"]["id"]], x, conf)
    assert sha256_file(os.path.join(x, "files", "fs.img", "_", "Users", "anna", "Pictures", "icon.bin%3ARSRC")) == \
        fork["sha256"]


@test
def hfsplus_hard_link_deep_in_the_catalog():
    """The catalog of a volume with 600 files, in 8 KiB nodes as macOS makes
    them on larger volumes, is a B-tree with index nodes;
    a folder created last (its records in the last leaves) holds 121 files
    and the source of a Linux hard link, so libtsk cannot open it: all 121
    are read from the catalog (down the index, along the leaves), hashed as
    their sources and as icat reads them."""
    d = os.path.join(Ctx.work, "hfs-deep")
    files = {f"Bulk/{i // 100}/doc{i:04d}.txt": b"bulk %d\n" % i for i in range(600)}
    files["both.bin"] = random.Random(41).randbytes(3000)
    fx = os.path.join(ROOT, "tests", "fixtures")
    img = vm_filled(d, "hfsplus", fx + "/mkhfsplus.py {img} 32 Deep node=8192", files,
                    "mkdir -p Shared/a Shared/b\ni=0\nwhile [ $i -lt 120 ]; do echo \"file $i\" > Shared/a/f$i.txt; "
                    "i=$((i + 1)); done\nmv both.bin Shared/a/both.bin\nln Shared/a/both.bin Shared/b/link.bin\n")
    with open(img, "rb") as f:
        data = f.read()
    cat = struct.unpack_from(">I", data, 1024 + 272 + 16)[0] * 4096
    assert struct.unpack_from(">H", data, cat + 14)[0] >= 2, "the catalog has no index node: not the case tested"
    out, _ = scan(img, expect=0)
    by = {r["path"]: r for r in check_against_tsk(img, out, beyond_fls=("/Shared/a", "/Shared/b"))}
    for i in range(120):
        assert by[f"/Shared/a/f{i}.txt"]["sha256"] == hashlib.sha256(b"file %d\n" % i).hexdigest(), i
    for rel in ("Shared/a/both.bin", "Shared/b/link.bin"):
        assert by["/" + rel]["sha256"] == hashlib.sha256(files["both.bin"]).hexdigest(), rel
    for rel, data in files.items():
        if rel.startswith("Bulk/"):
            assert by["/" + rel]["sha256"] == hashlib.sha256(data).hexdigest(), rel
    assert any(e.startswith("directory /Shared/a (inode ") and "its 121 entries were read from the HFS+ catalog" in e
               for e in messages(out, "note")), messages(out)


@test
def hfsx_case_sensitive_names():
    """HFSX (case-sensitive HFS+, signature "HX"; macOS servers and
    developers' disks), filled by Linux's driver: names that differ only in
    case are two files, each listed as fls lists it and hashed as its
    source."""
    d = os.path.join(Ctx.work, "hfsx-vm")
    os.makedirs(d)
    files = {"Notes/README": b"upper\n", "Notes/readme": b"lower\n" * 3, "Notes/ReadMe": b"mixed\n" * 5}
    img = vm_filled(d, "hfsplus", os.path.join(ROOT, "tests", "fixtures", "mkhfsplus.py") + " {img} 16 Server hfsx",
                    files, "true\n")
    assert b"HFSX" in run(["fsstat", img]).stdout
    out, _ = scan(img, expect=0)
    by = {r["path"]: r for r in check_against_tsk(img, out)}
    for rel, data in files.items():
        assert by["/" + rel]["sha256"] == hashlib.sha256(data).hexdigest(), rel


@test
def hfsplus_on_an_apple_partition_map():
    """HFS+ (Macs before 2017, and hybrid discs): Debian has no mkfs.hfsplus,
    but xorriso writes an HFS+ tree on an Apple partition map beside the
    ISO 9660 one.  Names as fls lists them (HFS+ keeps them decomposed, NFD),
    hashes as icat and the source files, link target, owner and times."""
    import unicodedata
    src = os.path.join(Ctx.work, "hfs-src")
    files = {"Users/anna/Documents/ledger 2011.csv": b"date,amount\n2011-03-01,100\n" * 50,
             "Users/anna/Documents/r\u00e9sum\u00e9-\u65e5\u672c.txt": "Lebenslauf \u00e4\u00f6\u00fc\n".encode(),
             "Users/anna/big.bin": random.Random(7).randbytes(3 * 1048576 + 17),
             "Users/anna/empty": b"",
             "Users/bob/<script>x</script>.txt": b"name\n"}
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        with open(os.path.join(src, rel), "wb") as f:
            f.write(data)
    os.symlink("Documents/ledger 2011.csv", os.path.join(src, "Users/anna/link"))
    for root, dns, fns in os.walk(src):
        for n in dns + fns:
            os.utime(os.path.join(root, n), (1300000000, 1300000000), follow_symlinks=False)
    img = os.path.join(Ctx.work, "hfs.iso")
    p = run(["xorriso", "-as", "mkisofs", "-hfsplus", "-R", "-o", img, src])
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, "--hash", "sha256,md5", expect=0)
    rows = check_against_tsk(img, out, check_md5=True)
    hfs = [r for r in rows if r["vfs"] == "hfsp"]
    assert hfs, sorted({(r["vlabel"], r["vfs"]) for r in rows})
    by = {unicodedata.normalize("NFC", r["path"]): r for r in hfs}
    for rel, data in files.items():
        r = by["/" + rel]
        assert r["sha256"] == hashlib.sha256(data).hexdigest() and r["size"] == len(data), rel
        assert r["mtime"] == 1300000000 and r["uid"] == 0, (rel, r["mtime"], r["uid"])
    assert by["/Users/anna/link"]["kind"] == "symlink"
    assert by["/Users/anna/link"]["link_target"] == "Documents/ledger 2011.csv"
    m = {unicodedata.normalize("NFC", r["path"]): r for r in manifest(out) if r["volume"] == hfs[0]["vlabel"]}
    assert m["/Users/anna/Documents/ledger 2011.csv"]["mime"] == "text/csv", m["/Users/anna/Documents/ledger 2011.csv"]
    assert m["/Users/anna/big.bin"]["encryption"] != "none"


@test
def ext4_deep_extent_tree():
    """A fragmented ext4 file whose extent tree is two levels deep (a busy
    server's logs, databases, VM images): libtsk 4.11 cannot map it ("No
    filler entry", icat fails too), so ext4ext.c walks the tree.  Its hash
    is the source's, holes read as zeros, and export and verify re-read it
    the same way."""
    src = os.path.join(Ctx.work, "deep-src")
    os.makedirs(src)
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import fragmented
    fragmented.write(os.path.join(src, "fragmented.db"))
    want = hashlib.sha256(open(os.path.join(src, "fragmented.db"), "rb").read()).hexdigest()
    img = os.path.join(Ctx.work, "deep.img")
    p = run(["mkfs.ext4", "-q", "-F", "-b", "1024", "-d", src, img, "32M"])
    assert p.returncode == 0, p.stderr
    ic = run(["icat", img, "12"])
    assert ic.returncode != 0 or hashlib.sha256(ic.stdout).hexdigest() != want, "libtsk reads it now: drop ext4ext.c"
    conf = needs_review_conf(src)
    out, _ = scan(img, "--case", conf, expect=0)
    rows = {r["path"]: r for r in manifest(out)}
    assert rows["/fragmented.db"]["sha256"] == want, rows["/fragmented.db"]
    export_and_verify(out, [rows["/fragmented.db"]["id"]], os.path.join(Ctx.work, "deep-export"), conf)


@test
def ext4_bigalloc_named():
    """An ext4 volume with bigalloc (clusters of several blocks; large-file
    stores) that libtsk 4.11 does not open: one hashed volume item whose
    reason names bigalloc and the cluster size, exit 1, not a bare "no
    filesystem recognised"."""
    src = os.path.join(Ctx.work, "bigalloc-src")
    os.makedirs(src)
    open(os.path.join(src, "video.bin"), "wb").write(random.Random(3).randbytes(300000))
    img = os.path.join(Ctx.work, "bigalloc.img")
    p = run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-O", "bigalloc", "-C", "65536", "-L", "media", "-d", src, img,
             "64M"])
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=1)
    rows = manifest(out)
    assert [r["kind"] for r in rows] == ["volume"], rows
    assert rows[0]["sha256"] == hashlib.sha256(open(img, "rb").read()).hexdigest()
    assert "an ext4 filesystem 'media' with bigalloc (clusters of 16 blocks of 4096 bytes): The Sleuth Kit 4.11 " \
           "does not read bigalloc" in rows[0]["error"], rows[0]["error"]


@test
def ufs_from_makefs():
    """UFS (BSD servers): NetBSD's makefs writes an FFS v1 image from a
    tree; names as fls lists them, hashes as icat and the sources, owner and
    link target."""
    src = os.path.join(Ctx.work, "ufs-src")
    files = {"usr/home/ana/invoice.txt": b"invoice 2012\n" * 40, "etc/rc.conf": b'hostname="bsd1"\n',
             "var/db/blob.bin": random.Random(9).randbytes(200000)}
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        with open(os.path.join(src, rel), "wb") as f:
            f.write(data)
    os.symlink("../../etc/rc.conf", os.path.join(src, "usr/home/rc"))
    img = os.path.join(Ctx.work, "ufs1.img")
    p = run(["makefs", "-t", "ffs", "-o", "version=1", "-s", "16m", img, src])
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=0)
    rows = check_against_tsk(img, out)
    by = {r["path"]: r for r in rows}
    assert by["/usr/home/rc"]["kind"] == "symlink" and by["/usr/home/rc"]["link_target"] == "../../etc/rc.conf"
    for rel, data in files.items():
        assert by["/" + rel]["sha256"] == hashlib.sha256(data).hexdigest() and by["/" + rel]["uid"] == 0, rel
    assert {r["vfs"] for r in rows} == {"ufs1"}, {r["vfs"] for r in rows}


@test
def iso9660_discs_match_fls():
    """CD and DVD images (ISO 9660 read by libtsk, as given): with Joliet
    names and without (8.3 names only), names as fls lists them, hashes as
    icat's and the sources'."""
    src = os.path.join(Ctx.work, "iso-src")
    files = {"readme.txt": b"disc 1 of 2\n", "docs/ledger 2011 \u00e9t\u00e9.txt": b"ledger\n" * 500,
             "docs/deep/er/blob.bin": random.Random(11).randbytes(300000)}
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        with open(os.path.join(src, rel), "wb") as f:
            f.write(data)
    for flags, name in ((["-R", "-J"], "joliet"), ([], "plain")):
        img = os.path.join(Ctx.work, f"{name}.iso")
        p = run(["genisoimage", "-quiet", *flags, "-V", "CASE42", "-o", img, src])
        assert p.returncode == 0, p.stderr
        out, _ = scan(img, expect=0)
        rows = check_against_tsk(img, out)
        assert {r["vfs"] for r in rows} == {"iso9660"}, {r["vfs"] for r in rows}
        got = sorted(r["sha256"] for r in rows if r["kind"] == "file" and r["size"])
        assert got == sorted(hashlib.sha256(d).hexdigest() for d in files.values()), name
        if name == "joliet":
            paths = {r["path"] for r in rows}
            assert "/docs/ledger 2011 \u00e9t\u00e9.txt" in paths, sorted(paths)


@test
def mbr_e01_two_filesystems():
    e01 = os.path.join(Ctx.fx, "mbr.E01")
    out, _ = scan(e01, expect=0)
    rows = check_against_tsk(e01, out)
    assert {r["vlabel"] for r in rows} == {"p1", "p2"}
    con = db(out)
    ev = con.execute("SELECT format, size, volume_system FROM evidence").fetchone()
    assert ev == (b"ewf", 64 * 1048576, b"dos"), ev
    vols = con.execute("SELECT label, offset, length, filesystem FROM volumes WHERE flags='alloc' "
                       "ORDER BY offset").fetchall()
    con.close()
    # mmls is the reference for the partition table
    mm = [l.split() for l in run(["mmls", e01]).stdout.decode().splitlines() if re.match(r"^\d{3}:\s+\d", l)]
    ref = [(int(f[2]) * 512, int(f[4]) * 512) for f in mm]
    assert [(v[1], v[2]) for v in vols] == ref, (vols, ref)
    assert [v[3] for v in vols] == [b"fat32", b"ext4"]


@test
def aff_image():
    """AFF (afflib's affconvert of the same MBR disk): read through libtsk's
    AFF back end, listed as fls lists it, the image hash the raw disk's."""
    d = os.path.join(Ctx.work, "aff")
    os.makedirs(d, exist_ok=True)
    raw = os.path.join(d, "mbr.raw")    # affconvert refuses the name .img
    shutil.copyfile(os.path.join(Ctx.fx, "mbr.img"), raw)
    p = run(["affconvert", "-q", "-y", "mbr.raw"], cwd=d)
    assert p.returncode == 0, p.stderr
    aff = os.path.join(d, "mbr.aff")
    out, _ = scan(aff, "--image-hash", expect=0)
    rows = check_against_tsk(aff, out)
    assert {r["vlabel"] for r in rows} == {"p1", "p2"}
    con = db(out)
    ev = con.execute("SELECT format, size, image_sha256 FROM evidence").fetchone()
    con.close()
    assert ev == (b"aff", 64 * 1048576, sha256_file(raw).encode()), ev


@test
def gpt_split_raw_with_unknown_partition():
    first = os.path.join(Ctx.fx, "gpt-split.001")
    out, _ = scan(first, expect=0)
    whole = os.path.join(Ctx.fx, "gpt.img")  # fls on the joined image
    rows = check_against_tsk(whole, out)
    con = db(out)
    segs = con.execute("SELECT segments, size FROM evidence").fetchone()
    con.close()
    assert segs == (4, 64 * 1048576), segs
    vol = [r for r in rows if r["kind"] == "volume"]
    assert len(vol) == 1 and vol[0]["vlabel"] == "p3", vol
    with open(whole, "rb") as f:
        f.seek(55296 * 512)
        data = f.read(8192 * 512)
    assert vol[0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert vol[0]["size"] == len(data) and vol[0]["entropy"] > 7.99
    assert "no filesystem" in vol[0]["error"]
    assert {r["vlabel"] for r in rows} == {"p1", "p2", "p3"}


@test
def gpt_partition_types_are_named():
    """libtsk describes a GPT partition by its name only (mmls shows nothing
    for the usual unnamed ones); ptriage adds its registered type, and says
    what a Storage Spaces or dynamic-disk (LDM) partition is."""
    img = os.path.join(Ctx.work, "gpt-types.img")
    run(["truncate", "-s", "48M", img])
    spec = ("label: gpt\n"
            "size=8M, type=E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D\n"
            "size=8M, type=AF9B60A0-1431-4F62-BC68-3311714A69AD\n"
            "size=8M, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\n"
            "size=8M, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Backups\"\n"
            "size=8M, type=01234567-89AB-CDEF-0123-456789ABCDEF\n")
    p = run(["sfdisk", "-q", img], input=spec.encode())
    assert p.returncode == 0, p.stderr
    out, _ = scan(img, expect=0)
    con = db(out)
    con.text_factory = str
    vols = {r[0]: (r[1], r[2] or "") for r in con.execute("SELECT label, description, error FROM volumes "
                                                          "WHERE label != ''")}
    assert vols["p1"][0] == "Windows Storage Spaces" and "Storage Spaces pool member" in vols["p1"][1], vols
    assert vols["p2"][0] == "Windows LDM data (dynamic disk)" and "dynamic disk (LDM)" in vols["p2"][1], vols
    assert vols["p3"][0] == "Linux LVM", vols
    assert vols["p4"][0] == "Backups (Microsoft basic data)", vols
    assert vols["p5"][0] == "01234567-89AB-CDEF-0123-456789ABCDEF", vols


@test
def filesystems_not_cleanly_unmounted_are_noted():
    """A seized running server: an ext4 whose journal needs recovery and
    which recorded errors (set with debugfs), an NTFS marked dirty (the flag
    of $Volume's $VOLUME_INFORMATION); each gets a note that the journal is
    not replayed; the listing is still fls's.  Clean ones get no such note."""
    ext = os.path.join(Ctx.work, "dirty-ext4.img")
    shutil.copyfile(os.path.join(Ctx.fx, "ext4.img"), ext)
    for req in ("feature needs_recovery", "ssv state 3"):
        assert run(["debugfs", "-w", "-R", req, ext]).returncode == 0
    ntfs = os.path.join(Ctx.work, "dirty-ntfs.img")
    shutil.copyfile(os.path.join(Ctx.fx, "ntfs.img"), ntfs)
    with open(ntfs, "r+b") as f:
        boot = f.read(512)
        cluster = struct.unpack_from("<H", boot, 11)[0] * boot[13]
        c = struct.unpack_from("<b", boot, 0x40)[0]
        size = c * cluster if c > 0 else 1 << -c
        rec_at = struct.unpack_from("<Q", boot, 0x30)[0] * cluster + 3 * size   # MFT record 3: $Volume
        f.seek(rec_at)
        rec = bytearray(f.read(size))
        at = struct.unpack_from("<H", rec, 0x14)[0]
        while struct.unpack_from("<I", rec, at)[0] != 0x70:               # $VOLUME_INFORMATION
            at += struct.unpack_from("<I", rec, at + 4)[0]
        flags = at + struct.unpack_from("<H", rec, at + 0x14)[0] + 10
        assert flags % 512 < 510                                          # not under a fixup
        rec[flags] |= 1
        f.seek(rec_at)
        f.write(rec)
    for img, want in ((ext, ("journal needs recovery", "recorded errors")), (ntfs, ("marked dirty",))):
        out, _ = scan(img, expect=0)
        check_against_tsk(img, out)
        notes = messages(out, "note")
        for w in want:
            assert any(w in n and "not replayed" in n or w == "recorded errors" and w in n for n in notes), notes
    for clean in ("ext4.img", "ntfs.img"):
        out, _ = scan(os.path.join(Ctx.fx, clean), expect=0)
        assert not any("not replayed" in n for n in messages(out, "note")), clean


@test
def directory_evidence():
    src = os.path.join(Ctx.fx, "src")
    # atime = mtime: a plain read would update atime under relatime, so an
    # unchanged atime shows the files were opened with O_NOATIME.  A private
    # directory: the shared fixtures are read by suites running alongside.
    pd = os.path.join(Ctx.work, "atime-probe")
    os.makedirs(pd, exist_ok=True)
    probe = os.path.join(pd, "hello.txt")
    with open(probe, "w") as f:
        f.write("hello evidence\n")
    os.utime(probe, (1600000000, 1600000000))
    scan(pd, expect=0)
    assert os.stat(probe).st_atime == 1600000000, "scan changed a file's access time"
    out, _ = scan(src, expect=0)
    rows = items(out)
    ref = {}
    for dp, dns, fns in os.walk(src.encode()):
        for n in dns + fns:
            full = os.path.join(dp, n)
            ref["/" + os.path.relpath(full, src.encode()).decode("utf-8", "surrogateescape")] = full
    by = {r["path"]: r for r in rows}
    assert sorted(by) == sorted(ref), (sorted(set(ref) - set(by))[:5], sorted(set(by) - set(ref))[:5])
    for path, full in ref.items():
        r = by[path]
        if os.path.islink(full):
            assert r["kind"] == "symlink" and r["sha256"] is None
            assert r["link_target"] == os.readlink(full).decode("utf-8", "surrogateescape")
        elif os.path.isfile(full):
            assert r["sha256"] == sha256_file(full), path
            assert r["size"] == os.path.getsize(full)
    assert by["/hello.txt"]["volume_id"] is None


@test
def directory_evidence_written_to_during_the_scan():
    """A live tree: a log appended to while ptriage reads it gets a note
    with its size when listed and after (the hash is of what was read); a
    file left alone gets none."""
    import threading
    d = os.path.join(Ctx.work, "live")
    os.makedirs(d)
    log = os.path.join(d, "app.log")
    with open(log, "wb") as f:
        f.truncate(150 << 20)
    with open(os.path.join(d, "still.txt"), "wb") as f:
        f.write(b"unchanged\n")
    stop = threading.Event()

    def append():
        with open(log, "ab", buffering=0) as f:
            while not stop.is_set():
                f.write(b"GET / 200\n")
                time.sleep(0.001)
    t = threading.Thread(target=append)
    t.start()
    try:
        time.sleep(0.05)
        out, _ = scan(d, expect=0)
    finally:
        stop.set()
        t.join()
    by = {r["path"]: r for r in items(out)}
    note = by["/app.log"]["error"] or ""
    assert re.search(r"changed while the scan read it \(\d+ bytes when listed, \d+ after\)", note), note
    still = by["/still.txt"]
    assert still["error"] is None and still["sha256"] == hashlib.sha256(b"unchanged\n").hexdigest(), still


@test
def compressed_file_in_an_image_is_expanded():
    import gzip
    out, _ = scan(os.path.join(Ctx.fx, "ext4.img"), expect=0)
    m = {r["path"]: r for r in manifest(out)}
    want = hashlib.sha256(gzip.open(os.path.join(Ctx.fx, "src", "logs", "numbers.gz")).read()).hexdigest()
    assert m["/logs/numbers.gz!/numbers"]["sha256"] == want
    assert [p for p in m if "!/" in p] == ["/logs/numbers.gz!/numbers"]


@test
def several_evidence_items_in_one_run():
    ev = [os.path.join(Ctx.fx, n) for n in ("ext4.img", "fat.img")] + [os.path.join(Ctx.fx, "src")]
    out, _ = scan(ev, expect=0)
    m = manifest(out)
    labels = {r["evidence"] for r in m}
    assert labels == {"ext4.img", "fat.img", "src"}, labels
    n_fls = len(fls_paths(ev[0])) + len(fls_paths(ev[1]))
    assert len([r for r in m if r["evidence"] != "src" and "!/" not in r["path"]]) == n_fls


@test
def duplicate_content_is_typed_once():
    # libmagic's answer is reused for content with the same SHA-256 (and
    # head); it must be the answer libmagic gives each copy
    d = os.path.join(Ctx.work, "dups")
    os.makedirs(d, exist_ok=True)
    elf = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\x3e\x00\x01" + bytes(43)
    samples = {
        "page": b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>\n",
        "script": b"#!/bin/sh\necho hello\n",
        "data": b'{"a": [1, 2, 3], "b": {"c": "d"}}\n',
        "lib": elf,
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(13),
        "noise": random.Random(7).randbytes(5000),
        "long": b"word " * 20000,            # 100,000 bytes: the head is 64 KiB of it
    }
    for name, data in samples.items():
        for copy in range(3):
            with open(os.path.join(d, f"{name}-{copy}"), "wb") as f:
                f.write(data)
    # the same first 64 KiB, other content: a different SHA-256, typed anew
    with open(os.path.join(d, "long-other"), "wb") as f:
        f.write(samples["long"][:-1] + b"!")
    for jobs in ("1", "2"):
        out, _ = scan(d, "-j", jobs, expect=0)
        m = {r["path"]: r for r in manifest(out)}
        for name in samples:
            want = run(["file", "-b", "--mime-type", os.path.join(d, f"{name}-0")]).stdout.decode().strip()
            got = {m[f"/{name}-{c}"]["mime"] for c in range(3)}
            assert got == {want}, (name, got, want)
        assert m["/long-other"]["mime"] == m["/long-0"]["mime"]
        log = open(os.path.join(out, "scan.log"), encoding="utf-8").read()
        if jobs == "1":
            assert "types: 8 asked of libmagic, 14 reused" in log, log[-400:]
    # a second server with the same files: typed from what the first one gave
    d2 = os.path.join(Ctx.work, "dups2")
    shutil.copytree(d, d2, dirs_exist_ok=True)
    out = os.path.join(Ctx.work, "dups-two")
    shutil.rmtree(out, ignore_errors=True)
    p = run([PT, "scan", d, d2, "-o", out, "-q", "-j", "1"])
    assert p.returncode == 0, p.stderr
    log = open(os.path.join(out, "scan.log"), encoding="utf-8").read()
    assert "types: 8 asked of libmagic, 36 reused" in log, log[-400:]
    m = manifest(out)
    for r in m:
        if r["evidence"] == "dups2" and r["kind"] == "file":
            twin = next(x for x in m if x["evidence"] == "dups" and x["path"] == r["path"])
            assert r["mime"] == twin["mime"] and r["sha256"] == twin["sha256"], (r["path"], r["mime"])


@test
def empty_directories():
    # an empty directory as the evidence and inside it (qsort of no names
    # was undefined behaviour, caught by UBSan on /usr/share)
    d = os.path.join(Ctx.work, "empties")
    for sub in ("a/b/c", "d", "e/f"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    with open(os.path.join(d, "e/note.txt"), "w") as f:
        f.write("not empty\n")
    out, _ = scan(d, expect=0)
    got = {r["path"] for r in manifest(out)}
    want = {"/" + os.path.relpath(os.path.join(r, n), d) for r, ds, fs in os.walk(d) for n in ds + fs}
    assert got == want, (sorted(got), sorted(want))
    os.makedirs(os.path.join(Ctx.work, "nothing"), exist_ok=True)
    out, _ = scan(os.path.join(Ctx.work, "nothing"), expect=0)
    assert manifest(out) == []


@test
def output_inside_evidence_is_refused():
    src = os.path.join(Ctx.fx, "src")
    before = sorted(os.listdir(src))
    p = run([PT, "scan", src, "-o", os.path.join(src, "out"), "-q"])
    assert p.returncode == 2 and b"inside evidence" in p.stderr, p.stderr
    assert sorted(os.listdir(src)) == before, "evidence directory was changed"


@test
def missing_evidence_and_usage_errors():
    p = run([PT, "scan", os.path.join(Ctx.work, "nope.img"), "-o", os.path.join(Ctx.work, "o-missing")])
    assert p.returncode == 2 and b"No such file" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(Ctx.work, "o-missing")), "nothing is created on a usage error"
    assert run([PT]).returncode == 2
    assert run([PT, "scan", os.path.join(Ctx.fx, "fat.img")]).returncode == 2  # no -o
    p = run([PT, "scan", os.path.join(Ctx.fx, "fat.img"), "-o", os.path.join(Ctx.work, "o-h"), "--hash", "crc"])
    assert p.returncode == 2 and b"unknown hash" in p.stderr
    assert run([PT, "--help"]).returncode == 0 and b"Exit status" in run([PT, "--help"]).stdout
    for cmd in ("scan", "export", "verify", "report", "merge", "rules", "validate"):
        p = run([PT, cmd, "--help"])         # help on every command, never "unrecognized option"
        assert p.returncode == 0 and b"Exit status" in p.stdout, (cmd, p.stderr)
    p = run([PT, "scan", os.path.join(Ctx.fx, "fat.img"), "-o", os.path.join(Ctx.work, "o-j"), "--jobs", "0"])
    assert p.returncode == 2 and b"--jobs" in p.stderr


@test
def nonempty_output_is_refused():
    out, _ = scan(os.path.join(Ctx.fx, "fat.img"), expect=0)
    before = sha256_file(os.path.join(out, "case.db"))
    p = run([PT, "scan", os.path.join(Ctx.fx, "fat.img"), "-o", out, "-q"])
    assert p.returncode == 2 and b"not empty" in p.stderr, p.stderr
    assert sha256_file(os.path.join(out, "case.db")) == before


@test
def random_bytes_image():
    img = os.path.join(Ctx.fx, "random.img")
    out, p = scan(img, expect=1)
    rows = items(out)
    assert len(rows) == 1 and rows[0]["kind"] == "volume", rows
    assert rows[0]["sha256"] == sha256_file(img)
    assert "no partition table and no filesystem" in rows[0]["error"]
    assert rows[0]["error_severity"] == "error"


@test
def truncated_image():
    img = os.path.join(Ctx.fx, "truncated.img")
    out, _ = scan(img, expect=1)
    errs = messages(out)
    assert any("truncated" in e for e in errs), errs
    log = open(os.path.join(out, "scan.log"), encoding="utf-8").read()
    assert "truncated" in log


@test
def truncated_e01():
    bad = os.path.join(Ctx.work, "trunc.E01")
    with open(os.path.join(Ctx.fx, "mbr.E01"), "rb") as f, open(bad, "wb") as g:
        g.write(f.read(30 * 1000 * 1000))
    out, p = scan(bad)
    assert p.returncode in (1, 2), p.returncode
    con = db(out)
    n_err = con.execute("SELECT count(*) FROM items WHERE error_severity='error'").fetchone()[0] + \
        con.execute("SELECT count(*) FROM errors").fetchone()[0]
    con.close()
    assert n_err > 0, "a damaged E01 must be reported"


@test
def report_regenerates_identical_manifest_and_scans_are_deterministic():
    img = os.path.join(Ctx.fx, "mbr.E01")
    out1, _ = scan(img, "--jobs", "1", expect=0)
    out2, _ = scan(img, "--jobs", "3", expect=0)
    m1 = open(os.path.join(out1, "manifest.csv"), "rb").read()
    assert m1 == open(os.path.join(out2, "manifest.csv"), "rb").read(), "scans with 1 and 3 jobs differ"
    out3, _ = scan([img, os.path.join(Ctx.fx, "src")], "--jobs", "1", expect=0)
    out4, _ = scan([img, os.path.join(Ctx.fx, "src")], "--jobs", "2", expect=0)
    assert open(os.path.join(out3, "manifest.csv"), "rb").read() == \
        open(os.path.join(out4, "manifest.csv"), "rb").read(), "multi-evidence scans differ by --jobs"
    j1 = open(os.path.join(out1, "manifest.jsonl"), "rb").read()
    assert j1 == open(os.path.join(out2, "manifest.jsonl"), "rb").read(), "manifest.jsonl differs by --jobs"
    os.remove(os.path.join(out1, "manifest.csv"))
    p = run([PT, "report", out1])
    assert p.returncode == 0, p.stderr
    assert open(os.path.join(out1, "manifest.csv"), "rb").read() == m1
    assert open(os.path.join(out1, "manifest.jsonl"), "rb").read() == j1
    # one JSON object per manifest row, the same items in the same order
    import json
    objs = [json.loads(l) for l in j1.decode("utf-8").splitlines()]
    rows = manifest(out1)
    assert [o["id"] for o in objs] == [int(r["id"]) for r in rows]
    assert [o["path"] for o in objs] == [r["path"] for r in rows]
    assert all(o.get("sha256", "") == r["sha256"] for o, r in zip(objs, rows))
    con = db(out1)
    run_row = con.execute("SELECT tool, version, command_line, started, finished, host, libraries,"
                          " exit_code FROM run").fetchone()
    con.close()
    assert run_row[0] == b"ptriage" and b"scan" in run_row[2] and run_row[3] and run_row[4]
    assert b"libtsk" in run_row[6] and run_row[7] == 0


@test
def hostile_partition_table():
    import struct
    img = os.path.join(Ctx.work, "badmbr.img")
    data = bytearray(4 << 20)
    def entry(ptype, start, size):
        return struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", start, size)
    data[446:462] = entry(0x83, 2048, 4096)
    data[462:478] = entry(0x83, 4096, 4096)       # overlaps the first
    data[478:494] = entry(0x07, 100000, 50000)    # lies past the end of the image
    data[510:512] = b"\x55\xaa"
    with open(img, "wb") as f:
        f.write(data)
    out, _ = scan(img, expect=1)
    con = db(out)
    errs = [e[0].decode() for e in con.execute("SELECT message FROM errors")]
    vols = con.execute("SELECT count(*) FROM volumes WHERE flags = 'alloc'").fetchone()[0]
    con.close()
    assert vols == 3, vols
    assert any("p2 overlaps partition p1" in e for e in errs), errs
    assert any("p3" in e and "past the end of the image" in e for e in errs), errs
    rows = items(out)
    assert [r["vlabel"] for r in rows] == ["p1", "p2", "p3"]
    assert rows[2]["sha256"] is None and "read failed" in rows[2]["error"]


@test
def coverage_ledger_accounts_for_every_byte():
    names = ["gpt.img", "mbr.E01", "ntfs.img", "fat.img", "exfat.img", "random.img", "truncated.img", "ext4.img"]
    ev = [os.path.join(Ctx.fx, n) for n in names] + [os.path.join(Ctx.fx, "src"), os.path.join(Ctx.work, "badmbr.img")]
    out, _ = scan(ev, expect=1)
    with open(os.path.join(out, "coverage.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    con = db(out)
    sizes = {r[0].decode(): r[1] for r in con.execute("SELECT label, size FROM evidence")}
    stored = con.execute("SELECT count(*) FROM coverage").fetchone()[0]
    con.close()
    assert stored == len(rows)
    total = {}
    for r in rows:
        total[r["evidence"]] = total.get(r["evidence"], 0) + int(r["bytes"])
        assert r["status"] in ("examined", "not examined") and r["reason"], r
    for n in names + ["badmbr.img"]:
        # raw images: the file size; the E01: its media size; every byte is in exactly one row
        want = os.path.getsize(os.path.join(Ctx.fx if n != "badmbr.img" else Ctx.work, n)) if n != "mbr.E01" \
            else sizes[n]
        assert total[n] == want == sizes[n], (n, total.get(n), want)
    src_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(Ctx.fx, "src"))
                    for f in fs if not os.path.islink(os.path.join(d, f)))
    assert total["src"] == src_bytes, (total["src"], src_bytes)

    def row(ev_name, what):
        return [r for r in rows if r["evidence"] == ev_name and what in r["what"]]
    # free space agrees with The Sleuth Kit's blkls (unallocated blocks)
    free = int(row("ext4.img", "free space")[0]["bytes"])
    assert free == len(run(["blkls", os.path.join(Ctx.fx, "ext4.img")]).stdout)
    ntfs_free = int(row("ntfs.img", "free space")[0]["bytes"])
    assert ntfs_free == len(run(["blkls", os.path.join(Ctx.fx, "ntfs.img")]).stdout)
    # partitions and unpartitioned gaps at the offsets mmls gives
    gpt = [r for r in rows if r["evidence"] == "gpt.img"]
    p1 = [r for r in gpt if r["volume"] == "p1"][0]
    mm = run(["mmls", "-a", os.path.join(Ctx.fx, "gpt.img")]).stdout.decode().splitlines()
    first = [l.split() for l in mm if l.strip().startswith("00")]
    assert int(p1["offset"]) == int(first[0][2]) * 512, (p1, first)
    assert row("gpt.img", "unpartitioned") and all(r["status"] == "not examined" for r in row("gpt.img", "unpart"))
    # a partition of random bytes: hashed, but its content cannot be examined
    rnd = row("gpt.img", "without a filesystem")[0]
    assert rnd["status"] == "not examined" and "without a key" in rnd["reason"], rnd
    # exFAT is read whole ($FAT1 from the sectors the boot sector names)
    assert all(int(r["bytes"]) == 0 for r in row("exfat.img", "not read completely"))
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    assert html.count("Accounts for the whole evidence") == len(names) + 2, html.count("Accounts for")
    assert "DOES NOT account" not in html


@test
def free_space_profile_counts_deleted_content():
    import random
    d = os.path.join(Ctx.work, "freeprof")
    os.makedirs(os.path.join(d, "src"))
    rng = random.Random(11)
    open(os.path.join(d, "src", "secret.bin"), "wb").write(rng.randbytes(1 << 20))
    open(os.path.join(d, "src", "letter.txt"), "w").write(("dear court, " * 100 + "\n") * 874)
    img = os.path.join(d, "x.img")
    run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-d", os.path.join(d, "src"), img, "16M"])
    # deleted: their blocks are free space again, with their content
    assert run(["debugfs", "-w", "-R", "rm /secret.bin", img]).returncode == 0
    assert run(["debugfs", "-w", "-R", "rm /letter.txt", img]).returncode == 0
    out, _ = scan(img, "--free-space-sample", "100000000", expect=0)
    con = db(out)
    row = con.execute("SELECT free_sampled, free_zero, free_text, free_random, free_high, free_other,"
                      " fs_unalloc_bytes FROM volumes").fetchone()
    con.close()
    sampled, zero, text, rnd, high, other, free = row
    assert sampled * 4096 == free == len(run(["blkls", img]).stdout), row   # every free block, as blkls
    assert 250 <= rnd <= 256, row          # the 256 blocks of the deleted random file (p-value bounds)
    assert text == 256, row                # the 1 MiB letter
    ledger = open(os.path.join(out, "coverage.csv"), encoding="utf-8").read()
    assert "random-looking (encrypted or compressed)" in ledger
    out2, _ = scan(img, "--free-space-sample", "64", expect=0)
    con = db(out2)
    assert con.execute("SELECT free_sampled FROM volumes").fetchone()[0] <= 64
    con.close()


@test
def split_raw_with_a_missing_segment():
    d = os.path.join(Ctx.work, "split-missing")
    os.makedirs(d)
    for seg in ("001", "002", "004"):   # .003 lost
        shutil.copy(os.path.join(Ctx.fx, "gpt-split." + seg), os.path.join(d, "gpt-split." + seg))
    out, _ = scan(os.path.join(d, "gpt-split.001"), expect=1)
    con = db(out)
    ev = con.execute("SELECT segments, size FROM evidence").fetchone()
    errs = [e[0].decode() for e in con.execute("SELECT message FROM errors")]
    con.close()
    assert ev == (2, 32 << 20), ev   # libtsk stops at the gap: the image is short, and says so
    assert any("missing segment gpt-split.003" in e for e in errs), errs


@test
def e01_with_a_missing_segment():
    d = os.path.join(Ctx.work, "e01seg")
    os.makedirs(d)
    run(["ewfacquire", "-q", "-u", "-t", os.path.join(d, "seg"), "-f", "encase6", "-c", "none", "-S", "20MiB",
         os.path.join(Ctx.fx, "mbr.img")])
    assert os.path.exists(os.path.join(d, "seg.E03")), os.listdir(d)
    os.remove(os.path.join(d, "seg.E02"))
    out, p = scan(os.path.join(d, "seg.E01"))
    assert p.returncode == 1, p.returncode
    errs = messages(out)
    assert any("missing segment seg.E02" in e for e in errs), errs


@test
def e01_of_many_segments():
    """An E01 set of more segments than ptriage keeps open at once (64; a
    terabyte acquisition has thousands) and than E01..E99 name (then EAA,
    EAB, ...): every file as fls and icat give it, the media's SHA-256 that
    of the raw image, no error, each segment opened O_NOATIME (none moved
    its access time); a segment missing past E99 named as libewf names it."""
    d = os.path.join(Ctx.work, "e01many")
    os.makedirs(d)
    # past E99 the segments are named EAA, EAB, ... (libewf's scheme)
    disk = os.path.join(d, "disk.img")
    shutil.copy(os.path.join(Ctx.fx, "mbr.img"), disk)
    os.truncate(disk, 104 << 20)
    run(["ewfacquire", "-q", "-u", "-t", os.path.join(d, "m"), "-f", "encase6", "-c", "none", "-S", "1MiB", disk])
    segs = sorted(n for n in os.listdir(d) if n.startswith("m.E"))
    assert len(segs) > 99 and "m.EAA" in segs, segs[-3:]
    for n in segs:
        os.utime(os.path.join(d, n), (1600000000, 1600000000))
    out, p = scan(os.path.join(d, "m.E01"), "--image-hash")
    assert p.returncode == 0, p.stderr
    check_against_tsk(disk, out)
    con = db(out)
    ev = con.execute("SELECT segments, image_sha256 FROM evidence").fetchone()
    errs = con.execute("SELECT message FROM errors WHERE severity = 'error'").fetchall()
    con.close()
    assert ev == (len(segs), sha256_file(disk).encode()), ev
    assert not errs, errs
    # a segment missing past E99 is named by libewf's scheme, not as "E13"
    gone = os.path.join(Ctx.work, "EAB.gone")
    os.rename(os.path.join(d, "m.EAB"), gone)
    try:
        out2, p2 = scan(os.path.join(d, "m.E01"))
        msgs = [m.decode() for m, in db(out2).execute("SELECT message FROM errors WHERE message LIKE '%missing segment%'")]
        assert p2.returncode == 1 and len(msgs) == 1 and msgs[0].startswith("split image is missing segment m.EAB:") \
            and "but " + os.path.join(d, "m.EAC") + " exists" in msgs[0], msgs
    finally:
        os.rename(gone, os.path.join(d, "m.EAB"))
    moved = [n for n in segs if os.stat(os.path.join(d, n)).st_atime != 1600000000]
    assert not moved, moved


@test
def gpt_with_a_damaged_primary_header():
    """A GPT disk whose primary header is damaged (LBA 1 zeroed), or whose
    first 34 sectors are wiped: The Sleuth Kit sees only the protective MBR
    (or nothing), and the partitions are read from the backup header at the
    end of the disk.  The files are fls's and icat's of the intact disk, the
    damage is an error; export and verify find the partitions again.  With
    the backup damaged too, the disk is one volume item, and the error says
    that neither header can be read."""
    whole = os.path.join(Ctx.fx, "gpt.img")
    data = bytearray(open(whole, "rb").read())
    d = os.path.join(Ctx.work, "gpt-damaged")
    os.makedirs(d)
    conf = needs_review_conf(d)
    for name, cut in (("lba1", (512, 1024)), ("wiped", (0, 34 * 512))):
        img = zeroed_copy(data, os.path.join(d, name + ".img"), *cut)
        out, _ = scan(img, "--case", conf, expect=1)
        rows = check_against_tsk(whole, out)
        assert {r["vlabel"] for r in rows} == {"p1", "p2", "p3"}, name
        con = db(out)
        errs = [e[0].decode() for e in con.execute("SELECT message FROM errors WHERE severity = 'error'")]
        vs = con.execute("SELECT volume_system FROM evidence").fetchone()[0]
        ids = [i for (i,) in con.execute("SELECT id FROM items WHERE kind = 'file' AND allocated = 1")]
        con.close()
        # with no MBR left, libtsk itself falls back to the backup header
        assert vs == (b"gpt (backup header)" if name == "lba1" else b"gpt"), vs
        assert len(errs) == 1 and "primary header is damaged (no 'EFI PART' signature at LBA 1" in errs[0] and \
            "from the backup GPT header in the last sector" in errs[0], errs
        export_and_verify(out, ids, os.path.join(d, name + "-export"), conf)
    bad = bytearray(data)
    bad[512:1024] = bytes(512)
    bad[-512:] = bytes(512)
    img = os.path.join(d, "both.img")
    open(img, "wb").write(bad)
    out, _ = scan(img, expect=1)
    errs = messages(out, "error")
    assert any("no GPT header can be read" in e and "no 'EFI PART' signature" in e for e in errs), errs


@test
def mbr_wiped_filesystems_found():
    """An MBR disk whose partition entries are zeroed, or whose 0x55AA
    signature is gone: libtsk finds no volume system.  The filesystems are
    found by their own headers (at 1 MiB boundaries and after each other),
    walked as volumes s2048 and s86016 with the files fls and icat give at
    those offsets of the intact disk; an error says what was done; export
    and verify find them again."""
    whole = os.path.join(Ctx.fx, "mbr.img")
    data = open(whole, "rb").read()
    d = os.path.join(Ctx.work, "mbr-wiped")
    os.makedirs(d)
    conf = needs_review_conf(d)
    for name, cut in (("entries", (446, 510)), ("signature", (510, 512))):
        img = zeroed_copy(data, os.path.join(d, name + ".img"), *cut)
        out, _ = scan(img, "--case", conf, expect=1)
        rows = check_against_tsk(whole, out)
        assert {(r["vlabel"], r["voffset"]) for r in rows if r["vlabel"]} == {("s2048", 2048 * 512),
                                                                               ("s86016", 86016 * 512)}, name
        con = db(out)
        errs = [e[0].decode() for e in con.execute("SELECT message FROM errors WHERE severity = 'error'")]
        ids = [i for (i,) in con.execute("SELECT id FROM items WHERE kind = 'file' AND allocated = 1")]
        con.close()
        assert len(errs) == 1 and "no partition table" in errs[0] and "s2048 (fat32 at sector 2048" in errs[0] \
            and "s86016 (ext4 at sector 86016" in errs[0], errs
        export_and_verify(out, ids, os.path.join(d, name + "-export"), conf)


@test
def ntfs_volume_shadow_copies_are_named():
    """An NTFS volume with a VSS volume header (in $Boot at 0x1e00, as
    Windows lays it out) whose catalog is not there: the files are fls's as
    before, and an error says the snapshots could not be read; with no
    catalog, a note that there are no snapshots.  (Snapshots that are there
    are walked: test_containers.py shadow_copies.)"""
    src = os.path.join(Ctx.fx, "ntfs.img")
    d = os.path.join(Ctx.work, "vss")
    os.makedirs(d)
    for name, catalog, want, code in (
            ("vss.img", 0x140000, "holds Volume Shadow Copies that could not be read (shadow copy catalog", 1),
            ("vss-empty.img", 0, "no catalog: no snapshots", 0)):
        data = bytearray(open(src, "rb").read())
        h = bytearray(64)
        h[0:16] = bytes.fromhex("6b87083876c1484eb7ae04046e6cc752")
        struct.pack_into("<IIQ", h, 16, 1, 1, 0x1e00)
        struct.pack_into("<Q", h, 0x30, catalog)
        data[0x1e00:0x1e40] = h
        img = os.path.join(d, name)
        open(img, "wb").write(bytes(data))
        out, _ = scan(img, expect=code)
        check_against_tsk(img, out)
        notes = messages(out, "error" if code else "note")
        assert any(want in n for n in notes), notes


@test
def windows_owners():
    """NTFS owners are the SIDs of the files' security descriptors; the SAM
    hive names local accounts, the SOFTWARE hive's ProfileList every profile
    (domain accounts too), and Windows names its own (SYSTEM,
    TrustedInstaller, ...).  The SID of each file is checked against
    istat's; an unnamed SID stays as it is; a volume whose $Secure libtsk
    cannot index (mkntfs's own, before 40 descriptors) has no owners, without
    errors; a second evidence item does not borrow the first's names."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import mkhive
    import ntfsowners
    d = os.path.join(Ctx.work, "owners")
    os.makedirs(d)
    dom = "S-1-5-21-3623811015-3361044348-30300820-"
    pl = "Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\"
    hive = os.path.join(d, "SOFTWARE")
    mkhive.make_tree(hive, {"Microsoft\\Windows NT\\CurrentVersion": {"ProductName": "Windows Server 2019 Standard"},
                            pl + dom + "1001": {"ProfileImagePath": "C:\\Users\\alice"},
                            pl + dom + "1002": {"ProfileImagePath": "C:\\Users\\bob.CORP"},
                            pl + "S-1-5-18": {"ProfileImagePath": "%systemroot%\\system32\\config\\systemprofile"}})
    # the local accounts: the machine SID ends SAM's Account\V; each name's default value has its RID as type
    sam = os.path.join(d, "SAM")
    v = bytes(40) + ntfsowners.sid_bytes(dom.rstrip("-"))
    names = "SAM\\Domains\\Account\\Users\\Names\\"
    mkhive.make_tree(sam, {"SAM\\Domains\\Account": {"V": "hex:3:" + ",".join("%02x" % b for b in v)},
                           names + "Administrator": {"@": "hex:500:"}, names + "svc_backup": {"@": "hex:1003:"},
                           names + "alice": {"@": "hex:1001:"}})
    img = os.path.join(d, "win.img")
    run(["truncate", "-s", "32M", img])
    assert run(["mkntfs", "-q", "-F", "-f", img]).returncode == 0
    ntfsowners.mkdirs(img, ["Windows", "Windows/System32", "Windows/System32/config", "Users", "Users/alice",
                            "Users/bob.CORP", "pad"])
    src = os.path.join(d, "f.txt")
    open(src, "w").write("private\n")
    files = {"Users/alice/letter.txt": dom + "1001", "Users/bob.CORP/notes.txt": dom + "1002",
             "Users/alice/shared.txt": dom + "1003", "Windows/System32/config/SOFTWARE": "S-1-5-18",
             "Windows/System32": "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"}
    for i in range(40):     # enough descriptors for $SII's index allocation, as on Windows
        files["pad/p%02d.txt" % i] = dom + str(5000 + i)
    files["Windows/System32/config/SAM"] = "S-1-5-18"
    for path in files:
        if not path.startswith("Windows/System32") or path.endswith(("SOFTWARE", "SAM")):
            what = hive if path.endswith("SOFTWARE") else sam if path.endswith("SAM") else src
            assert run(["ntfscp", "-q", img, what, path]).returncode == 0
    ntfsowners.set_owners(img, files)
    out, _ = scan(img, expect=0)
    con = db(out)
    owner = {r[0].decode(): (r[1] or b"").decode() for r in con.execute("SELECT path, owner FROM items")}
    want = {"Users/alice/letter.txt": "alice", "Users/bob.CORP/notes.txt": "bob.CORP",
            "Users/alice/shared.txt": "svc_backup", "Windows/System32/config/SOFTWARE": "SYSTEM",
            "Windows/System32": "TrustedInstaller", "pad/p07.txt": dom + "5007"}
    for path, name in want.items():
        assert owner["/" + path] == name, (path, owner["/" + path])
    # every file's owner is the SID istat reads (none where libtsk cannot
    # resolve the descriptor), named where the hive or Windows names it
    names = {dom + "1001": "alice", dom + "1002": "bob.CORP", dom + "1003": "svc_backup", "S-1-5-18": "SYSTEM",
             "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464": "TrustedInstaller"}
    resolved = 0
    for path, sid in files.items():
        ist = run(["istat", img, run(["ifind", "-n", path, img]).stdout.decode().strip()]).stdout.decode()
        got = ist.split("Security ID: ")[1].split("\n")[0].split("(")[1].rstrip(")")
        assert got in (sid, ""), (path, got, sid)
        assert owner["/" + path] == (names.get(got, got) if got else ""), (path, got, owner["/" + path])
        resolved += got != ""
    assert resolved >= 20, resolved
    notes = messages(out, "note")
    assert any("named from this volume's SAM and SOFTWARE hives" in n and "alice = " + dom + "1001" in n and
               "svc_backup = " + dom + "1003" in n for n in notes), notes
    assert not messages(out, "error"), messages(out, "error")
    # a volume libtsk cannot read owners from: none, and no error
    out2, _ = scan(os.path.join(Ctx.fx, "ntfs.img"), expect=0)
    assert not [r for r in db(out2).execute("SELECT owner FROM items WHERE owner IS NOT NULL "
                                           "AND owner NOT IN ('Administrators', 'SYSTEM')")]
    # two evidence items: the second (no hive) names only Windows' own SIDs
    img2 = os.path.join(d, "data.img")
    run(["truncate", "-s", "16M", img2])
    assert run(["mkntfs", "-q", "-F", "-f", img2]).returncode == 0
    pads = {"p%02d.txt" % i: dom + str(1001 if i == 0 else 6000 + i) for i in range(40)}
    for p in pads:
        run(["ntfscp", "-q", img2, src, p])
    ntfsowners.set_owners(img2, pads)
    out3, _ = scan([img, img2], expect=0)
    rows = {(r[0].decode(), r[1].decode()): (r[2] or b"").decode() for r in db(out3).execute(
        "SELECT e.label, i.path, i.owner FROM items i JOIN evidence e ON e.id = i.evidence_id")}
    assert rows[("win.img", "/Users/alice/letter.txt")] == "alice"
    assert rows[("data.img", "/p00.txt")] == dom + "1001", rows[("data.img", "/p00.txt")]
    # damaged hives (the suspect's bytes): no names from them, no crash, the scan goes on
    for path in ("Windows/System32/config/SAM", "Windows/System32/config/SOFTWARE"):
        ino = run(["ifind", "-n", path, img]).stdout.decode().strip()
        for run_ in run(["istat", img, ino]).stdout.decode().split("$DATA")[1].split("\n")[1:3]:
            for cl in run_.split():
                with open(img, "r+b") as f:
                    f.seek(int(cl) * 4096 + 4096 // 3)
                    f.write(b"\xa5" * 700)
    out4, _ = scan(img, expect=0)
    got = {r[0].decode(): (r[1] or b"").decode() for r in db(out4).execute("SELECT path, owner FROM items")}
    assert got["/Users/alice/shared.txt"] in ("svc_backup", dom + "1003"), got["/Users/alice/shared.txt"]


@test
def recycle_bin_and_trash_records():
    """Windows' recycle bin on NTFS ($Recycle.Bin) and on a FAT32 stick
    ($RECYCLE.BIN): each $R file gets a note with where it was deleted
    from, when and its size, from the $I record beside it (version 1, Vista
    to 8.1, and version 2, Windows 10); a $R without its $I, or with a
    damaged one, gets none.  With a policy they are the user's: private
    (rules/default.yar says so, with its reason; NTFS metadata stays system).
    Windows XP's RECYCLER gets it from INFO2, a Linux desktop's trash from
    its .trashinfo."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import ntfsowners
    d = os.path.join(Ctx.work, "recycle")
    sid = "S-1-5-21-3623811015-3361044348-30300820-1001"
    ft = 134100000000000000       # 2025-12-12 08:00:00 UTC

    def rec(version, path, size):
        u = path.encode("utf-16-le")
        if version == 1:
            return struct.pack("<QQQ", 1, size, ft) + u.ljust(520, b"\0")
        return struct.pack("<QQQI", 2, size, ft, len(path) + 1) + u + b"\0\0"
    files = {"$RAB12CD.docx": b"PK\3\4 report", "$IAB12CD.docx": rec(2, "C:\\Users\\alice\\Documents\\report.docx", 1234),
             "$R0V1OLD.txt": b"old letter\n", "$I0V1OLD.txt": rec(1, "C:\\Users\\alice\\letter.txt", 11),
             "$RNOI.txt": b"no record\n", "$RBAD.txt": b"bad record\n", "$IBAD.txt": b"\7" * 40}
    src = os.path.join(d, "src", "$RECYCLE.BIN", sid)
    os.makedirs(src)
    for name, data in files.items():
        open(os.path.join(src, name), "wb").write(data)
    ntfs = os.path.join(d, "ntfs.img")
    run(["truncate", "-s", "16M", ntfs])
    assert run(["mkntfs", "-q", "-F", "-f", ntfs]).returncode == 0
    ntfsowners.mkdirs(ntfs, ["$Recycle.Bin", "$Recycle.Bin/" + sid])
    for name in files:
        assert run(["ntfscp", "-q", ntfs, os.path.join(src, name), "$Recycle.Bin/%s/%s" % (sid, name)]).returncode == 0
    fat = os.path.join(d, "fat.img")
    assert run(["mkfs.vfat", "-C", "-F", "32", fat, "40000"]).returncode == 0
    assert run(["mcopy", "-s", "-i", fat, os.path.join(d, "src", "$RECYCLE.BIN"), "::/"]).returncode == 0
    conf = os.path.join(d, "c.conf")
    open(conf, "w").write("[policy]\n")
    for img, binname in ((ntfs, "$Recycle.Bin"), (fat, "$RECYCLE.BIN")):
        out, _ = scan(img, "--case", conf, "--rules", os.path.join(ROOT, "rules", "default.yar"), expect=0)
        check_against_tsk(img, out)
        rows = {r[0].decode(): ((r[1] or b"").decode(), r[2].decode()) for r in db(out).execute(
            "SELECT path, error, disposition FROM items WHERE path LIKE '%/$R%'")}
        why = {r[0].decode(): r[1].decode() for r in db(out).execute("SELECT path, reason FROM items")}
        assert "windows_recycle_bin" in why["/%s/%s/$RAB12CD.docx" % (binname, sid)], why
        if img == ntfs:
            assert "filesystem_metadata" in why["/$MFT"], why["/$MFT"]
        base = "/%s/%s/" % (binname, sid)
        assert rows[base + "$RAB12CD.docx"][0] == \
            "recycle bin: deleted from C:\\Users\\alice\\Documents\\report.docx at 2025-12-12 08:00:00 UTC " \
            "(1234 bytes), as its record $IAB12CD.docx says", rows
        assert "deleted from C:\\Users\\alice\\letter.txt at 2025-12-12 08:00:00 UTC (11 bytes)" in \
            rows[base + "$R0V1OLD.txt"][0], rows
        assert rows[base + "$RNOI.txt"][0] == "" and rows[base + "$RBAD.txt"][0] == "", rows
        assert {v[1] for k, v in rows.items() if k.startswith(base)} == {"private"}, rows
    # Windows XP / Server 2003: RECYCLER\<SID>\Dc1.xls, record 1 of the INFO2 beside it (800-byte records)
    xsrc = os.path.join(d, "xsrc", "RECYCLER", sid)
    os.makedirs(xsrc)
    open(os.path.join(xsrc, "Dc1.xls"), "wb").write(b"\xd0\xcf\x11\xe0 xls")
    wide = "C:\\Documents and Settings\\alice\\q1.xls"
    rec = (b"C:\\OLD.XLS".ljust(260, b"\0") + struct.pack("<IIQI", 1, 2, ft, 4096) +
           wide.encode("utf-16-le").ljust(520, b"\0"))
    open(os.path.join(xsrc, "INFO2"), "wb").write(struct.pack("<IIIII", 5, 0, 0, 800, 0) + rec)
    xp = os.path.join(d, "xp.img")
    assert run(["mkfs.vfat", "-C", "-F", "32", xp, "40000"]).returncode == 0
    assert run(["mcopy", "-s", "-i", xp, os.path.join(d, "xsrc", "RECYCLER"), "::/"]).returncode == 0
    out, _ = scan(xp, "--case", conf, "--rules", os.path.join(ROOT, "rules", "default.yar"), expect=0)
    row = db(out).execute("SELECT error, disposition FROM items WHERE path = ?",
                          ("/RECYCLER/%s/Dc1.xls" % sid,)).fetchone()
    assert row[0].decode() == "recycle bin: deleted from C:\\Documents and Settings\\alice\\q1.xls at " \
        "2025-12-12 08:00:00 UTC (4096 bytes), as its record INFO2 says" and row[1] == b"private", row
    # a Linux desktop's trash (freedesktop.org): files/NAME beside info/NAME.trashinfo
    tsrc = os.path.join(d, "tsrc")
    trash = os.path.join(tsrc, "home", "alice", ".local", "share", "Trash")
    os.makedirs(os.path.join(trash, "files"))
    os.makedirs(os.path.join(trash, "info"))
    open(os.path.join(trash, "files", "report 2.odt"), "wb").write(b"PK\3\4 odt")
    open(os.path.join(trash, "info", "report 2.odt.trashinfo"), "w").write(
        "[Trash Info]\nPath=/home/alice/Documents/report%202.odt\nDeletionDate=2025-12-12T08:00:00\n")
    ext = os.path.join(d, "ext.img")
    assert run(["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-d", tsrc, ext, "4M"]).returncode == 0
    out, _ = scan(ext, "--case", conf, expect=0)
    check_against_tsk(ext, out)
    row = db(out).execute("SELECT error, disposition FROM items WHERE path = ?",
                          ("/home/alice/.local/share/Trash/files/report 2.odt",)).fetchone()
    assert row[0].decode() == "trash: deleted from /home/alice/Documents/report 2.odt at 2025-12-12T08:00:00 (the " \
        "machine's local time), as its record report 2.odt.trashinfo says" and row[1] == b"private", row


@test
def ntfs_reparse_points():
    """Windows 10/11 "Compact OS" (WOF) files: the unnamed $DATA is sparse,
    the content is in XPRESS or LZX chunks in WofCompressedData, which
    libtsk does not decode (icat gives zeros).  Each of the four algorithms,
    a file of text, incompressible chunks stored as is and a short last
    chunk, over 1 MiB (read in several calls), reads as its source: SHA-256,
    export and verify; the stream itself is named, not `suspected`.  A
    WIMBoot file (content in an external WIM) and a damaged chunk table are
    errors that say so, with no hash; so are files whose content a filter
    keeps elsewhere (a OneDrive placeholder, Data Deduplication), which
    icat reads as zeros.  An unknown tag over sparse data is a note."""
    d = os.path.join(Ctx.work, "wof")
    os.makedirs(d)
    rng = random.Random(20261206)
    words = b"ledger invoice account transfer meeting server backup kernel".split()
    text = b" ".join(rng.choice(words) for _ in range(40000))
    src = os.path.join(d, "src.bin")
    with open(src, "wb") as f:   # text, 9000 random bytes (chunks that do not shrink), text again
        f.write(text[:150000] + rng.randbytes(9000) + text[:1200000] + b"end")
    want = sha256_file(src)
    img = os.path.join(d, "ntfs.img")
    run(["truncate", "-s", "48M", img])
    p = run(["mkntfs", "-q", "-F", "-f", "-U", img])
    assert p.returncode == 0, p.stderr
    mk = os.path.join(ROOT, "tests", "fixtures", "ntfsreparse.py")
    algs = ("xpress4k", "lzx", "xpress8k", "xpress16k")
    for args in [("wof", img, src, f"/{a}.bin", a) for a in algs] + [
            ("wimboot", img, "300000", "/wimboot.bin"),
            ("placeholder", img, "200000", "/cloud.docx", "0x9000601A"),      # OneDrive, not downloaded
            ("placeholder", img, "200000", "/dedup.vhdx", "0x80000013"),      # Windows Server deduplication
            ("placeholder", img, "200000", "/other.bin", "0x0000ABCD"),       # a tag nobody documents
            ("placeholder", img, "200000", "/link.bin", "0xA000000C")]:      # a symbolic link's tag
        p = run([sys.executable, mk, *args])
        assert p.returncode == 0, p.stderr
    out, _ = scan(img, "--case", needs_review_conf(d), expect=1)
    rows = items(out)
    assert sorted(as_fls(r["path"]) for r in rows if r["kind"] != "volume") == fls_paths(img)
    by = {r["path"]: r for r in rows}
    for alg in algs:
        r = by[f"/{alg}.bin"]
        assert r["size"] == os.path.getsize(src) and r["sha256"] == want, (alg, r["sha256"], r["error"])
        assert f"system-compressed file (WOF {alg.upper()}" in r["error"], r["error"]
        assert icat_hashes(img, None, str(r["inode"]))[0] != want   # what libtsk alone gives
        st = by[f"/{alg}.bin:WofCompressedData"]
        assert st["encryption"] == "none" and "system compression (WOF)" in st["encryption_reason"], st
    w = by["/wimboot.bin"]
    assert w["sha256"] is None and "WIMBoot file" in w["error"] and "data source 3" in w["error"], w
    # placeholders: libtsk reads their sparse $DATA as zeros, which are not their content
    for name, what in (("/cloud.docx", "OneDrive / cloud files placeholder"), ("/dedup.vhdx", "Data Deduplication")):
        r = by[name]
        assert icat_hashes(img, None, str(r["inode"]))[0] == hashlib.sha256(bytes(200000)).hexdigest()
        assert r["sha256"] is None and what in r["error"] and "none of its 200000 bytes are stored" in r["error"], r
        assert r["error_severity"] == "error"
    zeros = hashlib.sha256(bytes(200000)).hexdigest()
    r = by["/other.bin"]
    assert r["sha256"] == zeros and "tag 0x0000ABCD (not known)" in r["error"] and r["error_severity"] == "note", r
    assert by["/link.bin"]["sha256"] == zeros and not by["/link.bin"]["error"], by["/link.bin"]
    export_and_verify(out, [by[f"/{a}.bin"]["id"] for a in algs], os.path.join(d, "x"), os.path.join(d, "nr.conf"))

    # the chunk table of the XPRESS4K file: its fifth entry points past the stream
    comp = run(["icat", img, "%d-128-%d" % (by["/xpress4k.bin"]["inode"], by["/xpress4k.bin:WofCompressedData"]
                                             ["attr_id"])]).stdout
    data = bytearray(open(img, "rb").read())
    at = data.find(comp[:4096])
    assert at > 0 and data.count(comp[:4096]) == 1
    struct.pack_into("<I", data, at + 16, 0x7fffffff)
    bad = os.path.join(d, "bad.img")
    open(bad, "wb").write(bytes(data))
    out, _ = scan(bad, expect=1)
    r = {r["path"]: r for r in items(out)}["/xpress4k.bin"]
    assert r["sha256"] is None and "chunk table is damaged at chunk 4 of" in r["error"], r["error"]


@test
def image_named_by_a_later_segment():
    """Evidence named by its .003 (or .E02) file, as an examiner may click
    any segment: the image is read whole from its first segment, with a
    note, never as a disk of one segment; export and verify read it again."""
    whole = os.path.join(Ctx.fx, "gpt.img")
    later = os.path.join(Ctx.fx, "gpt-split.003")
    out, _ = scan(later, expect=0)
    rows = check_against_tsk(whole, out)
    assert {r["vlabel"] for r in rows} == {"p1", "p2", "p3"}
    con = db(out)
    ev = con.execute("SELECT path, segments, size FROM evidence").fetchone()
    notes = [e[0].decode() for e in con.execute("SELECT message FROM errors WHERE severity = 'note'")]
    con.close()
    assert ev == (later.encode(), 4, 64 * 1048576), ev
    assert any("segment 3 of a split image" in n and "'%s'" % os.path.join(Ctx.fx, "gpt-split.001") in n
               for n in notes), notes
    v = run([PT, "verify", out, "--evidence"])
    assert v.returncode == 0, v.stdout + v.stderr
    d = os.path.join(Ctx.work, "e01later")
    os.makedirs(d)
    run(["ewfacquire", "-q", "-u", "-t", os.path.join(d, "seg"), "-f", "encase6", "-c", "none", "-S", "20MiB",
         os.path.join(Ctx.fx, "mbr.img")])
    out, _ = scan(os.path.join(d, "seg.E02"), expect=0)
    check_against_tsk(os.path.join(Ctx.fx, "mbr.img"), out)
    notes = messages(out, "note")
    assert any("is segment 2 of an EWF image" in n for n in notes), notes


@test
def image_sets_in_a_directory():
    """A directory of acquired images given as evidence, as a lab hands them
    over: an E01 set is opened by its first segment (libewf finds the others
    beside it), a split raw image by its .001 file; each partition lists
    what fls lists of the raw disk and its files hash like icat's; the other
    E01 segments get a note; a set with a segment that links out of the
    tree is refused; export and verify read the sets again."""
    mbr = os.path.join(Ctx.fx, "mbr.img")
    d = os.path.join(Ctx.work, "lab")
    outside = os.path.join(Ctx.work, "lab-outside")
    os.makedirs(os.path.join(d, "hdd1"))
    os.makedirs(os.path.join(d, "odd"))
    os.makedirs(outside)
    for target in (os.path.join(d, "hdd1", "disk"), os.path.join(outside, "x")):
        p = run(["ewfacquire", "-q", "-u", "-t", target, "-f", "encase6", "-c", "none", "-S", "20MiB", mbr])
        assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(os.path.join(d, "hdd1")))[:3] == ["disk.E01", "disk.E02", "disk.E03"]
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("chain of custody: hdd1 received 2026-11-30\n")
    os.makedirs(os.path.join(d, "hdd2"))
    for n in range(1, 5):
        shutil.copy(os.path.join(Ctx.fx, "gpt-split.%03d" % n), os.path.join(d, "hdd2", "disk.%03d" % n))
    shutil.copy(os.path.join(outside, "x.E01"), os.path.join(d, "odd", "x.E01"))
    os.symlink(os.path.join(outside, "x.E02"), os.path.join(d, "odd", "x.E02"))
    conf = os.path.join(Ctx.work, "lab.conf")
    with open(conf, "w") as f:
        f.write("[policy]\nunmatched_user = needs-review\nunmatched_other = needs-review\n")
    before = {n: sha256_file(os.path.join(d, "hdd1", n)) for n in os.listdir(os.path.join(d, "hdd1"))}
    out, p = scan(d, "--case", conf, expect=1)
    rows = items(out)
    mm = [l.split() for l in run(["mmls", mbr]).stdout.decode().splitlines() if re.match(r"^\d{3}:\s+\d", l)]
    starts = [int(f[2]) for f in mm]
    prefix = "/hdd1/disk.E01!"
    checked = 0
    for n, start in enumerate(starts, 1):
        label = f"{prefix}p{n}"
        ours = sorted(r["path"][len(label):] for r in rows if r["vlabel"] == label and r["kind"] != "volume")
        assert ours == fls_paths(mbr, start), (label, ours[:5])
        for r in rows:
            if r["vlabel"] == label and r["allocated"] == 1 and r["kind"] == "file":
                assert r["sha256"] == icat_hashes(mbr, start, str(r["inode"]))[0], r["path"]
                checked += 1
    assert checked > 0
    gpt = os.path.join(Ctx.fx, "gpt.img")
    mm = [l.split() for l in run(["mmls", gpt]).stdout.decode().splitlines() if re.match(r"^\d{3}:\s+\d", l)]
    walked = 0
    for n, start in enumerate([int(f[2]) for f in mm], 1):
        label = f"/hdd2/disk.001!p{n}"
        ours = sorted(r["path"][len(label):] for r in rows if r["vlabel"] == label and r["kind"] != "volume")
        if ours:
            assert ours == fls_paths(gpt, start), (label, ours[:5])
            walked += 1
    assert walked >= 2, walked
    con = db(out)
    errs = {(e[0].decode(), e[1].decode()) for e in con.execute("SELECT location, message FROM errors")}
    assert ("/hdd2/disk.001", "split raw image of 4 files, 67108864 bytes (files of the evidence)") in errs, errs
    assert not any(l.startswith("/hdd2/") and "extends past the end" in m for l, m in errs), errs
    vol = con.execute("SELECT container FROM volumes WHERE label = ?", (prefix + "p1",)).fetchone()
    con.close()
    assert any(l == "/hdd1/disk.E02" and "segment 2 of an EWF image" in m for l, m in errs), errs
    assert any(l == "/odd/x.E01" and "not a regular file of the tree" in m for l, m in errs), errs
    assert vol and vol[0] == b"ewf", vol
    ids = [r["id"] for r in rows if r["vlabel"] in (prefix + "p2", "/hdd2/disk.001!p1") and r["kind"] == "file"
           and r["allocated"] == 1][:6]
    export_and_verify(out, ids, os.path.join(Ctx.work, "lab-export"), conf)
    assert before == {n: sha256_file(os.path.join(d, "hdd1", n)) for n in os.listdir(os.path.join(d, "hdd1"))}


@test
def hash_only_mode():
    """--hash-only: the same names and hashes as fls and icat (MD5 on the
    helper thread, big.bin's 101 MiB in parallel blocks), nothing typed,
    no archive expanded; rules are refused before anything is read."""
    img = os.path.join(Ctx.fx, "ext4.img")
    out, _ = scan(img, "--hash-only", "--hash", "sha256,md5", expect=0)
    rows = check_against_tsk(img, out, check_md5=True)
    assert not any(r["mime"] or r["encryption"] for r in rows), [r["path"] for r in rows if r["mime"]][:5]
    con = db(out)
    assert con.execute("SELECT count(*) FROM items WHERE parent_id IS NOT NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM run WHERE options LIKE '%hash_only=yes%'").fetchone()[0] == 1
    con.close()
    out2, p = scan(img, "--hash-only", "--rules", os.path.join(os.path.dirname(__file__), "..", "..", "rules"),
                   expect=2)
    assert b"--hash-only" in p.stderr and not os.path.exists(out2), p.stderr


@test
def very_long_names_and_paths():
    src = os.path.join(Ctx.work, "longsrc")
    os.makedirs(src)
    fd = os.open(src, os.O_RDONLY)
    for i in range(20):                  # a path of more than 4,096 bytes, built relative to each level
        name = ("d%02d" % i) + "x" * 250
        os.mkdir(name, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        if i == 4:                       # the longest name ext4 allows (mkfs -d copies files only this deep)
            wfd = os.open("n" * 255, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(wfd, b"deep\n")
            os.close(wfd)
    os.close(fd)
    img = os.path.join(Ctx.work, "long.img")
    run(["mkfs.ext4", "-q", "-F", "-d", src, img, "8M"])
    out, _ = scan(img, expect=0)
    rows = check_against_tsk(img, out, past_tsk_limit=True)  # every path fls lists, past 4,096 bytes too
    assert max(len(r["path"].encode()) for r in rows) > 4096
    deepest = "/" + "/".join(("d%02d" % i) + "x" * 250 for i in range(20))
    assert any(r["path"] == deepest for r in rows), "the 20th level, past libtsk's path buffer, is not listed"
    f = [r for r in rows if r["path"].endswith("/" + "n" * 255)]
    assert len(f) == 1 and f[0]["sha256"] == hashlib.sha256(b"deep\n").hexdigest(), f


@test
def size_claims_beyond_the_filesystem():
    src = os.path.join(Ctx.work, "sparsesrc")
    os.makedirs(src)
    with open(os.path.join(src, "huge.sparse"), "wb") as f:
        f.truncate(1 << 40)              # 1 TB apparent size on a 16 MiB filesystem
    with open(os.path.join(src, "small.txt"), "w") as f:
        f.write("hi\n")
    img = os.path.join(Ctx.work, "sparse.img")
    run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src, img, "16M"])
    out, _ = scan(img, expect=1)         # completes at once instead of hashing 1 TB of holes
    by = {r["path"]: r for r in items(out)}
    assert by["/huge.sparse"]["size"] == 1 << 40 and by["/huge.sparse"]["sha256"] is None
    assert "more than the filesystem holds" in by["/huge.sparse"]["error"]
    assert by["/small.txt"]["sha256"] == hashlib.sha256(b"hi\n").hexdigest()
    # the examiner can raise the bound; here, lower it to see it applied
    out2, _ = scan(os.path.join(Ctx.fx, "ext4.img"), "--max-item-size", "1000000", expect=1)
    by2 = {r["path"]: r for r in items(out2)}
    assert by2["/big.bin"]["sha256"] is None and "--max-item-size" in by2["/big.bin"]["error"]
    assert by2["/hello.txt"]["sha256"]


@test
def sha256sums_and_verify():
    out, _ = scan(os.path.join(Ctx.fx, "fat.img"), expect=0)
    names = sorted(l.split("  ", 1)[1].strip() for l in open(os.path.join(out, "SHA256SUMS")))
    assert names == ["case.db", "court-manifest.csv", "coverage.csv", "manifest.csv", "manifest.dfxml", "manifest.jsonl",
                     "pseudonym.key", "report.html", "scan.log"], names
    p = run(["sha256sum", "-c", "SHA256SUMS"], cwd=out)      # the standard tool agrees
    assert p.returncode == 0, p.stdout
    p = run([PT, "verify", out])
    assert p.returncode == 0 and b"OK" in p.stdout, p.stdout
    with open(os.path.join(out, "manifest.csv"), "ab") as f:
        f.write(b"tampered\n")
    p = run([PT, "verify", out])
    assert p.returncode == 1 and b"manifest.csv: SHA-256 differs" in p.stdout, p.stdout
    os.remove(os.path.join(out, "manifest.csv"))
    assert run([PT, "report", out]).returncode == 0     # regenerates the manifest and the sums
    assert run([PT, "verify", out]).returncode == 0
    assert run([PT, "verify", os.path.join(Ctx.work, "nope")]).returncode == 2


def tree_names(root):
    """Every name under root (no link followed), relative to it.  Listing
    reads the directories, so take times (tree_state) before this."""
    names = []
    for dp, dns, fns in os.walk(root):
        names += [os.path.relpath(os.path.join(dp, n), root) for n in [""] + dns + fns]
    return sorted(names)


def tree_state(root, names):
    """Each name's type, mode, size, content hash, mtime, ctime and atime:
    what 'unchanged' means here.  Reads nothing without O_NOATIME."""
    state = {}
    for n in names:
        p = os.path.join(root, n)
        st = os.lstat(p)
        h = sha256_noatime(p) if stat_isreg(st) else None
        state[n] = (st.st_mode, st.st_size, h, st.st_mtime_ns, st.st_ctime_ns, st.st_atime_ns)
    return state


def sha256_noatime(path):
    """The test's own reads must not move the access times it checks."""
    fd = os.open(path, os.O_RDONLY | os.O_NOATIME)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def stat_isreg(st):
    return (st.st_mode & 0o170000) == 0o100000


# What a read-only process may do to a file or directory (strace -y shows the
# path of each descriptor); any other call on evidence is a failure.
READ_ONLY_CALLS = {"open", "openat", "stat", "lstat", "newfstatat", "fstat", "statx", "lseek", "read", "pread64",
                   "readv", "preadv", "preadv2", "getdents64", "close", "readlink", "readlinkat", "access",
                   "faccessat", "faccessat2", "fadvise64", "statfs", "fstatfs", "getxattr", "lgetxattr",
                   "fgetxattr", "listxattr", "llistxattr", "flistxattr", "mmap", "munmap", "dup", "dup2", "dup3",
                   "fcntl", "ioctl"}


def evidence_calls(trace, ev_root):
    """(syscall, line) for every traced call that names a path under ev_root."""
    calls = []
    for line in open(trace, encoding="utf-8", errors="replace"):
        m = re.match(r"^(?:\[pid +\d+\] |\d+ +)?([a-z0-9_]+)\(", line)
        if m and m.group(1) != "execve" and ev_root in line:
            calls.append((m.group(1), line.rstrip()))
    return calls


@test
def evidence_is_read_only():
    """Scan, export and verify --evidence of raw, split raw, E01 and
    directory evidence, under strace: every call on evidence is a read, no
    descriptor on it is writable, no lock is taken; afterwards every file
    and directory has the same content, mode, mtime and ctime, nothing was
    created, and the access times of raw images and of directory evidence
    are unchanged, E01 segments' too (O_NOATIME; libewf reads the segments
    through ptriage's own descriptors)."""
    ev = os.path.join(Ctx.work, "ro-evidence")
    os.makedirs(ev)
    for n in ("ext4.img", "mbr.E01") + tuple(n for n in os.listdir(Ctx.fx) if n.startswith("gpt-split.")):
        shutil.copyfile(os.path.join(Ctx.fx, n), os.path.join(ev, n))
    shutil.copytree(os.path.join(Ctx.fx, "src"), os.path.join(ev, "src"), symlinks=True)
    # atime = mtime, years old: under relatime any plain read would move it
    names = tree_names(ev)
    split = [n for n in names if n.startswith("gpt-split.")][0]
    for n in names:
        if not os.path.islink(os.path.join(ev, n)):
            os.utime(os.path.join(ev, n), (1600000000, 1600000000))
    before = tree_state(ev, names)
    out = os.path.join(Ctx.work, "ro-out")
    exp = os.path.join(Ctx.work, "ro-export")
    trace = os.path.join(Ctx.work, "ro-%s.strace")

    # LeakSanitizer cannot work under ptrace: the other tests look for leaks
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")

    def traced(tag, *args):
        p = run(["strace", "-f", "-y", "-qq", "-o", trace % tag, "-e", "trace=%file,%desc,flock", PT, *args], env=env)
        return p
    rules = os.path.join(Ctx.work, "ro-all.yar")
    with open(rules, "w") as f:
        f.write('rule everything { meta: disposition = "relevant" condition: true }\n')
    p = traced("scan", "scan", os.path.join(ev, "ext4.img"), os.path.join(ev, split), os.path.join(ev, "mbr.E01"),
               os.path.join(ev, "src"), "-o", out, "--quiet", "--image-hash", "--rules", rules)
    assert p.returncode in (0, 1), p.stderr[-2000:]
    ids = [str(i) for (i,) in sqlite3.connect(os.path.join(out, "case.db")).execute(
        "SELECT id FROM items WHERE sha256 IS NOT NULL AND disposition = 'relevant'")]
    assert len(ids) > 40, len(ids)
    p = traced("export", "export", out, "--to", exp)    # NTFS index attributes have no hash: refused, exit 1
    assert p.returncode in (0, 1), p.stderr[-2000:]
    with open(os.path.join(exp, "receipt.csv"), newline="", encoding="utf-8") as f:
        assert sum(r["status"] == "exported, hash verified" for r in csv.DictReader(f)) == len(ids)
    p = traced("verify", "verify", out, "--export", exp, "--evidence")
    assert p.returncode == 0, p.stdout[-2000:]
    bad = []
    opened = 0
    for tag in ("scan", "export", "verify"):
        for call, line in evidence_calls(trace % tag, ev):
            if call not in READ_ONLY_CALLS:
                bad.append(line)
            elif call in ("open", "openat"):
                opened += 1
                if re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND", line):
                    bad.append(line)
            elif call == "fcntl" and re.search(r"F_SETLK|F_SETLKW|F_OFD_SETLK|F_SETFL", line):
                bad.append(line)
            elif call == "mmap" and "PROT_WRITE" in line and "MAP_SHARED" in line:
                bad.append(line)
            elif call == "ioctl" and not re.search(r"BLKGETSIZE|BLKSSZGET|TCGETS|FIONREAD", line):
                bad.append(line)
    assert opened > 50, opened
    assert not bad, "\n".join(bad[:10])
    after = tree_state(ev, names)
    assert tree_names(ev) == names, set(tree_names(ev)) ^ set(names)
    changed = []
    for k, (mode, size, h, mt, ct, at) in before.items():
        mode2, size2, h2, mt2, ct2, at2 = after[k]
        if (mode, size, h, mt, ct) != (mode2, size2, h2, mt2, ct2):
            changed.append(k)
        elif at != at2:
            changed.append(k + " (access time)")
    assert not changed, changed


# Evidence must be byte-identical after every test above: hashed first and last.
EVIDENCE_HASHES = {}


def hash_evidence():
    return {n: sha256_file(os.path.join(Ctx.fx, n)) for n in sorted(os.listdir(Ctx.fx))
            if os.path.isfile(os.path.join(Ctx.fx, n))}


@test
def evidence_never_changed():
    assert EVIDENCE_HASHES and hash_evidence() == EVIDENCE_HASHES


def main():
    Ctx.work = tempfile.mkdtemp(prefix="ptriage-e2e-")
    Ctx.fx = os.environ.get("FIXTURES")
    made = False
    try:
        if not Ctx.fx:
            Ctx.fx = os.path.join(Ctx.work, "fx")
            p = run(["bash", os.path.join(ROOT, "tests/fixtures/mkimages.sh"), Ctx.fx])
            if p.returncode != 0:
                print("not ok 1 - fixtures\n# " + p.stderr.decode("utf-8", "replace").replace("\n", "\n# "))
                return 1
            made = True
        EVIDENCE_HASHES.update(hash_evidence())
        failed = 0
        for i, t in enumerate(TESTS, 1):
            try:
                t()
                print(f"ok {i} - e2e {t.__name__}")
            except Exception as e:  # report and go on
                failed += 1
                print(f"not ok {i} - e2e {t.__name__}")
                msg = "".join(traceback.format_exception_only(type(e), e)) if isinstance(e, AssertionError) \
                    else traceback.format_exc()
                print("# " + msg.strip().replace("\n", "\n# "))
            sys.stdout.flush()
        print(f"1..{len(TESTS)}")
        return 1 if failed else 0
    finally:
        if made or not os.environ.get("KEEP"):
            shutil.rmtree(Ctx.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
