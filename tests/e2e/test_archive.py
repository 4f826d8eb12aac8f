#!/usr/bin/env python3
"""End-to-end tests of archive expansion: members of tar (plain, gz, bz2, xz,
zstd), zip, 7z, cpio, ar, ISO 9660 and single compressed files become items
whose SHA-256 equals the original file's (hashlib over the source files, not
ptriage's own output), with parent links and "!/" paths; nesting, depth,
bomb limits, encrypted members, hostile names, damaged archives, archives
inside a disk image, determinism across --jobs, the messages of Unix
mailboxes and the attachments of e-mail messages."""
import csv
import gzip
import hashlib
import io
import os
import random
import sqlite3
import subprocess
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import run_suite  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))


def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.decode(errors='replace')[:400]}")


def files(root):
    out = {}
    for d, _, ns in os.walk(root):
        for n in ns:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def build(work):
    """The tree to archive, and an evidence directory of archives of it."""
    rng = random.Random(7)
    src = os.path.join(work, "tree")
    os.makedirs(os.path.join(src, "home/a/docs"))
    open(os.path.join(src, "home/a/notes.txt"), "w").write("ACME Ltd ledger notes\n" * 50)
    open(os.path.join(src, "home/a/docs/big.bin"), "wb").write(rng.randbytes(1 << 20) * 2 + b"end")
    open(os.path.join(src, "home/a/empty"), "wb").close()
    ev = os.path.join(work, "ev")
    os.makedirs(ev)
    for flag, ext in (("", "tar"), ("z", "tar.gz"), ("j", "tar.bz2"), ("J", "tar.xz")):
        sh(f"tar c{flag}f {ev}/t.{ext} home", cwd=src)
    sh(f"tar cf - home | zstd -q -o {ev}/t.tar.zst", cwd=src)
    sh(f"zip -qr {ev}/z.zip home", cwd=src)
    sh(f"7z a -bd {ev}/s.7z home", cwd=src)
    sh(f"find home | cpio -o -H newc --quiet > {ev}/c.cpio", cwd=src)
    sh(f"ar rcs {ev}/lib.a home/a/notes.txt home/a/docs/big.bin", cwd=src)
    sh(f"genisoimage -quiet -R -o {ev}/cd.iso .", cwd=src)
    for tool, ext in (("gzip", "gz"), ("bzip2", "bz2"), ("xz", "xz"), ("zstd -q", "zst")):
        sh(f"{tool} -c home/a/notes.txt > {ev}/notes.txt.{ext}", cwd=src)
    # nested: a zip holding a tar.gz holding the tree
    sh(f"zip -qj {ev}/nested.zip {ev}/t.tar.gz")
    # an OOXML-like zip: a document, not expanded
    with zipfile.ZipFile(os.path.join(ev, "report.docx"), "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return src, ev


def scan(work, name, evidence, *opts):
    out = os.path.join(work, name)
    p = subprocess.run([PT, "scan", *evidence, "-o", out, "-q", *opts], capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error" in err:
        raise AssertionError("sanitizer report:\n" + err[:3000])
    rows = list(csv.DictReader(open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8"))) \
        if os.path.exists(os.path.join(out, "manifest.csv")) else []
    return out, p, rows


def export(case, to):
    """ptriage export of every relevant item of case into to (it must
    succeed); the receipt's rows by path."""
    e = subprocess.run([PT, "export", case, "--to", to], capture_output=True)
    assert e.returncode == 0, e.stderr
    return {r["path"]: r for r in csv.DictReader(open(os.path.join(to, "receipt.csv"), newline="",
                                                      encoding="utf-8"))}


def suite(tap, work):
    result = tap.result
    src, ev = build(work)
    want = files(src)
    out, p, rows = scan(work, "out", [ev])
    by_path = {r["path"]: r for r in rows}
    con = sqlite3.connect(os.path.join(out, "case.db"))

    def scanned():
        assert p.returncode == 0, p.stderr.decode()
    result("scan of a directory of archives completes (exit 0)", scanned)

    archives = {"t.tar": "", "t.tar.gz": "", "t.tar.bz2": "", "t.tar.xz": "", "t.tar.zst": "", "z.zip": "",
                "s.7z": "", "c.cpio": "", "cd.iso": ""}
    for a in archives:
        def members_match(a=a):
            got = {}
            for path, r in by_path.items():
                if path.startswith(f"/{a}!/") and r["kind"] == "file":
                    got[path[len(a) + 3:]] = r["sha256"]
            assert got == want, (a, sorted(got), sorted(want))
        result(f"{a}: every member listed, SHA-256 equal to the original file's", members_match)

    def ar_members():
        got = {p[len("/lib.a!/"):]: r["sha256"] for p, r in by_path.items() if p.startswith("/lib.a!/")}
        assert got == {"notes.txt": want["home/a/notes.txt"], "big.bin": want["home/a/docs/big.bin"]}, got
    result("ar archive: members by name, SHA-256 equal", ar_members)

    def ar_index_members():
        # a static library: GNU ar's symbol table "/" and long-name table
        # "//" are the format's own members, named as such, not "absolute"
        d = os.path.join(work, "arlib")
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "a_rather_long_object_name.c"), "w").write("int pt_answer(void) { return 42; }\n")
        sh("cc -c -o a_rather_long_object_name.o a_rather_long_object_name.c && ar rcs libx.a a_rather_long_object_name.o",
           cwd=d)
        os.remove(os.path.join(d, "a_rather_long_object_name.c"))
        o, q, r6 = scan(work, "arlib-out", [d])
        assert q.returncode == 0, q.stderr
        bp = {r["path"]: r for r in r6}
        obj = hashlib.sha256(open(os.path.join(d, "a_rather_long_object_name.o"), "rb").read()).hexdigest()
        assert bp["/libx.a!/a_rather_long_object_name.o"]["sha256"] == obj
        assert "/libx.a!/[ar symbol table]" in bp and "/libx.a!/" not in bp, sorted(bp)
        assert not any("absolute" in r["error"] for r in r6), [r["error"] for r in r6 if r["error"]]
    result("ar symbol and name tables: named as the format's index members, no 'absolute name' note",
           ar_index_members)

    def single_files():
        for ext in ("gz", "bz2", "xz", "zst"):
            r = by_path.get(f"/notes.txt.{ext}!/notes.txt")
            assert r and r["sha256"] == want["home/a/notes.txt"], (ext, r)
    result("single compressed files (gz, bz2, xz, zst): one member named without the suffix", single_files)

    def parents():
        ids = {r["id"]: r for r in rows}
        for r in con.execute("SELECT i.path, p.path FROM items i JOIN items p ON p.id = i.parent_id"):
            child, parent = r
            assert child.startswith(parent + "!/"), (child, parent)
        n = con.execute("SELECT count(*) FROM items WHERE path LIKE '%!/%' AND parent_id IS NULL").fetchone()[0]
        assert n == 0 and ids
    result("every member's parent_id is its archive's item", parents)

    def nested():
        r = by_path.get("/nested.zip!/t.tar.gz!/home/a/docs/big.bin")
        assert r and r["sha256"] == want["home/a/docs/big.bin"], r
    result("nested archives: a zip holding a tar.gz is expanded through both", nested)

    def document_not_expanded():
        assert "/report.docx" in by_path and not any(p.startswith("/report.docx!") for p in by_path)
    result("a zip that is a document (OOXML) is not expanded", document_not_expanded)

    def depth_limit():
        _, q, rows1 = scan(work, "depth1", [ev], "--archive-depth", "1")
        paths = {r["path"] for r in rows1}
        assert q.returncode == 0 and "/nested.zip!/t.tar.gz" in paths
        assert not any(p.startswith("/nested.zip!/t.tar.gz!") for p in paths)
        _, q, rows0 = scan(work, "depth0", [ev], "--archive-depth", "0")
        assert not any("!/" in r["path"] for r in rows0)
    result("--archive-depth bounds the nesting (0: no expansion)", depth_limit)

    def same_for_any_jobs():
        o1, _, _ = scan(work, "j1", [ev], "-j", "1")
        assert open(os.path.join(o1, "manifest.csv"), "rb").read() == open(os.path.join(out, "manifest.csv"),
                                                                            "rb").read()
    result("manifest identical with --jobs 1", same_for_any_jobs)

    hostile = os.path.join(work, "hostile")
    os.makedirs(hostile)

    def bombs():
        # 300 MiB of zeros in a 300 KiB gzip: stopped by the ratio, reported on the archive
        with gzip.open(os.path.join(hostile, "bomb.gz"), "wb", 9) as g:
            for _ in range(300):
                g.write(b"\0" * (1 << 20))
        with zipfile.ZipFile(os.path.join(hostile, "many.zip"), "w") as z:
            for i in range(300):
                z.writestr(f"m{i:04d}.txt", f"member {i}\n")
        o, q, rows2 = scan(work, "bombs", [hostile], "--archive-max-members", "100")
        assert q.returncode == 1, q.returncode
        c = sqlite3.connect(os.path.join(o, "case.db"))
        errs = {row[0]: row[1] for row in c.execute(
            "SELECT i.path, e.message FROM errors e JOIN items i ON i.id = e.item_id")}
        assert "ratio over 1000" in errs.get("/bomb.gz", ""), errs
        assert "more than 100 members" in errs.get("/many.zip", ""), errs
        members = [r for r in rows2 if r["path"].startswith("/many.zip!/")]
        assert len(members) == 100, len(members)
        bomb = [r for r in rows2 if r["path"].startswith("/bomb.gz!/")]
        assert len(bomb) <= 1 and all(r["sha256"] == "" for r in bomb), bomb
    result("bombs: expansion ratio and member count stop the expansion, reported on the archive", bombs)

    def large_stream_of_unrecorded_size():
        d = os.path.join(work, "large")
        os.makedirs(d)
        rng = random.Random(3)
        block = rng.randbytes(1 << 20)
        h = hashlib.sha256()
        with gzip.open(os.path.join(d, "dump.sql.gz"), "wb", 1) as g:
            for i in range(70):
                chunk = block[i:] + block[:i]
                g.write(chunk)
                h.update(chunk)
        o, q, r5 = scan(work, "large-out", [d], "--rules", os.path.join(ROOT, "rules", "default.yar"))
        assert q.returncode == 0, q.stderr
        m = [r for r in r5 if r["path"] == "/dump.sql.gz!/dump.sql"][0]
        assert m["sha256"] == h.hexdigest() and int(m["size"]) == 70 << 20, m
    result("a compressed file over 64 MiB whose size is not recorded streams once; size and SHA-256 exact",
           large_stream_of_unrecorded_size)

    def encrypted_and_hostile_names():
        d = os.path.join(work, "enc")
        os.makedirs(d)
        sh(f"zip -q -P secret {d}/locked.zip home/a/notes.txt", cwd=src)
        sh(f"7z a -bd -psecret -mhe=on {d}/locked.7z home", cwd=src)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name in ("../../etc/evil", "/abs/path.txt", "new\nline.txt", "<script>x</script>"):
                info = tarfile.TarInfo(name)
                info.size = 4
                t.addfile(info, io.BytesIO(b"evil"))
        open(os.path.join(d, "hostile.tar"), "wb").write(buf.getvalue())
        # a truncated tar.gz: the members before the damage are listed, the damage is reported
        data = open(os.path.join(ev, "t.tar.gz"), "rb").read()
        open(os.path.join(d, "cut.tar.gz"), "wb").write(data[:len(data) // 2])
        o, q, r3 = scan(work, "enc-out", [d])
        assert q.returncode == 1, (q.returncode, q.stderr)
        bp = {r["path"]: r for r in r3}
        m = bp["/locked.zip!/home/a/notes.txt"]
        assert m["encryption"] == "encrypted" and m["encryption_format"] == "zip-member-encrypted" and not m["sha256"]
        c = sqlite3.connect(os.path.join(o, "case.db"))
        errs = {row[0]: (row[1], row[2]) for row in c.execute(
            "SELECT i.path, e.severity, e.message FROM errors e JOIN items i ON i.id = e.item_id")}
        assert "encrypted member list" in errs["/locked.7z"][1], errs
        assert bp["/locked.7z"]["encryption_format"] == "7z-aes"
        for name in ("../../etc/evil", "abs/path.txt", "new\nline.txt", "<script>x</script>"):
            r = bp["/hostile.tar!/" + name]
            assert r["sha256"] == hashlib.sha256(b"evil").hexdigest(), name
        assert "climbs with '..'" in bp["/hostile.tar!/../../etc/evil"]["error"]
        assert errs["/cut.tar.gz"][0] == "error" and "damaged" in errs["/cut.tar.gz"][1], errs
        assert any(p.startswith("/cut.tar.gz!/") for p in bp)
        # nothing was written anywhere for the hostile names
        assert not os.path.exists(os.path.join(work, "etc", "evil")) and not os.path.exists("/abs/path.txt")
    result("encrypted members and member lists, hostile names, a truncated archive: listed and reported",
           encrypted_and_hostile_names)

    def export_members():
        rules = os.path.join(work, "all.yar")
        open(rules, "w").write('rule everything { meta: disposition = "relevant" condition: true }\n')
        o, q, r6 = scan(work, "exp-case", [ev], "--rules", rules)
        assert q.returncode == 0, q.stderr
        d = os.path.join(work, "exp")
        rec = export(o, d)
        for path in ("/nested.zip!/t.tar.gz!/home/a/docs/big.bin", "/s.7z!/home/a/notes.txt",
                     "/notes.txt.xz!/notes.txt", "/cd.iso!/home/a/notes.txt"):
            r = rec[path]
            assert r["status"] == "exported, hash verified", r
            data = open(os.path.join(d, r["exported_as"]), "rb").read()
            assert hashlib.sha256(data).hexdigest() == want["home/a/" + path.split("/home/a/")[-1]]                 if "/home/a/" in path else want["home/a/notes.txt"]
        v = subprocess.run([PT, "verify", o, "--export", d, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout
    result("export re-reads archive members (nested too) from the evidence, re-hashed; verify passes",
           export_members)

    def inside_an_image():
        img = os.path.join(work, "arch.img")
        sh(f"mkfs.ext4 -q -F -d {ev} {img} 32M")
        _, q, r4 = scan(work, "img-out", [img])
        assert q.returncode == 0, q.stderr
        bp = {r["path"]: r for r in r4}
        r = bp.get("/z.zip!/home/a/docs/big.bin")
        assert r and r["sha256"] == want["home/a/docs/big.bin"], r
        assert bp["/nested.zip!/t.tar.gz!/home/a/notes.txt"]["sha256"] == want["home/a/notes.txt"]
    result("archives inside a disk image are read again through The Sleuth Kit and expanded", inside_an_image)

    def empty_streams_and_bare_signatures():
        # compressed files that hold no bytes, and files that are an archive
        # signature and nothing more: each listed, a note that it was not
        # expanded, never a crash (an empty .gz once crashed the scan inside
        # libarchive, from an ext4 image only)
        d = os.path.join(work, "bare")
        os.makedirs(d)
        for tool, ext in (("gzip", "gz"), ("bzip2", "bz2"), ("xz", "xz"), ("zstd -q", "zst")):
            sh(f"{tool} -c < /dev/null > {d}/empty.{ext}")
        for name, sig in (("sig.zip", b"PK\x03\x04"), ("sig.7z", b"7z\xbc\xaf\x27\x1c"),
                          ("sig.rar", b"Rar!\x1a\x07\x01\x00"), ("sig.gz", b"\x1f\x8b\x08")):
            open(os.path.join(d, name), "wb").write(sig)
        img = os.path.join(work, "bare.img")
        sh(f"mkfs.ext4 -q -F -d {d} {img} 8M")
        for label, evidence in (("image", img), ("directory", d)):
            o, q, r5 = scan(work, "bare-" + label, [evidence])
            assert q.returncode in (0, 1), (label, q.returncode, q.stderr[-400:])
            names = {r["path"] for r in r5}
            for n in os.listdir(d):
                assert "/" + n in names, (label, n)
            notes = dict(sqlite3.connect(os.path.join(o, "case.db")).execute(
                "SELECT location, message FROM errors WHERE location NOT LIKE '%!/%'"))
            for n in ("empty.gz", "empty.xz", "sig.zip", "sig.7z"):
                assert "/" + n in notes, (label, n, notes)
                assert "damaged after 0" not in notes["/" + n], notes["/" + n]
            # the summary counts every note scan.log lists
            log = open(os.path.join(o, "scan.log"), encoding="utf-8").read().splitlines()
            fin = next(x for x in log if x.startswith("finished "))
            listed = sum(1 for x in log if x.startswith("note "))
            assert f", {listed} notes," in fin and listed >= 6, (fin, listed)
    result("empty compressed streams and bare archive signatures: listed, noted, no crash (image and directory)",
           empty_streams_and_bare_signatures)


def nested_disk_image(tap, work):
    """A VM's raw disk (GPT + ext4) as a file of an ext4 image and of a
    directory: its partition and files are walked, hashed like icat's, named
    FILE!p1/..., exported and verified."""
    def run_it():
        d = os.path.join(work, "nest")
        vm = os.path.join(d, "vmsrc")
        os.makedirs(os.path.join(vm, "etc"))
        open(os.path.join(vm, "etc", "passwd"), "w").write("root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/h:/bin/sh\n")
        os.chown(os.path.join(vm, "etc", "passwd"), 0, 0)
        open(os.path.join(vm, "etc", "motd"), "w").write("welcome to the VM\n")
        os.chown(os.path.join(vm, "etc", "motd"), 1000, 1000)
        sh(f"mkfs.ext4 -q -F -d {vm} {d}/fs.img 8M")
        disk = os.path.join(d, "outer", "var", "lib", "libvirt", "images", "vm1.img")
        os.makedirs(os.path.dirname(disk))
        sh(f"truncate -s 16M {disk}")
        sh(f"printf 'label: gpt\\nstart=2048, size=16384, type=linux\\n' | sfdisk -q {disk}")
        sh(f"dd if={d}/fs.img of={disk} bs=512 seek=2048 conv=notrunc status=none")
        sh(f"mkfs.ext4 -q -F -d {d}/outer {d}/outer.img 48M")
        rules = os.path.join(d, "all.yar")
        open(rules, "w").write('rule everything { meta: disposition = "relevant" condition: true }\n')
        for ev in (os.path.join(d, "outer.img"), os.path.join(d, "outer")):
            name = os.path.basename(ev)
            o, q, rows = scan(work, "nest-" + name, [ev], "--rules", rules)
            assert q.returncode == 0, q.stderr
            bp = {r["path"]: r for r in rows}
            pre = "/var/lib/libvirt/images/vm1.img!p1"
            motd = bp[pre + "/etc/motd"]
            assert motd["volume"] == pre and motd["sha256"] == hashlib.sha256(b"welcome to the VM\n").hexdigest()
            assert motd["uid"] == "1000"
            c = sqlite3.connect(os.path.join(o, "case.db"))
            assert c.execute("SELECT owner FROM items WHERE path = ?", (pre + "/etc/motd",)).fetchone()[0] == "bob"
            # the listing of the nested filesystem is fls's on the disk image itself
            fls = subprocess.run(["fls", "-r", "-p", "-o", "2048", disk], capture_output=True).stdout.decode()
            names = sorted(l.split("\t", 1)[1] for l in fls.splitlines() if "\t" in l)
            ours = sorted(p[len(pre) + 1:] for p in bp if p.startswith(pre + "/"))
            assert ours == names, (ours, names)
            # the ledger of the outer evidence is untouched by the nested volumes
            cov = list(csv.DictReader(open(os.path.join(o, "coverage.csv"), newline="", encoding="utf-8")))
            sizes = {r[0]: r[1] for r in c.execute("SELECT label, size FROM evidence")}
            if name == "outer.img":
                assert sum(int(r["bytes"]) for r in cov) == sizes[name]
            x = os.path.join(work, "nest-exp-" + name)
            rec = export(o, x)
            got = open(os.path.join(x, rec[pre + "/etc/motd"]["exported_as"]), "rb").read()
            assert got == b"welcome to the VM\n"
            v = subprocess.run([PT, "verify", o, "--export", x, "--evidence"], capture_output=True)
            assert v.returncode == 0, v.stdout
        _, q, rows = scan(work, "nest-off", [os.path.join(d, "outer.img")], "--no-nested-images")
        assert not any("vm1.img!" in r["path"] for r in rows)
    tap.result("a VM disk image found as a file is walked as nested evidence (FILE!p1/...), as fls lists it; "
               "exported and verified", run_it)


def icat_sha256(img, inode):
    return hashlib.sha256(subprocess.run(["icat", img, str(inode)], capture_output=True, check=True).stdout).hexdigest()


def fls_files(img):
    """{path: inode} of the allocated regular files fls lists."""
    out = {}
    for line in subprocess.run(["fls", "-r", "-p", "-F", img], capture_output=True, check=True).stdout.decode(
            "utf-8", "replace").splitlines():
        meta, name = line.split("\t", 1)
        if "*" not in meta:
            out[name] = int(meta.split()[-1].rstrip(":").split("-")[0])
    return out


def disks_in_archives(tap, work):
    """Disk images that are archive members (a FAT floppy in a zip, an ext4
    image over 64 MiB in a tar.gz, a qcow2 disk in a 7z) and evidence that is
    itself a compressed disk image or an archive: the disks' files are walked
    as fls lists them, hashed as icat reads them, exported and verified; the
    copies made to read them leave nothing in the output directory."""
    d = os.path.join(work, "dia")
    src = os.path.join(d, "src")
    os.makedirs(os.path.join(src, "docs"))
    open(os.path.join(src, "docs", "ledger.txt"), "w").write("ACME Ltd ledger 2011\n" * 40)
    open(os.path.join(src, "docs", "rand.bin"), "wb").write(random.Random(3).randbytes(3 << 20))
    sh(f"mkfs.ext4 -q -F -d {src} -E root_owner=0:0 {d}/e.img 80M")
    sh(f"mkfs.fat -C -F 12 {d}/floppy.img 1440 >/dev/null && mcopy -i {d}/floppy.img {src}/docs/ledger.txt ::/")
    sh(f"qemu-img convert -O qcow2 {d}/floppy.img {d}/fl.qcow2")
    ev = os.path.join(d, "ev")
    os.makedirs(ev)
    sh(f"zip -qj {ev}/floppy.zip {d}/floppy.img")
    sh(f"tar czf {ev}/backup.tar.gz e.img", cwd=d)
    sh(f"7z a -bd {ev}/vm.7z fl.qcow2", cwd=d)
    rules = os.path.join(d, "all.yar")
    open(rules, "w").write('rule everything { meta: disposition = "relevant" condition: true }\n')
    disks = {"/floppy.zip!/floppy.img": (f"{d}/floppy.img", ""), "/backup.tar.gz!/e.img": (f"{d}/e.img", ""),
             "/vm.7z!/fl.qcow2": (f"{d}/floppy.img", "qcow2")}
    outputs = {"case.db", "manifest.csv", "manifest.jsonl", "court-manifest.csv", "manifest.dfxml", "report.html",
               "scan.log", "pseudonym.key", "SHA256SUMS", "coverage.csv"}

    def check_disk(o, rows, member, img, container):
        bp = {r["path"]: r for r in rows}
        assert member in bp, (member, sorted(bp)[:20])
        assert bp[member]["sha256"] == hashlib.sha256(open(img, "rb").read()).hexdigest() or container
        want = {p: icat_sha256(img, ino) for p, ino in fls_files(img).items()}
        got = {p[len(member) + 2:]: r["sha256"] for p, r in bp.items()
               if p.startswith(member + "!/") and r["kind"] in ("file", "virtual")}
        assert got == want, (member, got, want)
        c = sqlite3.connect(os.path.join(o, "case.db"))
        vols = c.execute("SELECT v.label, v.container FROM volumes v JOIN items i ON i.id = v.parent_item_id"
                         " WHERE i.path = ?", (member,)).fetchall()
        assert vols == [(member + "!", container or None)], vols

    def members_walked():
        o, p, rows = scan(work, "dia-out", [ev], "--rules", rules)
        assert p.returncode == 0, p.stderr
        for member, (img, container) in disks.items():
            check_disk(o, rows, member, img, container)
        assert set(os.listdir(o)) == outputs, sorted(os.listdir(o))
        x = os.path.join(work, "dia-exp")
        rec = export(o, x)
        for path in ("/backup.tar.gz!/e.img!/docs/rand.bin", "/floppy.zip!/floppy.img!/ledger.txt",
                     "/vm.7z!/fl.qcow2!/ledger.txt"):
            assert rec[path]["status"] == "exported, hash verified", rec[path]
            got = open(os.path.join(x, rec[path]["exported_as"]), "rb").read()
            assert hashlib.sha256(got).hexdigest() == rec[path]["sha256"]
        assert set(os.listdir(x)) == {"files", "receipt.csv", "receipt.html", "receipt.jsonl"}, os.listdir(x)
        v = subprocess.run([PT, "verify", o, "--export", x, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout
        _, q, rows = scan(work, "dia-off", [ev], "--no-nested-images")
        assert q.returncode == 0 and not any("img!" in r["path"] or "qcow2!" in r["path"] for r in rows)
    tap.result("disk images inside archives (zip, tar.gz over 64 MiB, 7z with qcow2): walked as fls lists them, "
               "hashed as icat reads them, exported and verified; nothing left in the output", members_walked)

    def evidence_is_compressed():
        sh(f"gzip -k -c {d}/e.img > {d}/e.img.gz && cd {d} && zip -q f.zip floppy.img")
        for name, member, img in (("e.img.gz", "!/e.img", f"{d}/e.img"), ("f.zip", "!/floppy.img",
                                                                            f"{d}/floppy.img")):
            o, p, rows = scan(work, "dia-" + name, [os.path.join(d, name)], "--rules", rules)
            assert p.returncode == 0, (name, p.stderr)
            check_disk(o, rows, member, img, "")
            top = [r for r in rows if r["kind"] == "volume"]
            assert len(top) == 1 and top[0]["sha256"] == hashlib.sha256(open(os.path.join(d, name), "rb")
                                                                         .read()).hexdigest(), top
            assert "an archive or compressed file, not a disk image" in top[0]["error"], top[0]
            x = os.path.join(work, "dia-exp-" + name)
            rec = export(o, x)
            assert all(r["status"] == "exported, hash verified" for r in rec.values() if r["kind"] == "file"), rec
            assert member in rec
        # a file of neither kind is still an error, hashed whole
        open(os.path.join(d, "junk.gz"), "wb").write(b"\x1f\x8b" + random.Random(5).randbytes(8192))
        o, p, rows = scan(work, "dia-junk", [os.path.join(d, "junk.gz")])
        assert p.returncode == 1, p.returncode
        assert [r["kind"] for r in rows] == ["volume"] and rows[0]["sha256"], rows
        log = open(os.path.join(o, "scan.log"), encoding="utf-8").read()
        assert "no partition table and no filesystem libtsk reads" in log, log
    tap.result("evidence that is a compressed disk image or an archive: its members and their disks walked "
               "(!/NAME), exported; a file of neither kind stays an error", evidence_is_compressed)


def mailboxes(tap, work):
    """A Unix mailbox written by Python's mailbox module (an independent
    writer that escapes body lines starting "From "): each message an item
    of its own, its bytes exactly those between the module's separators, its
    time its Date: field; rules decide per message, so that only the named
    accounts' messages are relevant and exported."""
    import email.utils
    import mailbox
    ev = os.path.join(work, "mail-ev")
    os.makedirs(os.path.join(ev, "home/alice/mail"))
    path = os.path.join(ev, "home/alice/mail/inbox")
    mb = mailbox.mbox(path)
    senders = ["alice@acme.example", "carol@example.org", "cfo@acme.example", "dave@example.org"]
    for i, who in enumerate(senders):
        m = mailbox.mboxMessage()
        m["From"], m["To"], m["Subject"] = who, "team@example.org", f"note {i}"
        m["Date"] = email.utils.formatdate(1310119714 + i * 86400 + 3600 * i, localtime=False)
        m.set_payload(f"Hello,\n\nFrom the start of message {i} (escaped by the writer).\n" + "text\n" * (50 * i))
        m.set_from(f"{who} Fri Jul  8 12:08:3{i} 2011")
        mb.add(m)
    sh(f"openssl req -x509 -newkey rsa:2048 -nodes -keyout {work}/mk.pem -out {work}/mc.pem -subj /CN=x -days 1 "
       f"2>/dev/null && echo secret | openssl smime -encrypt -aes256 -from erin@acme.example -to x@y -subject s "
       f"-out {work}/enc.eml {work}/mc.pem")
    enc = mailbox.mboxMessage(open(os.path.join(work, "enc.eml"), "rb").read())
    enc.set_from("erin@acme.example Sat Jul  9 10:00:00 2011")
    mb.add(enc)
    mb.flush()
    starts = sorted(start for start, _ in mb._toc.values())   # the module's own separator offsets
    raw = open(path, "rb").read()
    want = []
    for k, start in enumerate(starts):
        body = raw.index(b"\n", start) + 1
        end = starts[k + 1] if k + 1 < len(starts) else len(raw)
        want.append(raw[body:end])
    sh(f"tar czf {ev}/mail-backup.tgz -C {ev} home")
    rules = os.path.join(ROOT, "rules", "examples", "email.yar")  # the shipped example: these two addresses
    out, p, rows = scan(work, "mail-out", [ev], "--rules", rules)
    bp = {r["path"]: r for r in rows}

    def messages():
        assert p.returncode == 0, p.stderr
        for top in ("/home/alice/mail/inbox", "/mail-backup.tgz!/home/alice/mail/inbox"):
            got = sorted(k for k in bp if k.startswith(top + "!/"))
            assert got == [f"{top}!/{k + 1:06d}.eml" for k in range(len(want))], got
            for k, data in enumerate(want):
                r = bp[f"{top}!/{k + 1:06d}.eml"]
                assert r["sha256"] == hashlib.sha256(data).hexdigest() and int(r["size"]) == len(data), (k, r)
                assert data.startswith(mb.get_bytes(mb.keys()[k]).split(b"\n\n")[0]), k  # the module's message
                if k < 4:  # openssl's S/MIME message starts with To:, which libmagic calls text
                    assert r["mime"] == "message/rfc822" and r["category"] == "email", r
    tap.result("mbox: each message an item (!/000001.eml), its bytes those between the mailbox module's "
               "separators, also inside a tar.gz", messages)

    def per_message_disposition():
        assert p.returncode == 0, p.stderr
        disp = [bp[f"/home/alice/mail/inbox!/{k + 1:06d}.eml"]["disposition"] for k in range(len(want))]
        assert disp[:4] == ["relevant", "private", "relevant", "private"], disp
        assert bp["/home/alice/mail/inbox"]["disposition"] != "relevant"
        enc_row = bp["/home/alice/mail/inbox!/000005.eml"]
        assert (enc_row["encryption"], enc_row["encryption_format"]) == ("encrypted", "smime-encrypted"), enc_row
        con = sqlite3.connect(os.path.join(out, "case.db"))
        for k in range(4):
            t = con.execute("SELECT mtime FROM items WHERE path = ?",
                            (f"/home/alice/mail/inbox!/{k + 1:06d}.eml",)).fetchone()[0]
            assert t == 1310119714 + k * 86400 + 3600 * k, (k, t)
        top = con.execute("SELECT id FROM items WHERE path = '/home/alice/mail/inbox'").fetchone()[0]
        assert {r[0] for r in con.execute("SELECT parent_id FROM items WHERE path LIKE '/home/alice/mail/inbox!/%'")} \
            == {top}
        d = os.path.join(work, "mail-exp")
        rec = export(out, d)
        assert sorted(rec) == sorted(f"{t}!/{k:06d}.eml" for t in ("/home/alice/mail/inbox",
                                                                    "/mail-backup.tgz!/home/alice/mail/inbox")
                                     for k in (1, 3)), sorted(rec)
        for r in rec.values():
            assert r["status"] == "exported, hash verified", r
            k = int(r["path"][-10:-4])
            assert open(os.path.join(d, r["exported_as"]), "rb").read() == want[k - 1]
        v = subprocess.run([PT, "verify", out, "--export", d, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout
    tap.result("mbox: the shipped e-mail rules decide per message (the named accounts' relevant, the others "
               "private, the mailbox not taken whole, an S/MIME one encrypted), mtime from Date:, export only those, "
               "verify passes", per_message_disposition)

    def member_limit():
        o, q, r2 = scan(work, "mail-lim", [os.path.join(ev, "home")], "--archive-max-members", "2")
        con = sqlite3.connect(os.path.join(o, "case.db"))
        n = con.execute("SELECT count(*) FROM items WHERE path LIKE '%inbox!/%'").fetchone()[0]
        errs = [m for (m,) in con.execute("SELECT e.message FROM errors e JOIN items i ON i.id = e.item_id "
                                          "WHERE i.path LIKE '%/inbox'")]
        assert n == 2 and any("more than 2 members" in m for m in errs), (n, errs)
    tap.result("mbox: --archive-max-members stops the split, said on the mailbox", member_limit)


def attachments(tap, work):
    """Messages written by Python's email package (an independent MIME
    writer): each attachment an item of its own, decoded, its SHA-256 that
    of the file attached; a zip attachment expanded in turn, a forwarded
    message's attachment too; the rules read an attachment's text, which
    the message holds only in base64; export and verify decode them again."""
    from email.message import EmailMessage
    import email.policy
    rng = random.Random(11)
    ev = os.path.join(work, "att-ev")
    maildir = os.path.join(ev, "home/bob/Maildir/cur")
    os.makedirs(maildir)
    pdf = b"%PDF-1.4\n" + rng.randbytes(3000) + b"\n(invoice ACME Ltd 2011-17)\n" + rng.randbytes(2000) + b"%%EOF\n"
    notes = b"ledger notes, account 4411\n" * 40
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("notes.txt", notes)
    inner = rng.randbytes(700)
    sh(f"cd {work} && printf 'top secret\\n' > s.txt && rm -f enc.zip && zip -q -P pw enc.zip s.txt")
    enc = open(os.path.join(work, "enc.zip"), "rb").read()

    m1 = EmailMessage()
    m1["From"], m1["To"], m1["Subject"] = "alice@acme.example", "bob@example.org", "invoices"
    m1["Date"] = "Fri, 08 Jul 2011 12:08:34 +0200"
    m1.set_content("Please find them attached.\n")
    m1.add_alternative("<p>Please find them attached.</p>\n", subtype="html")
    m1.add_attachment(pdf, maintype="application", subtype="pdf", filename="invoice.pdf")
    m1.add_attachment(zbuf.getvalue(), maintype="application", subtype="zip", filename="notes.zip")
    m1.add_attachment("caf\u00e9 r\u00e9sum\u00e9\n", filename="r\u00e9sum\u00e9.txt")
    m1.add_attachment(enc, maintype="application", subtype="zip", filename="locked.zip")
    fwd = EmailMessage()
    fwd["From"], fwd["Subject"] = "carol@example.org", "fwd"
    fwd.set_content("see below\n")
    fwd.add_attachment(inner, maintype="application", subtype="octet-stream", filename="inner.bin")
    m2 = EmailMessage()
    m2["From"], m2["To"], m2["Subject"] = "dave@example.org", "bob@example.org", "forwarded"
    m2.set_content("Forwarding.\n")
    m2.add_attachment(fwd)
    for name, m in (("1310119714.M1.host:2,S", m1), ("1310119715.M2.host:2,S", m2)):
        open(os.path.join(maildir, name), "wb").write(m.as_bytes(policy=email.policy.SMTP))
    rules = os.path.join(work, "att.yar")
    open(rules, "w").write('rule acme_invoice : relevant { strings: $a = "invoice ACME Ltd" condition: $a }\n')
    out, p, rows = scan(work, "att-out", [ev], "--rules", rules)
    bp = {r["path"]: r for r in rows}
    m1p = "/home/bob/Maildir/cur/1310119714.M1.host:2,S"
    m2p = "/home/bob/Maildir/cur/1310119715.M2.host:2,S"

    def decoded():
        assert p.returncode == 0, p.stderr
        want = {f"{m1p}!/1-invoice.pdf": pdf, f"{m1p}!/2-notes.zip": zbuf.getvalue(),
                f"{m1p}!/2-notes.zip!/notes.txt": notes,
                # text travels with CRLF line ends (the SMTP policy writes them; RFC 2046 4.1.1)
                f"{m1p}!/3-r\u00e9sum\u00e9.txt": "caf\u00e9 r\u00e9sum\u00e9\r\n".encode(),
                f"{m1p}!/4-locked.zip": enc, f"{m2p}!/1.eml!/1-inner.bin": inner}
        for path, data in want.items():
            r = bp.get(path)
            assert r, (path, sorted(k for k in bp if "!/" in k))
            assert r["sha256"] == hashlib.sha256(data).hexdigest() and int(r["size"]) == len(data), (path, r)
        got = sorted(k for k in bp if k.startswith(m1p + "!/"))
        assert got == sorted([k for k in want if k.startswith(m1p)] + [f"{m1p}!/4-locked.zip!/s.txt"]), got
        assert bp[f"{m2p}!/1.eml"]["mime"] == "message/rfc822", bp[f"{m2p}!/1.eml"]
        assert bp[f"{m1p}!/1-invoice.pdf"]["mtime"] == bp[m1p]["mtime"]  # the message's time
        lz = bp[f"{m1p}!/4-locked.zip!/s.txt"]
        assert (lz["encryption"], lz["encryption_format"]) == ("encrypted", "zip-member-encrypted"), lz
    tap.result("e-mail attachments: decoded into items of their own (SHA-256 of the file attached; RFC 2231 "
               "names), a zip attachment expanded, a forwarded message's attachment, an encrypted zip seen", decoded)

    def rules_and_export():
        assert p.returncode == 0, p.stderr
        assert bp[f"{m1p}!/1-invoice.pdf"]["disposition"] == "relevant"
        assert bp[m1p]["disposition"] != "relevant"  # the message holds the text only in base64
        d = os.path.join(work, "att-exp")
        rec = export(out, d)
        r = rec[f"{m1p}!/1-invoice.pdf"]
        assert r["status"] == "exported, hash verified", r
        assert open(os.path.join(d, r["exported_as"]), "rb").read() == pdf
        v = subprocess.run([PT, "verify", out, "--export", d, "--evidence"], capture_output=True)
        assert v.returncode == 0, v.stdout
    tap.result("e-mail attachments: the rules read the decoded attachment; export decodes it again, re-hashed; "
               "verify passes", rules_and_export)


def suite_all(tap, work):
    suite(tap, work)
    mailboxes(tap, work)
    attachments(tap, work)
    nested_disk_image(tap, work)
    disks_in_archives(tap, work)


def main():
    return run_suite("archive", suite_all)


if __name__ == "__main__":
    sys.exit(main())
