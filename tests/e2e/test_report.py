#!/usr/bin/env python3
"""End-to-end tests of the court outputs (report.html, court-manifest.csv,
manifest.dfxml, SHA256SUMS) on the generated server image of test_scope.py,
with hostile file names added.  report.html is opened in headless Chromium:
the figures it shows must equal the database's, the hostile names must show
as text, no script of theirs may run, and the screenshot must not be blank.
DFXML is compared with fiwalk's on the same image."""
import csv
import hashlib
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import run_suite  # noqa: E402
import test_scope  # noqa: E402

PT = test_scope.PT
T2011 = test_scope.T2011
HOSTILE_RELEVANT = [  # ACME invoices (relevant), so their names are shown
    "<script>document.title='pwned-1'</script>.txt",
    "\"><img src=x onerror=\"document.title='pwned-2'\">.txt",
    "=HYPERLINK(1+2).txt",
    "@SUM(A1).txt",
    "line\nbreak.txt",
]
PRIVATE_NAMES = ["diary.txt", "privileged.txt", "invoice-2005.txt", "secret-love-letter.txt"]
DFXML_NS = "{http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML}"
PT_NS = "{https://ptriage.org/ns/dfxml/1.0}"


def chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(c)
        if p:
            return p
    return None


def chrome_args(work, *extra):
    prof = tempfile.mkdtemp(prefix="chrome-", dir=work)
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={prof}", *extra]


