#!/usr/bin/env python3
"""End-to-end tests of scope rules, hash sets and the disposition policy on a
generated server image (users' homes, mail, documents, media, system files).
Every expectation is written out here by hand.  Prints TAP lines."""
import csv
import hashlib
import os
import random
import sqlite3
import subprocess
import sys

from tap import run_suite

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))
T2011 = 1300000000   # 2011-03-13
T2005 = 1110000000   # 2005-03-05


def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.decode(errors='replace')[:400]}")
    return p


def write(root, rel, data, mtime=T2011, uid=0):
    p = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.utime(p, (mtime, mtime))
    os.chown(p, uid, uid)
    return p


def build(work):
    src = os.path.join(work, "srv")
    rng = random.Random(5)
    film = rng.randbytes(200000)
    write(src, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"
                              "bob:x:1001:1001::/home/bob:/bin/bash\n")
    write(src, "/usr/bin/tool", rng.randbytes(5000) + b"\x7fELF")
    write(src, "/home/alice/finance/invoice-2011.txt", "ACME Ltd\nInvoice 2011-17\nTotal: 1200 EUR\n", uid=1000)
    write(src, "/home/alice/finance/invoice-2005.txt", "ACME Ltd\nInvoice 2005-03\nTotal: 80 EUR\n", mtime=T2005, uid=1000)
    write(src, "/home/alice/diary.txt", "dear diary, nothing about work today\n", uid=1000)
    write(src, "/home/alice/privileged.txt", "ACME Ltd invoice discussed with my lawyer: PRIVILEGED\n", uid=1000)
    write(src, "/home/bob/mail/inbox.mbox", "From alice@acme.example Mon Mar 14 2011\nFrom: alice@acme.example\n"
                                            "To: bob@acme.example\nSubject: ledger\n\nsee attached\n", uid=1001)
    write(src, "/home/bob/secret.bin", rng.randbytes(100000), uid=1001)
    write(src, "/srv/media/film.mkv", film)
    write(src, "/srv/www/index.html", "<html><body>public site</body></html>\n")
    for d, dirs, files in os.walk(src):
        for n in dirs:
            os.utime(os.path.join(d, n), (T2011, T2011))
    img = os.path.join(work, "srv.img")
    sh(f"mkfs.ext4 -q -F -d {src} -E root_owner=0:0 -b 1024 {img} 8M")
    rules = os.path.join(work, "scope.yar")
    with open(rules, "w") as f:
        f.write(r'''
rule acme_invoices : relevant
{
    meta: reason = "ACME invoice"
    strings: $a = "ACME Ltd" $b = "invoice" nocase
    condition: $a and $b
}
rule privileged
{
    meta: disposition = "private" reason = "legal privilege"
    strings: $p = "PRIVILEGED"
    condition: $p
}
rule mail_of_alice
{
    meta: disposition = "relevant" reason = "mail of alice"
    strings: $a = "alice@acme.example"
    condition: $a and extension == "mbox" and owner == "bob" and owner_uid == 1001
}
rule externals
{
    condition: filename == "index.html" and filepath == "/srv/www/index.html" and extension == "html"
        and mime == "text/html" and category == "document" and filetype == "HTML" and encryption == "none"
        and owner_uid == 0
        and owner == "root" and mtime == 1300000000 and evidence == "srv.img" and volume == ""
        and kind == "file" and allocated == 1 and size == 38 and entropy > 3.0 and container == ""
}
''')
    with open(os.path.join(work, "films.sha256"), "w") as f:
        f.write(hashlib.sha256(film).hexdigest() + "  film.mkv\n")
    tool = open(os.path.join(src, "usr/bin/tool"), "rb").read()
    with open(os.path.join(work, "known.hashdeep"), "w") as f:
        f.write("%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## comment\n")
        f.write(f"{len(tool)},{hashlib.md5(tool).hexdigest()},{hashlib.sha256(tool).hexdigest()},/usr/bin/tool\n")
    with open(os.path.join(work, "case.conf"), "w") as f:
        f.write("[case]\nnumber = T-1\n\n[policy]\nprecedence = private, relevant, needs-review, system\n"
                "date_from = 2010-01-01\ndate_to = 2012-12-31\n\n"
                "[hashsets]\nrelevant = films.sha256\nsystem = known.hashdeep\n\n"
                f"[rules]\npaths = {os.path.join(ROOT, 'rules', 'default.yar')}, scope.yar\n")
    return img


