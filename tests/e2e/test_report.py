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
from tap import Tap  # noqa: E402
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
    os.remove(img)
    test_scope.sh(f"mkfs.ext4 -q -F -d {src} -E root_owner=0:0 -b 1024 {img} 8M")
    return img


def main():
    work = tempfile.mkdtemp(prefix="ptriage-report-")
    tap = Tap("report")
    result = tap.result
    try:
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
    except Exception:
        tap.crashed("setup")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