def png_nonwhite(path):
    """Fraction of non-white bytes in the decoded scanlines of a PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    assert width > 0 and raw
    return sum(1 for b in raw[::97] if b not in (0xff, 0x00)) / len(raw[::97])


def build(work):
    img = test_scope.build(work)
    src = os.path.join(work, "srv")
    for n in HOSTILE_RELEVANT:
        test_scope.write(src, "/srv/www/" + n, "ACME Ltd invoice 2011\n")
    test_scope.write(src, "/home/alice/secret-love-letter.txt", "my dearest, meet me at noon\n", uid=1000)
    test_scope.write(src, "/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian"\n')
    os.remove(img)
    test_scope.sh(f"mkfs.ext4 -q -F -d {src} -E root_owner=0:0 -b 1024 {img} 8M")
    return img


def run(*args):
    return subprocess.run([PT, *args], capture_output=True)


def relevant_files(db):
    return {r[0]: r for r in db.execute(
        "SELECT path, sha256, md5, size FROM items WHERE disposition = 'relevant' AND kind = 'file'")}


def export_tests(tap, work, img, out, db):
    result = tap.result
    exp = os.path.join(work, "exp")
    ev_before = hashlib.sha256(open(img, "rb").read()).hexdigest()
    q = run("export", out, "--to", exp)
    rel = relevant_files(db)

    def exported():
        assert q.returncode == 0, q.stderr.decode()
        with open(os.path.join(exp, "receipt.csv"), newline="", encoding="utf-8") as f:
            rows = {r["path"]: r for r in csv.DictReader(f)}
        assert set(rows) == set(rel), (set(rows) ^ set(rel))
        for path, (_, sha, md5, size) in rel.items():
            r = rows[path]
            assert r["status"] == "exported, hash verified", r
            data = open(os.path.join(exp, r["exported_as"]), "rb").read()
            assert hashlib.sha256(data).hexdigest() == sha == r["sha256"], path
            assert len(data) == size and r["md5"] == md5
        # nothing private or system was copied
        copied = [os.path.join(d, n) for d, _, ns in os.walk(os.path.join(exp, "files")) for n in ns]
        assert len(copied) == len(rel), copied
        assert not any("diary" in c or "passwd" in c for c in copied)
        html = open(os.path.join(exp, "receipt.html"), encoding="utf-8").read()
        assert "&lt;script&gt;" in html and "<script>document" not in html
    result("export copies exactly the relevant files, re-hashed, with a receipt (CSV, HTML)", exported)

    def safe_layout():
        for d, dirs, ns in os.walk(exp):
            for n in dirs + ns:
                p = os.path.join(d, n)
                assert not os.path.islink(p), p
                assert n not in (".", "..") and "\n" not in n, repr(n)
                assert os.path.realpath(p).startswith(os.path.realpath(exp) + "/"), p
        q2 = run("export", out, "--to", exp)
        assert q2.returncode == 2 and b"not empty" in q2.stderr, q2.stderr
    result("export layout is safe (no links, no '..', no control bytes) and never overwrites", safe_layout)

    def verify_export():
        q2 = run("verify", out, "--export", exp, "--evidence")
        assert q2.returncode == 0, q2.stdout.decode()
        assert b"PASS  evidence" in q2.stdout and b"PASS  export" in q2.stdout
    result("verify --export --evidence passes on an untouched export", verify_export)

    def tampered_file():
        target = [os.path.join(d, n) for d, _, ns in os.walk(os.path.join(exp, "files")) for n in ns
                  if n == "film.mkv"][0]
        os.chmod(target, 0o644)
        with open(target, "r+b") as f:
            f.write(b"X")
        q2 = run("verify", out, "--export", exp)
        assert q2.returncode == 1 and b"film.mkv): SHA-256 of the exported file differs" in q2.stdout, q2.stdout
    result("verify detects an exported file changed after the export", tampered_file)

    def tampered_receipt():
        p = os.path.join(exp, "receipt.csv")
        data = open(p, "rb").read()
        open(p, "wb").write(data.replace(b"film.mkv", b"film.mkX", 1))
        q2 = run("verify", out, "--export", exp)
        assert q2.returncode == 1 and b"receipt.csv: differs" in q2.stdout, q2.stdout
    result("verify detects a receipt changed after the export", tampered_receipt)

    def tampered_manifest():
        p = os.path.join(out, "court-manifest.csv")
        keep = open(p, "rb").read()
        open(p, "wb").write(keep.replace(b"relevant", b"private!", 1))
        q2 = run("verify", out)
        assert q2.returncode == 1, q2.stdout
        assert b"court-manifest.csv: SHA-256 differs" in q2.stdout
        assert b"court-manifest.csv: differs from what case.db says" in q2.stdout
        open(p, "wb").write(keep)
        assert run("verify", out).returncode == 0
    result("verify detects a tampered manifest (SHA256SUMS and against case.db)", tampered_manifest)

    def archives():
        for fmt in ("tar", "zip"):
            d = os.path.join(work, "exp-" + fmt)
            q2 = run("export", out, "--to", d, "--format", fmt)
            assert q2.returncode == 0, q2.stderr
            names = subprocess.run(["bsdtar" if shutil.which("bsdtar") else "7z", "tf" if shutil.which("bsdtar")
                                    else "l", os.path.join(d, "export." + fmt)], capture_output=True).stdout
            assert b"film.mkv" in names, names
            assert not os.path.exists(os.path.join(d, "files"))
            q3 = run("verify", out, "--export", d)
            assert q3.returncode == 0, q3.stdout
        t = os.path.join(work, "exp-tar", "export.tar")
        subprocess.run(["tar", "xf", t, "-C", os.path.join(work, "exp-tar")], check=True)
        got = {hashlib.sha256(open(os.path.join(dd, n), "rb").read()).hexdigest()
               for dd, _, ns in os.walk(os.path.join(work, "exp-tar", "files")) for n in ns}
        assert got == {sha for _, sha, _, _ in rel.values()}
    result("export --format tar and zip: the same files, verified by verify --export", archives)

    def include_review_and_refuse_private():
        rid = db.execute("SELECT id FROM items WHERE disposition = 'needs-review' AND kind = 'file'").fetchone()[0]
        pid = db.execute("SELECT id FROM items WHERE disposition = 'private' AND kind = 'file'").fetchone()[0]
        d = os.path.join(work, "exp-review")
        q2 = run("export", out, "--to", d, "--include", str(rid))
        assert q2.returncode == 0, q2.stderr
        ids = {r["id"] for r in csv.DictReader(open(os.path.join(d, "receipt.csv"), newline="", encoding="utf-8"))}
        assert str(rid) in ids
        q3 = run("export", out, "--to", os.path.join(work, "exp-priv"), "--include", str(pid))
        assert q3.returncode == 2 and b"private" in q3.stderr, q3.stderr
        assert not os.path.exists(os.path.join(work, "exp-priv"))
    result("export --include adds chosen needs-review items; a private id is refused", include_review_and_refuse_private)

    def changed_evidence_refused():
        # a copy of the evidence whose relevant invoice changed after the scan
        img2 = os.path.join(work, "changed.img")
        shutil.copyfile(img, img2)
        case2 = os.path.join(work, "out-changed")
        assert run("scan", img2, "-o", case2, "-q", "--case", os.path.join(work, "case.conf")).returncode == 0
        data = bytearray(open(img2, "rb").read())
        i = data.find(b"Invoice 2011-17")
        assert i > 0
        data[i] ^= 0x20
        open(img2, "wb").write(bytes(data))
        d = os.path.join(work, "exp-changed")
        q2 = run("export", case2, "--to", d)
        assert q2.returncode == 1, (q2.returncode, q2.stderr)
        rows = list(csv.DictReader(open(os.path.join(d, "receipt.csv"), newline="", encoding="utf-8")))
        bad = [r for r in rows if r["path"] == "/home/alice/finance/invoice-2011.txt"][0]
        assert bad["status"].startswith("refused: SHA-256 of the evidence now is"), bad
        assert bad["exported_as"] == ""
        assert not any("invoice-2011" in n for _, _, ns in os.walk(d) for n in ns)
        q3 = run("verify", case2, "--evidence")
        assert q3.returncode == 1 and b"the evidence changed" in q3.stdout, q3.stdout
    result("export refuses an item whose evidence changed since the scan; verify --evidence finds it",
           changed_evidence_refused)

    def evidence_unchanged():
        assert hashlib.sha256(open(img, "rb").read()).hexdigest() == ev_before
    result("the evidence is unchanged after export and verify", evidence_unchanged)


def signature_tests(tap, work, img):
    result = tap.result
    out = os.path.join(work, "signed")
    key, other = os.path.join(work, "k.pem"), os.path.join(work, "other.pem")
    for k in (key, other):
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k],
                       check=True, capture_output=True)
    pub, otherpub = key + ".pub", other + ".pub"
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True)
    subprocess.run(["openssl", "pkey", "-in", other, "-pubout", "-out", otherpub], check=True)
    q = run("scan", img, "-o", out, "-q", "--case", os.path.join(work, "case.conf"), "--sign", key)

    def signed():
        assert q.returncode == 0, q.stderr
        # OpenSSL alone can check it
        o = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
                            os.path.join(out, "SHA256SUMS.sig"), os.path.join(out, "SHA256SUMS")], capture_output=True)
        assert o.returncode == 0 and b"Verified OK" in o.stdout, o
        v = run("verify", out, "--key", pub)
        assert v.returncode == 0 and b"PASS  signature" in v.stdout, v.stdout
    result("--sign writes a detached signature that openssl and ptriage verify accept", signed)

    def wrong_key():
        v = run("verify", out, "--key", otherpub)
        assert v.returncode == 1 and b"FAIL  signature" in v.stdout, v.stdout
    result("verify refuses the signature with another key", wrong_key)

    def tampered_sums():
        p = os.path.join(out, "SHA256SUMS")
        data = open(p, "rb").read()
        open(p, "wb").write(data + b"0" * 64 + b"  extra\n")
        v = run("verify", out, "--key", pub)
        assert v.returncode == 1 and b"FAIL  signature" in v.stdout, v.stdout
    result("verify refuses a signature over changed sums", tampered_sums)

    def report_resigns():
        assert run("report", out).returncode == 0
        assert not os.path.exists(os.path.join(out, "SHA256SUMS.sig")), "stale signature kept"
        assert run("report", out, "--sign", key).returncode == 0
        assert run("verify", out, "--key", pub).returncode == 0
    result("report drops a stale signature and re-signs with --sign", report_resigns)


def directory_export(tap, work):
    def run_it():
        src = os.path.join(work, "srv")
        out = os.path.join(work, "dir-case")
        q = run("scan", src, "-o", out, "-q", "--case", os.path.join(work, "case.conf"))
        assert q.returncode == 0, q.stderr
        d = os.path.join(work, "dir-exp")
        q = run("export", out, "--to", d)
        assert q.returncode == 0, q.stderr
        rows = list(csv.DictReader(open(os.path.join(d, "receipt.csv"), newline="", encoding="utf-8")))
        films = [r for r in rows if r["path"].endswith("/srv/media/film.mkv")]
        assert films and films[0]["status"].startswith("exported"), rows
        assert run("verify", out, "--export", d, "--evidence").returncode == 0
        inside = os.path.join(src, "exp-inside")
        q = run("export", out, "--to", inside)
        assert q.returncode == 2 and b"inside the evidence" in q.stderr, q.stderr
        assert not os.path.exists(inside), "the refused export left a directory in the evidence"
    tap.result("export from directory evidence; an export inside the evidence is refused", run_it)


def acquisition_hashes(tap, work, img):
    def run_it():
        e01 = os.path.join(work, "acq")
        subprocess.run(["ewfacquire", "-u", "-q", "-t", e01, "-c", "none", "-C", "c", "-D", "d", "-E", "e",
                        "-e", "x", "-N", "n", "-f", "encase6", img], check=True, capture_output=True)
        out = os.path.join(work, "acq-case")
        q = run("scan", e01 + ".E01", "-o", out, "-q", "--image-hash")
        assert q.returncode == 0, q.stderr
        data = open(img, "rb").read()
        md5, sha = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
        row = sqlite3.connect(os.path.join(out, "case.db")).execute(
            "SELECT acquisition_md5, image_md5, image_sha256 FROM evidence").fetchone()
        assert row == (md5, md5, sha), (row, md5, sha)
        html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
        assert md5 in html and sha in html and "the computed MD5 equals the stored one" in html
        assert run("verify", out, "--evidence").returncode == 0
        # a raw copy changed in free space: every file still verifies, the whole-image hash does not
        raw = os.path.join(work, "acq-raw.img")
        shutil.copyfile(img, raw)
        out2 = os.path.join(work, "acq-raw-case")
        assert run("scan", raw, "-o", out2, "-q", "--image-hash").returncode == 0
        with open(raw, "r+b") as f:
            f.seek(os.path.getsize(raw) - 4096)
            f.write(b"changed after the scan")
        v = run("verify", out2, "--evidence")
        assert v.returncode == 1 and b"image acq-raw.img: SHA-256 of the whole image differs" in v.stdout, v.stdout
    tap.result("E01: the acquisition MD5 stored in it and the image hashes computed with --image-hash "
               "equal md5sum/sha256sum and are in the report; verify --evidence re-hashes whole images", run_it)


def windows_product(tap, work):
    def run_it():
        sys.path.insert(0, os.path.join(os.path.dirname(PT), "tests", "fixtures"))
        import mkhive
        d = os.path.join(work, "win")
        cfg = os.path.join(d, "src", "Windows", "System32", "config")
        os.makedirs(cfg)
        mkhive.make(os.path.join(cfg, "SOFTWARE"), "Microsoft\\Windows NT\\CurrentVersion",
                    {"ProductName": "Windows Server 2019 Standard", "CurrentBuild": "17763"})
        fat = os.path.join(d, "win.img")
        subprocess.run(["mkfs.vfat", "-C", "-F", "32", fat, "40000"], check=True, capture_output=True)
        subprocess.run(["mcopy", "-s", "-i", fat, os.path.join(d, "src", "Windows"), "::/"], check=True)
        out = os.path.join(d, "case")
        q = run("scan", fat, "-o", out, "-q")
        assert q.returncode == 0, q.stderr
        os_ = sqlite3.connect(os.path.join(out, "case.db")).execute("SELECT os FROM volumes").fetchone()[0]
        assert os_ == "Windows Server 2019 Standard (build 17763)", os_
        assert os_ in open(os.path.join(out, "report.html"), encoding="utf-8").read()
        # a damaged hive (the suspect's bytes): named as Windows, no crash, the scan goes on
        hive = bytearray(open(os.path.join(cfg, "SOFTWARE"), "rb").read())
        for i in range(0x1000, len(hive), 97):
            hive[i] ^= 0x5a
        open(os.path.join(cfg, "SOFTWARE"), "wb").write(bytes(hive[:9000]))
        fat2 = os.path.join(d, "win2.img")
        subprocess.run(["mkfs.vfat", "-C", "-F", "32", fat2, "40000"], check=True, capture_output=True)
        subprocess.run(["mcopy", "-s", "-i", fat2, os.path.join(d, "src", "Windows"), "::/"], check=True)
        q = run("scan", fat2, "-o", out + "2", "-q")
        assert q.returncode == 0, q.stderr
        os_ = sqlite3.connect(os.path.join(out + "2", "case.db")).execute("SELECT os FROM volumes").fetchone()[0]
        assert os_ == "Windows (the SOFTWARE hive names no product)", os_
    tap.result("the Windows product from the SOFTWARE hive (libhivex); a damaged hive is named, no crash",
               run_it)


def fat_timezone(tap, work):
    def run_it():
        d = os.path.join(work, "tz")
        os.makedirs(d)
        fat, f = os.path.join(d, "fat.img"), os.path.join(d, "a.txt")
        subprocess.run(["mkfs.vfat", "-C", fat, "4096"], check=True, capture_output=True)
        open(f, "w").write("hi\n")
        os.utime(f, (1591012800, 1591012800))  # 2020-06-01T12:00:00Z
        subprocess.run(["mcopy", "-m", "-i", fat, f, "::/a.txt"], check=True, env={**os.environ, "TZ": "UTC"})
        times = []
        for i, (tz, opts) in enumerate((("Asia/Tokyo", []), ("UTC", ["--timezone", "+02:00"]))):
            out = os.path.join(d, f"o{i}")
            q = subprocess.run([PT, "scan", fat, "-o", out, "-q", *opts], capture_output=True,
                               env={**os.environ, "TZ": tz})
            assert q.returncode == 0, q.stderr
            row = [r for r in csv.DictReader(open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8"))
                   if r["path"] == "/a.txt"][0]
            times.append(row["mtime"])
            assert ("timezone=" + (opts[1] if opts else "UTC")) in open(os.path.join(out, "report.html")).read()
        # the machine's own zone never leaks in; --timezone shifts local FAT times to UTC
        assert times == ["2020-06-01T12:00:00Z", "2020-06-01T10:00:00Z"], times
        q = run("scan", fat, "-o", os.path.join(d, "bad"), "--timezone", "Mars/Base")
        assert q.returncode == 2 and b"--timezone" in q.stderr
    tap.result("FAT times: read as UTC whatever the machine's zone; --timezone +02:00 shifts them; stated", run_it)


def suite(tap, work):
    result = tap.result
    img = build(work)
    out = os.path.join(work, "out")
    p = subprocess.run([PT, "scan", img, "-o", out, "-q", "--hash", "sha256,md5",
                        "--case", os.path.join(work, "case.conf")], capture_output=True)
    db = sqlite3.connect(os.path.join(out, "case.db"))
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read() if p.returncode == 0 else ""

    def scanned():
        assert p.returncode == 0, p.stderr.decode()
        for n in ("report.html", "court-manifest.csv", "manifest.dfxml", "manifest.jsonl", "manifest.csv",
                  "SHA256SUMS", "pseudonym.key"):
            assert os.path.isfile(os.path.join(out, n)), n
        assert os.stat(os.path.join(out, "pseudonym.key")).st_mode & 0o077 == 0, "key readable by others"
    result("scan writes every court output", scanned)

    def self_contained():
        # no network, no external assets: nothing fetched from anywhere
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html, re.I), "external reference"
        assert "<link" not in html and "@import" not in html and "url(" not in html
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
    result("report.html is self-contained (no external reference, strict CSP)", self_contained)

    private = db.execute("SELECT path, sha256, md5 FROM items WHERE disposition = 'private'").fetchall()

    def privacy():
        court = open(os.path.join(out, "court-manifest.csv"), encoding="utf-8").read()
        assert len(private) >= 8, private
        for text, name in ((html, "report.html"), (court, "court-manifest.csv")):
            for n in PRIVATE_NAMES + ["dear diary", "dearest", "PRIVILEGED"]:
                assert n not in text, f"{n!r} of a private item appears in {name}"
            for path, sha, md5 in private:
                if sha:
                    assert sha not in text and md5 not in text, f"hash of private {path} in {name}"
                # a private directory's path may show as the parent of a relevant
                # item; as a cell of its own (JSON string, CSV field) it may not
                cell = f'"{path}"' if name == "report.html" else f",{path},"
                assert cell not in text, f"private path {path} in {name}"
    result("private items show no name, path, content or hash in report.html and court-manifest.csv", privacy)

    def court_manifest():
        with open(os.path.join(out, "court-manifest.csv"), newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        want = db.execute("SELECT count(*) FROM items").fetchone()[0]
        assert len(rows) == want, (len(rows), want)
        priv = [r for r in rows if r["disposition"] == "private"]
        assert len(priv) == len(private)
        pseud = [r["pseudonym"] for r in priv]
        assert all(re.fullmatch(r"P-[0-9a-f]{20}", s) for s in pseud), pseud
        assert pseud == sorted(pseud) and len(set(pseud)) == len(pseud), "private rows not by pseudonym"
        assert all(r["id"] == "" and r["path"] == "" and r["sha256"] == "" and r["mtime"] == "" for r in priv)
        assert all(re.fullmatch(r"\d{4}-\d{2}", r["month"]) for r in priv)
        assert "alice" in {r["owner"] for r in priv}, {r["owner"] for r in priv}
        # formulas neutralised, hostile names intact otherwise
        paths = {r["path"] for r in rows}
        assert "'=HYPERLINK(1+2).txt" not in paths  # the apostrophe is at the cell start, not mid-path
        raw = open(os.path.join(out, "court-manifest.csv"), encoding="utf-8").read()
        assert "\n=" not in raw and ",=" not in raw and ",@" not in raw and ",+" not in raw
        assert "/srv/www/<script>document.title='pwned-1'</script>.txt" in paths
    result("court-manifest.csv: private rows redacted and pseudonymised, in pseudonym order", court_manifest)

    def pseudonyms_stable_and_keyed():
        # the same pseudonym is computed from the key: HMAC-SHA256(evidence\0volume\0path)
        import hmac
        key = bytes.fromhex(open(os.path.join(out, "pseudonym.key")).read().strip())
        path = "/home/alice/diary.txt"
        mac = hmac.new(key, b"srv.img\0\0" + path.encode(), hashlib.sha256).hexdigest()[:20]
        court = open(os.path.join(out, "court-manifest.csv"), encoding="utf-8").read()
        assert "P-" + mac in court and "P-" + mac in html
    result("a pseudonym is HMAC-SHA256 of the path under the case key (the examiner can map it back)",
           pseudonyms_stable_and_keyed)

    def dfxml_vs_fiwalk():
        tree = ET.parse(os.path.join(out, "manifest.dfxml"))
        ours = {}
        for fo in tree.iter(DFXML_NS + "fileobject"):
            md5 = [h.text for h in fo.findall(DFXML_NS + "hashdigest") if h.get("type") == "md5"]
            ours[fo.find(DFXML_NS + "filename").text] = (fo.find(DFXML_NS + "filesize").text,
                                                        md5[0] if md5 else None,
                                                        fo.find(PT_NS + "disposition").text)
        assert len(ours) == db.execute("SELECT count(*) FROM items").fetchone()[0]
        fx = os.path.join(work, "fiwalk.xml")
        subprocess.run(["fiwalk", "-X", fx, img], check=True, capture_output=True)
        n = 0
        for fo in ET.parse(fx).iter(DFXML_NS + "fileobject"):
            name = fo.find(DFXML_NS + "filename").text
            if fo.find(DFXML_NS + "name_type").text != "r" or fo.find(DFXML_NS + "alloc").text != "1":
                continue
            md5 = [h.text for h in fo.findall(DFXML_NS + "hashdigest") if h.get("type") == "md5"]
            assert name in ours, name
            assert ours[name][0] == fo.find(DFXML_NS + "filesize").text, name
            assert ours[name][1] == md5[0], name
            n += 1
        assert n >= 15, n
    result("manifest.dfxml parses, lists every item, and agrees with fiwalk on names, sizes and MD5",
           dfxml_vs_fiwalk)

    def regenerate_identical():
        before = {n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)}
        q = subprocess.run([PT, "report", out], capture_output=True)
        assert q.returncode == 0, q.stderr.decode()
        after = {n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)}
        assert before.keys() == after.keys()
        for n in before:
            assert before[n] == after[n], f"{n} differs after ptriage report"
    result("ptriage report rewrites every output byte-identically", regenerate_identical)

    have_chrome = chromium() is not None

    def browser_dom():
        assert have_chrome, "chromium is not installed (make deps installs it)"
        q = subprocess.run(chrome_args(work, "--dump-dom", "file://" + os.path.join(out, "report.html")),
                           capture_output=True, timeout=120)
        dom = q.stdout.decode("utf-8", "replace")
        assert 'data-tables="ready"' in dom, "the report's script did not run:\n" + q.stderr.decode()[-800:]
        assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1), "a name's script ran"
        assert "<script>document.title" not in dom.split("<body")[1].replace(
            "&lt;script&gt;document.title", ""), "hostile name became markup"
        # figures shown equal the database's
        for disp, items, size in db.execute("SELECT coalesce(disposition, '(none)'), count(*), sum(size)"
                                            " FROM items GROUP BY 1"):
            m = re.search(r'<tr><td>' + re.escape(disp) + r'</td><td class="n" data-v="(\d+)">[^<]*</td>'
                          r'<td class="n" data-v="(\d+)">', dom)
            assert m and int(m.group(1)) == items and int(m.group(2)) == size, (disp, items, size)
        for tid, disp in (("relevant", "relevant"), ("review", "needs-review")):
            want = db.execute("SELECT count(*) FROM items WHERE disposition = ?", (disp,)).fetchone()[0]
            m = re.search(r'id="t-%s"[^>]*data-ready="(\d+)"' % tid, dom)
            assert m and int(m.group(1)) == want, (tid, m and m.group(1), want)
        m = re.search(r'id="t-private"[^>]*data-ready="(\d+)"', dom)
        assert m and int(m.group(1)) == len(private)
        # hostile names are rendered as text in the relevant table
        assert "&lt;script&gt;document.title='pwned-1'&lt;/script&gt;.txt" in dom
        assert "\"&gt;&lt;img src=x onerror=\"document.title='pwned-2'\"&gt;.txt" in dom
        assert "line\\x0Abreak.txt" in dom
    result("headless Chromium: the script runs, figures equal case.db, hostile names are text", browser_dom)

    def screenshot():
        assert have_chrome, "chromium is not installed"
        shot = os.path.join(work, "shot.png")
        subprocess.run(chrome_args(work, "--screenshot=" + shot, "--window-size=1200,1600",
                                   "file://" + os.path.join(out, "report.html")),
                       capture_output=True, timeout=120)
        assert os.path.isfile(shot), "no screenshot"
        frac = png_nonwhite(shot)
        assert frac > 0.01, f"screenshot is blank ({frac:.4f} non-white)"
    result("headless Chromium screenshot of report.html is not blank", screenshot)

    def verify_ok():
        q = subprocess.run([PT, "verify", out], capture_output=True)
        assert q.returncode == 0, q.stdout.decode() + q.stderr.decode()
    result("ptriage verify passes on the untouched case", verify_ok)

    export_tests(tap, work, img, out, db)
    signature_tests(tap, work, img)
    directory_export(tap, work)
    acquisition_hashes(tap, work, img)

    def operating_system():
        assert db.execute("SELECT os FROM volumes").fetchall() == [("Debian GNU/Linux 12 (bookworm)",)]
        assert "Debian GNU/Linux 12 (bookworm)" in html
    result("the evidence section names the operating system from /etc/os-release", operating_system)
    fat_timezone(tap, work)
    windows_product(tap, work)

    def validate():
        d = os.path.join(work, "validation")
        q = run("validate", "-o", d)
        rec = open(os.path.join(d, "validation.txt"), encoding="utf-8").read()
        assert q.returncode == 0 and rec.rstrip().endswith("VALIDATED: 0 checks failed"), rec
        assert rec.count("PASS  SHA-256 of a known file") == 12 and "fls -r -p" in rec and "libtsk" in rec
        assert run("validate", "-o", d).returncode == 2  # never overwrites
    result("ptriage validate: known-answer checks pass and are recorded with versions", validate)


def main():
    return run_suite("report", suite)


if __name__ == "__main__":
    sys.exit(main())