EXPECT = {
    "/home/alice/finance/invoice-2011.txt": ("relevant", "acme_invoices"),
    "/home/alice/finance/invoice-2005.txt": ("private", "outside the date window"),
    "/home/alice/diary.txt": ("private", "user area"),
    "/home/alice/privileged.txt": ("private", "legal privilege"),      # private outranks relevant here
    "/home/bob/mail/inbox.mbox": ("relevant", "mail of alice"),
    "/home/bob/secret.bin": ("needs-review", "suspected"),
    "/srv/media/film.mkv": ("relevant", "hash set films.sha256"),
    "/usr/bin/tool": ("system", "hash set known.hashdeep"),            # both a hash set and default.yar say system
    "/etc/passwd": ("system", "unix_system_paths"),
    "/srv/www/index.html": ("needs-review", "no rule matched"),
    "/lost+found": ("system", "filesystem_metadata"),
    "/home/alice": ("private", "user area"),
    "/home/alice/finance": ("private", "user area"),
    "/home/bob": ("private", "user area"),
    "/home/bob/mail": ("private", "user area"),
    "/home": ("system", "unix_special_files"),     # the directory itself; what it holds is judged apart
    "/etc": ("system", "unix_system_paths"),
    "/usr": ("system", "unix_system_paths"),
    "/usr/bin": ("system", "unix_system_paths"),
    "/srv": ("system", "unix_special_files"),
    "/srv/media": ("needs-review", "no rule matched"),
    "/srv/www": ("needs-review", "no rule matched"),
    "/$OrphanFiles": ("system", "filesystem_metadata"),
}


def suite(tap, work):
    result = tap.result
    img = build(work)
    out = os.path.join(work, "out")
    p = subprocess.run([PT, "scan", img, "-o", out, "-q", "--case", os.path.join(work, "case.conf")],
                       capture_output=True)
    rows = {}
    if p.returncode in (0, 1):
        with open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8") as f:
            rows = {r["path"]: r for r in csv.DictReader(f)}

    def scanned():
        assert p.returncode == 0, p.stderr.decode()
    result("scan with case.conf, rules and hash sets", scanned)

    for path, (disp, why) in EXPECT.items():
        def check(path=path, disp=disp, why=why):
            r = rows[path]
            assert r["disposition"] == disp, f"{path}: {r['disposition']} ({r['reason']}), expected {disp}"
            assert why in r["reason"] or why in r["rules"], f"{path}: reason {r['reason']!r} lacks {why!r}"
        result(f"{path} is {disp}", check)

    def every_item_decided():
        assert rows and all(r["disposition"] in ("relevant", "private", "system", "needs-review")
                            for r in rows.values())
        assert sorted(rows) == sorted(EXPECT), (sorted(set(rows) - set(EXPECT)), sorted(set(EXPECT) - set(rows)))
    result("every item has the expected disposition (the expectations cover the whole image)", every_item_decided)

    def externals():
        assert "scope_yar:externals" in rows["/srv/www/index.html"]["rules"], rows["/srv/www/index.html"]
    result("every external variable reaches the rules", externals)

    def matches_table():
        con = sqlite3.connect(os.path.join(out, "case.db"))
        m = con.execute("SELECT m.rule, m.hits, m.disposition FROM matches m JOIN items i ON i.id = m.item_id "
                        "WHERE i.path = '/home/alice/finance/invoice-2011.txt' AND m.rule = 'acme_invoices'").fetchall()
        cols = [c[1] for c in con.execute("PRAGMA table_info(matches)")]
        run = con.execute("SELECT case_number, rule_files FROM run").fetchone()
        con.close()
        assert m == [("acme_invoices", 2, "relevant")], m
        assert not any("data" in c or "bytes" in c for c in cols), "matched bytes must never be stored"
        assert run[0] == "T-1" and "scope.yar" in run[1] and "default.yar" in run[1]
    result("matches stored with hit counts, never bytes; rule files hashed in the run", matches_table)

    def compile_error():
        bad = os.path.join(work, "bad.yar")
        with open(bad, "w") as f:
            f.write("rule ok { condition: true }\n\nrule broken {\n  condition: nosuchvar == 1\n}\n")
        q = subprocess.run([PT, "scan", img, "-o", os.path.join(work, "o-bad"), "-q", "--rules", bad],
                           capture_output=True)
        assert q.returncode == 2, q.returncode
        assert f"{bad}:4: error" in q.stderr.decode(), q.stderr
        assert not os.path.exists(os.path.join(work, "o-bad")), "nothing is scanned or written on a rule error"
        q = subprocess.run([PT, "rules", "check", bad], capture_output=True)
        assert q.returncode == 2 and f"{bad}:4:" in q.stderr.decode()
        q = subprocess.run([PT, "rules", "check", os.path.join(ROOT, "rules")], capture_output=True)
        assert q.returncode == 0 and b"unix_system_paths" in q.stdout, q.stderr
        lint = os.path.join(work, "lint.yar")
        with open(lint, "w") as f:
            f.write('rule a {\n meta: disposition = "relevent"\n condition: category == "documents" or encryption == "none"\n}\n'
                    # LOKI/THOR conventions: filetype is defined; extension has no dot
                    'rule b {\n condition: filetype == "EXE" and extension != ".msi"\n'
                    '  and not extension contains ".ini" and extension iequals "DLL" and filetype == "exe"\n}\n')
        q = subprocess.run([PT, "rules", "check", lint], capture_output=True)
        e = q.stderr.decode()
        assert q.returncode == 0, e
        assert f'{lint}:3: warning: category is never "documents"' in e, e
        assert 'unknown disposition "relevent"' in e and "encryption is never" not in e, e
        assert f'{lint}:6: warning: extension is lower case without the dot ("exe", not ".EXE"): ".msi"' in e, e
        assert f'{lint}:7: warning: extension is lower case without the dot ("exe", not ".EXE"): ".ini"' in e, e
        assert '"DLL"' not in e and 'filetype is never "EXE"' not in e, e
        assert f'{lint}:7: warning: filetype is never "exe"' in e, e
        # public rule sets are index files with relative, nested includes:
        # each included file is hashed into the record too
        inc = os.path.join(work, "inc")
        os.makedirs(os.path.join(inc, "sub", "deeper"), exist_ok=True)
        with open(os.path.join(inc, "index.yar"), "w") as f:
            f.write('include "sub/one.yar"\n')
        with open(os.path.join(inc, "sub", "one.yar"), "w") as f:
            f.write('include "deeper/two.yar"\nrule one { condition: filesize > 0 }\n')
        with open(os.path.join(inc, "sub", "deeper", "two.yar"), "w") as f:
            f.write('rule two { condition: filesize > 1 }\n')
        q = subprocess.run([PT, "rules", "check", os.path.join(inc, "index.yar")], capture_output=True, cwd="/")
        o = q.stdout.decode()
        assert q.returncode == 0 and "index_yar:one" in o and "index_yar:two" in o, (o, q.stderr)
        for rel in ("sub/one.yar", "sub/deeper/two.yar"):
            digest = hashlib.sha256(open(os.path.join(inc, rel), "rb").read()).hexdigest()
            assert f"{digest}  {os.path.join(inc, rel)} (included)" in o, o
        with open(os.path.join(inc, "sub", "one.yar"), "a") as f:
            f.write('include "missing.yar"\n')
        q = subprocess.run([PT, "rules", "check", os.path.join(inc, "index.yar")], capture_output=True, cwd="/")
        e = q.stderr.decode()
        assert q.returncode == 2 and f'{os.path.join(inc, "sub", "one.yar")}:3: error: cannot read the included file "missing.yar"' in e, e
    result("a compile error names file and line and stops the run; impossible comparisons and unknown "
           "dispositions are warned about", compile_error)

    def standard_modules():
        mods = os.path.join(work, "modules.yar")
        with open(mods, "w") as f:
            f.write('import "hash"\nimport "math"\nimport "pe"\nimport "elf"\nimport "time"\n'
                    'rule by_hash { condition: hash.sha256(0, filesize) == sha256 and filesize > 0 }\n'
                    'rule by_entropy { condition: filesize > 50000 and math.entropy(0, filesize) > 7.9 }\n'
                    'rule not_pe_or_elf { condition: not pe.is_pe and not defined elf.type }\n'
                    'rule in_the_past { condition: time.now() > mtime }\n')
        o5 = os.path.join(work, "o-mod")
        q = subprocess.run([PT, "scan", img, "-o", o5, "-q", "--rules", mods], capture_output=True)
        assert q.returncode == 0, q.stderr
        with open(os.path.join(o5, "manifest.csv"), newline="", encoding="utf-8") as f:
            r5 = {r["path"]: r for r in csv.DictReader(f)}
        rules = r5["/home/bob/secret.bin"]["rules"].split()
        assert {"modules_yar:by_hash", "modules_yar:by_entropy", "modules_yar:not_pe_or_elf",
                "modules_yar:in_the_past"} <= set(rules), rules
        assert "modules_yar:by_entropy" not in r5["/home/alice/diary.txt"]["rules"]
    result("standard modules (hash, math, pe, elf, time) work in scope rules", standard_modules)

    def public_rule_habits():
        # what public rule sets do: LOKI/THOR externals, a "slow" string that
        # matches everywhere (libyara stops recording it past its limit)
        ev = os.path.join(work, "pub-ev")
        os.makedirs(ev, exist_ok=True)
        with open(os.path.join(ev, "zeros.bin"), "wb") as f:
            f.write(bytes(4 << 20))
        with open(os.path.join(ev, "tool.exe"), "wb") as f:
            f.write(b"MZ" + bytes(510))
        pub = os.path.join(work, "public.yar")
        with open(pub, "w") as f:
            f.write('rule zeros { strings: $z = { 00 00 } condition: $z }\n'
                    'rule loki_style { condition: uint16(0) == 0x5a4d and filename == "tool.exe"'
                    ' and not filetype == "ZIP" and filepath contains "tool" }\n')
        o6 = os.path.join(work, "o-pub")
        q = subprocess.run([PT, "scan", ev, "-o", o6, "-q", "--rules", pub], capture_output=True)
        assert q.returncode == 0, q.stderr
        with open(os.path.join(o6, "manifest.csv"), newline="", encoding="utf-8") as f:
            r6 = {r["path"]: r for r in csv.DictReader(f)}
        z = r6["/zeros.bin"]
        assert z["rules"] == "public_yar:zeros", z
        assert "rule zeros string $z: over 1000000 matches, counted up to there" in z["error"], z
        assert "public_yar:loki_style" in r6["/tool.exe"]["rules"], r6["/tool.exe"]
        with sqlite3.connect(os.path.join(o6, "case.db")) as con:
            sev = con.execute("SELECT error_severity FROM items WHERE path = '/zeros.bin'").fetchone()[0]
        assert sev == "note", sev
        # a rule set made on Windows (.YAR) is read from a directory; yarac's
        # compiled output is refused by name, not as a syntax error
        rs = os.path.join(work, "winset")
        os.makedirs(rs, exist_ok=True)
        with open(os.path.join(rs, "UPPER.YAR"), "w") as f:
            f.write('rule upper_case_file { condition: filesize > 0 }\n')
        q = subprocess.run([PT, "rules", "check", rs], capture_output=True)
        assert q.returncode == 0 and b"UPPER_YAR:upper_case_file" in q.stdout, (q.stdout, q.stderr)
        sh(f"yarac {rs}/UPPER.YAR {rs}/compiled.yarc")
        q = subprocess.run([PT, "rules", "check", os.path.join(rs, "compiled.yarc")], capture_output=True)
        e = q.stderr.decode()
        assert q.returncode == 2 and "compiled.yarc:1: error: compiled rules (yarac output) are not accepted" in e, e
    result("public rule habits: filetype/filename externals, a string past libyara's match limit is a note, "
           ".YAR files, compiled rules refused by name",
           public_rule_habits)

    def profile():
        sample = os.path.join(work, "srv")
        q = subprocess.run([PT, "rules", "check", "--profile", sample, os.path.join(work, "scope.yar")],
                           capture_output=True)
        out_text = q.stdout.decode()
        assert q.returncode == 0, q.stderr
        assert "profile over" in out_text and "MiB/s" in out_text and "scope_yar:acme_invoices" in out_text, out_text
    result("rules check --profile times each rule on a sample", profile)

    def bad_case_conf():
        bad = os.path.join(work, "bad.conf")
        with open(bad, "w") as f:
            f.write("[policy]\ndate_from = 2010-13-45\n")
        q = subprocess.run([PT, "scan", img, "-o", os.path.join(work, "o-conf"), "-q", "--case", bad],
                           capture_output=True)
        assert q.returncode == 2 and f"{bad}:2:" in q.stderr.decode(), q.stderr
        with open(bad, "w") as f:
            f.write("[policy]\nencrypted = maybe\n")
        q = subprocess.run([PT, "scan", img, "-o", os.path.join(work, "o-conf2"), "-q", "--case", bad],
                           capture_output=True)
        assert q.returncode == 2 and f"{bad}:2:" in q.stderr.decode(), q.stderr
    result("a bad case.conf is refused with file:line", bad_case_conf)

    def nsrl_and_md5sum():
        tool = open(os.path.join(work, "srv", "usr", "bin", "tool"), "rb").read()
        nsrl = os.path.join(work, "NSRLFile.txt")
        with open(nsrl, "w") as f:
            f.write('"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n')
            f.write(f'"{hashlib.sha1(tool).hexdigest().upper()}","{hashlib.md5(tool).hexdigest().upper()}",'
                    f'"00000000","tool",{len(tool)},1,"358",""\n')
        md5s = os.path.join(work, "films.md5")
        film = open(os.path.join(work, "srv", "srv", "media", "film.mkv"), "rb").read()
        with open(md5s, "w") as f:
            f.write(hashlib.md5(film).hexdigest() + " *film.mkv\n")
        conf = os.path.join(work, "c2.conf")
        with open(conf, "w") as f:
            f.write("[hashsets]\nsystem = NSRLFile.txt\nrelevant = films.md5\n")
        o2 = os.path.join(work, "o-nsrl")
        q = subprocess.run([PT, "scan", img, "-o", o2, "-q", "--case", conf], capture_output=True)
        assert q.returncode == 0, q.stderr
        with open(os.path.join(o2, "manifest.csv"), newline="", encoding="utf-8") as f:
            r2 = {r["path"]: r for r in csv.DictReader(f)}
        assert r2["/usr/bin/tool"]["disposition"] == "system" and "NSRLFile.txt" in r2["/usr/bin/tool"]["reason"]
        assert r2["/srv/media/film.mkv"]["disposition"] == "relevant" and "films.md5" in r2["/srv/media/film.mkv"]["reason"]
        assert r2["/srv/media/film.mkv"]["md5"], "md5 computed because a set needs it"
        # NSRL RDSv3: a SQLite database (table FILE, upper-case hex), read by its sha256 column
        rds = os.path.join(work, "RDS_2024.12.1_modern_minimal.db")
        c = sqlite3.connect(rds)
        c.execute("CREATE TABLE FILE(sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, "
                  "crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, "
                  "package_id INTEGER NOT NULL)")
        c.execute("INSERT INTO FILE VALUES(?, ?, ?, '00000000', 'tool', ?, 1)",
                  (hashlib.sha256(tool).hexdigest().upper(), hashlib.sha1(tool).hexdigest().upper(),
                   hashlib.md5(tool).hexdigest().upper(), len(tool)))
        c.commit()
        c.close()
        with open(conf, "w") as f:
            f.write(f"[hashsets]\nsystem = {os.path.basename(rds)}\n")
        o3 = os.path.join(work, "o-rds3")
        q = subprocess.run([PT, "scan", img, "-o", o3, "-q", "--case", conf], capture_output=True)
        assert q.returncode == 0, q.stderr
        with open(os.path.join(o3, "manifest.csv"), newline="", encoding="utf-8") as f:
            r3 = {r["path"]: r for r in csv.DictReader(f)}
        assert r3["/usr/bin/tool"]["disposition"] == "system" and "modern_minimal.db" in r3["/usr/bin/tool"]["reason"]
        assert not r3["/usr/bin/tool"]["md5"], "an RDSv3 set is read by SHA-256: no MD5 needed"
    result("NSRL RDS (text and RDSv3 SQLite) and md5sum hash sets", nsrl_and_md5sum)

    def streamed_large_items():
        ev = os.path.join(work, "bigev")
        os.makedirs(ev)
        with open(os.path.join(ev, "big.bin"), "wb") as f:
            f.truncate(40 << 20)
            f.seek((16 << 20) - 5)          # straddles the first 16 MiB block edge
            f.write(b"STRADDLE-MARKER")
            f.seek((16 << 20) - 30000)      # inside the blocks' overlap: must count once
            f.write(b"OVERLAP-MARKER")
            f.seek(30 << 20)
            f.write(b"INSIDE-MARKER")
        with open(os.path.join(ev, "huge.bin"), "wb") as f:
            f.truncate(1 << 30)             # 1 GiB, sparse on the examiner's disk
        rules = os.path.join(work, "big.yar")
        with open(rules, "w") as f:
            f.write('rule straddle { meta: disposition = "relevant" strings: $a = "STRADDLE-MARKER" condition: $a }\n'
                    'rule inside { strings: $b = "INSIDE-MARKER" condition: #b == 1 and @b[1] == 31457280 }\n'
                    'rule overlap_once { strings: $o = "OVERLAP-MARKER" condition: #o == 1 }\n'
                    'rule fsize { condition: filesize == 41943040 and size == 41943040 }\n')
        o4 = os.path.join(work, "o-big")
        proc = subprocess.Popen([PT, "scan", ev, "-o", o4, "-q", "-j", "1", "--rules", rules, "--yara-max",
                                 "1048576"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err_out = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        peak_kb = usage.ru_maxrss
        assert os.waitstatus_to_exitcode(status) == 0, err_out
        with open(os.path.join(o4, "manifest.csv"), newline="", encoding="utf-8") as f:
            r4 = {r["path"]: r for r in csv.DictReader(f)}
        got = set(r4["/big.bin"]["rules"].split())
        assert got == {"big_yar:straddle", "big_yar:inside", "big_yar:overlap_once", "big_yar:fsize"}, got
        assert r4["/big.bin"]["disposition"] == "relevant"
        assert "streamed in 16 MiB blocks" in r4["/big.bin"]["error"]
        assert r4["/huge.bin"]["sha256"] == "49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14"
        # the whole 1 GiB went through hashing and the rules in bounded memory
        # (sanitizer builds keep freed memory in quarantine: not measured there)
        if "asan" not in PT and "tsan" not in PT:
            assert peak_kb < 400 * 1024, f"peak RSS {peak_kb} KB"
    result("items above --yara-max are streamed: edge-straddling match found, 1 GiB in bounded memory",
           streamed_large_items)

    def jobs_deterministic():
        o3 = os.path.join(work, "o-j1")
        q = subprocess.run([PT, "scan", img, "-o", o3, "-q", "-j", "1", "--case", os.path.join(work, "case.conf")],
                           capture_output=True)
        assert q.returncode == 0
        assert open(os.path.join(o3, "manifest.csv"), "rb").read() == open(os.path.join(out, "manifest.csv"), "rb").read()
    result("dispositions identical with one thread", jobs_deterministic)

    def windows_defaults():
        # a Windows tree under the shipped rules and the default policy
        want = {"/Windows/System32/kernel32.dll": ("system", "windows_system_paths"),
                "/Program Files/App/app.exe": ("system", "windows_system_paths"),
                "/Windows.old/Windows/System32/k.dll": ("system", "windows_system_paths"),
                "/Windows.old/Users/alice/old.txt": ("private", "user area"),
                "/Users/bob/Desktop/notes.txt": ("private", "user area"),
                "/$Recycle.Bin/S-1-5-21-1-2-3-1001/$RAB12CD.docx": ("private", "windows_recycle_bin"),
                "/pagefile.sys": ("needs-review", "swap_and_hibernation"),
                "/$MFT": ("system", "filesystem_metadata")}
        tree = os.path.join(work, "wintree")
        for path in want:
            write(tree, path.lstrip("/"), b"x\n")
        conf = os.path.join(work, "win.conf")
        open(conf, "w").write(f"[rules]\npaths = {os.path.join(ROOT, 'rules', 'default.yar')}\n")
        o4 = os.path.join(work, "o-win")
        q = subprocess.run([PT, "scan", tree, "-o", o4, "-q", "--case", conf], capture_output=True)
        assert q.returncode == 0, q.stderr
        with open(os.path.join(o4, "manifest.csv"), newline="", encoding="utf-8") as f:
            got = {r["path"]: r for r in csv.DictReader(f)}
        for path, (disp, why) in want.items():
            r = got[path]
            assert r["disposition"] == disp and (why in r["reason"] or why in r["rules"]), (path, r["disposition"],
                                                                                           r["reason"])
    result("Windows under the shipped rules: system folders (Windows.old's too) system, profiles and recycle bins "
           "private, the page file for review", windows_defaults)


def main():
    return run_suite("scope", suite)


if __name__ == "__main__":
    sys.exit(main())
