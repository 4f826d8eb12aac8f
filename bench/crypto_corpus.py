#!/usr/bin/env python3
"""Labelled corpus for the encryption-classification accuracy benchmark.

Writes DIR/files/<generator>/<size>.<ext> and DIR/labels.csv with columns
path,label,generator,hard,format (label 1 = encrypted, known or headerless;
format = the encryption_format expected for known formats).  Every sample is
made by the real tool (gpg, age, openssl, 7z, zip, qpdf, cryptsetup,
ssh-keygen, gzip, xz, bzip2, zstd, brotli, cjpeg, flac, oggenc) from deterministic
input.  usage: crypto_corpus.py DIR [--quick]"""
import base64
import bz2
import csv
import io
import lzma
import math
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib

SIZES = [256, 700, 3000, 12000, 70000, 500000, 2100000, 8388608]
WORDS = ("the of and invoice account payment ledger customer order total tax rate date name "
         "address server backup config user password email meeting report quarter").split()


_POOL = {}


def text_bytes(rng, n):
    """Word text; large sizes reuse a 2 MiB pool from a random offset (fast)."""
    if n > (1 << 20):
        pool = _POOL.get("text")
        if pool is None:
            pool = _POOL["text"] = text_bytes(random.Random(7), 1 << 20) * 2
        off = rng.randrange(len(pool))
        return (pool[off:] + pool * (n // len(pool) + 1))[:n]
    out = []
    size = 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14))) + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def csv_bytes(rng, n):
    rows, size = ["id,date,customer,amount,currency\n"], 0
    i = 0
    while size < n:
        r = f"{i},2011-{rng.randint(1,12):02d}-{rng.randint(1,28):02d},cust{rng.randint(1,999)},{rng.randint(1,99999)/100},EUR\n"
        rows.append(r)
        size += len(r)
        i += 1
    return "".join(rows).encode()[:n]


def source_bytes(rng, n):
    out, size, i = [], 0, 0
    while size < n:
        f = f"static int f{i}(int a, int b)\n{{\n    if (a > {rng.randint(0,99)})\n        return a * b + {i};\n    return b - a;\n}}\n\n"
        out.append(f)
        size += len(f)
        i += 1
    return "".join(out).encode()[:n]


def html_bytes(rng, n):
    body = text_bytes(rng, max(n - 80, 10)).decode().replace("\n", "</p>\n<p>")
    return (f"<!DOCTYPE html>\n<html><head><title>r</title></head><body><p>{body}</p></body></html>\n").encode()[:n]


def bmp_bytes(rng, n):
    w = max(4, int(math.sqrt(max(n - 54, 48) / 3)) // 4 * 4)
    h = max(1, (n - 54) // (w * 3))
    rows = [bytes(((x * 3 + v) & 255 if x % 3 else (x + v * 2) & 255) for x in range(w * 3)) for v in range(16)]
    px = b"".join(rows[(y * 7 + rng.randint(0, 1)) % 16] for y in range(h))
    hdr = b"BM" + struct.pack("<IHHI", 54 + len(px), 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(px), 2835, 2835, 0, 0)
    return hdr + bytes(px)


def wav_bytes(rng, n):
    frames = max((n - 44) // 2, 8)
    period = b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.05) + rng.randint(-200, 200))) for i in range(min(frames, 8192)))
    data = (period * (frames // 8192 + 1))[:frames * 2]
    return b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16) + b"data" + struct.pack("<I", len(data)) + data


def sqlite_bytes(rng, n, tmp):
    p = tmp + ".sqlite"
    if os.path.exists(p):
        os.remove(p)
    con = sqlite3.connect(p)
    con.execute("create table t(id integer primary key, name text, amount real)")
    rows = max(n // 40, 1)
    con.executemany("insert into t(name, amount) values(?,?)", ((rng.choice(WORDS) * 2, rng.random() * 1000) for _ in range(rows)))
    con.commit()
    con.close()
    d = open(p, "rb").read()
    os.remove(p)
    return d


def png_bytes(rng, n):
    w = max(8, int(math.sqrt(n)))
    raw = b"".join(b"\x00" + bytes(((x * y + rng.randint(0, 3)) & 255 for x in range(w * 3))) for y in range(w))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, w, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def pdf_flate_bytes(rng, n):
    content = zlib.compress(b"BT /F1 12 Tf 72 712 Td (" + text_bytes(rng, n) + b") Tj ET")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.5\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return bytes(out)


def docx_bytes(rng, n):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>' + text_bytes(rng, n) + b"</w:t></w:r></w:p></w:body></w:document>")
    return b.getvalue()


def run(cmd, cwd, inp=None):
    p = subprocess.run(cmd, cwd=cwd, shell=True, input=inp, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr[:300]!r}")
    return p.stdout


def main():
    out = sys.argv[1]
    quick = "--quick" in sys.argv
    sizes = SIZES[:6] if quick else SIZES
    rng = random.Random(1125)
    tmp = os.path.join(out, "tmp")
    os.makedirs(tmp, exist_ok=True)
    gh = os.path.join(out, "gnupg")
    os.makedirs(gh, mode=0o700, exist_ok=True)
    os.environ["GNUPGHOME"] = gh
    if not os.path.exists(os.path.join(out, "age.key")):
        run(f"gpg --batch --quiet --passphrase '' --quick-gen-key 'B <b@example.org>' rsa2048 encr never", out)
        run(f"age-keygen -o {out}/age.key 2>/dev/null", out)
    age_r = run(f"age-keygen -y {out}/age.key", out).decode().strip()
    labels = []

    def put(gen, size, data, label, hard=0, fmt="", ext="bin"):
        d = os.path.join(out, "files", gen)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, f"{size}.{ext}")
        with open(p, "wb") as f:
            f.write(data)
        labels.append((os.path.relpath(p, os.path.join(out, "files")), label, gen, hard, fmt))

    def tool(cmd, data):
        i, o = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        for q in (o,):
            if os.path.exists(q):
                os.remove(q)
        with open(i, "wb") as f:
            f.write(data)
        run(cmd.format(i=i, o=o), tmp)
        return open(o, "rb").read()

    gpg = "gpg --batch --quiet --yes --pinentry-mode loopback --passphrase pw"
    enc = {
        "gpg-sym": (f"{gpg} -c -o {{o}} {{i}}", "pgp"),
        "gpg-sym-armor": (f"{gpg} -c -a -o {{o}} {{i}}", "pgp"),
        "gpg-pk": ("gpg --batch --quiet --yes --trust-model always -e -r b@example.org -o {o} {i}", "pgp"),
        "gpg-pk-armor": ("gpg --batch --quiet --yes --trust-model always -e -a -r b@example.org -o {o} {i}", "pgp"),
        "age": (f"age -r {age_r} -o {{o}} {{i}}", "age"),
        "age-armor": (f"age -a -r {age_r} -o {{o}} {{i}}", "age"),
        "openssl-salted": ("openssl enc -aes-256-cbc -pbkdf2 -k pw -in {i} -out {o}", "openssl-salted"),
        "openssl-base64": ("openssl enc -aes-256-cbc -pbkdf2 -a -k pw -in {i} -out {o}", "openssl-salted"),
        "openssl-raw-ctr": ("openssl enc -aes-128-ctr -nosalt -K 00112233445566778899aabbccddeeff -iv 01 -in {i} -out {o}", "random-data"),
        "openssl-raw-cbc": ("openssl enc -aes-256-cbc -nosalt -K " + "ab" * 32 + " -iv " + "cd" * 16 + " -in {i} -out {o}", "random-data"),
        "openssl-raw-chacha20": ("openssl enc -chacha20 -nosalt -K " + "ef" * 32 + " -iv " + "01" * 16 + " -in {i} -out {o}", "random-data"),
        "7z-aes": ("cp {i} data.txt && 7z a -pSecret {o}.7z data.txt >/dev/null && mv {o}.7z {o}", "7z-aes"),
        "7z-aes-mhe": ("cp {i} data.txt && 7z a -pSecret -mhe=on {o}.7z data.txt >/dev/null && mv {o}.7z {o}", "7z-aes"),
        "zip-crypto": ("cp {i} data.txt && zip -q -P pw {o}.zip data.txt && mv {o}.zip {o}", "zip-crypto"),
        "zip-aes": ("cp {i} data.txt && 7z a -pSecret -mem=AES256 -tzip {o}.zip data.txt >/dev/null && mv {o}.zip {o}", "zip-aes"),
    }
    for gen, (cmd, fmt) in enc.items():
        for s in sizes:
            src = text_bytes(rng, s) if "raw" not in gen else rng.randbytes(s) if rng.random() < 0.3 else text_bytes(rng, s)
            put(gen, s, tool(cmd, src), 1, 0, fmt)
    for s in sizes[:5]:
        pdf = pdf_flate_bytes(rng, s)
        put("qpdf-aes256", s, tool("qpdf --encrypt u o 256 -- {i} {o}", pdf), 1, 0, "pdf-encrypted", "pdf")
        put("qpdf-rc4", s, tool("qpdf --allow-weak-crypto --encrypt u o 128 --use-aes=n -- {i} {o}", pdf), 1, 0, "pdf-encrypted", "pdf")
    # private keys under a passphrase: OpenSSH's own format, traditional PEM
    # (Proc-Type: 4,ENCRYPTED) and PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)
    k = os.path.join(tmp, "k")
    for fmt, gen, opt in (("ssh-key-encrypted", "ssh-key-encrypted", ""), ("pem-encrypted", "pem-key-encrypted", "-m PEM"),
                          ("pkcs8-encrypted", "pkcs8-key-encrypted", "-m PKCS8")):
        for kind in ("ed25519", "rsa", "ecdsa"):
            if kind == "ed25519" and opt:
                continue          # ssh-keygen writes ed25519 keys in its own format only
            for q in (k, k + ".pub"):
                if os.path.exists(q):
                    os.remove(q)
            run(f"ssh-keygen -q -t {kind} {opt} -N {'secret' if opt else 'pw'} -f {k}", tmp)
            put(gen, kind, open(k, "rb").read(), 1, 0, fmt, "key")
    for kind, opt in (("ed25519", "-algorithm ed25519"), ("rsa3072", "-algorithm rsa -pkeyopt rsa_keygen_bits:3072"),
                      ("ec", "-algorithm ec -pkeyopt ec_paramgen_curve:P-256")):
        put("pkcs8-key-encrypted", "openssl-" + kind,
            run(f"openssl genpkey {opt} -aes-256-cbc -pass pass:pw", tmp), 1, 0, "pkcs8-encrypted", "key")
    # key stores: OpenPGP secret keys (protected, armoured, unprotected),
    # gpg-agent key files, PKCS#12 with and without encryption
    for algo in ("rsa2048", "ed25519", "nistp256"):
        uid = f"S{algo} <s{algo}@example.org>"
        run(f"{gpg} --quick-gen-key '{uid}' {algo} default never", tmp)
        put("pgp-secret-key", algo, run(f"{gpg} --export-secret-keys '{uid}'", tmp), 1, 0, "pgp-secret-key", "gpg")
        put("pgp-secret-key", algo + "-armor", run(f"{gpg} --export-secret-keys -a '{uid}'", tmp), 1, 0,
            "pgp-secret-key", "asc")
        grip = run(f"gpg --with-colons --with-keygrip -K '{uid}'", tmp).decode().split("grp:::::::::")[1].split(":")[0]
        put("gpg-agent-key", algo, open(os.path.join(os.environ["GNUPGHOME"], "private-keys-v1.d", grip + ".key"),
                                        "rb").read(), 1, 0, "gpg-agent-key", "key")
    put("pgp-secret-key-plain", "rsa2048", run("gpg --batch --export-secret-keys b@example.org", tmp), 0, 0, "",
        "gpg")
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout p12k.pem -out p12c.pem -subj /CN=x -days 1 2>/dev/null",
        tmp)
    for v, opt in enumerate(("", "-keypbe AES-256-CBC -certpbe AES-256-CBC", "-legacy")):
        try:
            put("pkcs12-encrypted", f"v{v + 1}", run(f"openssl pkcs12 -export -in p12c.pem -inkey p12k.pem "
                                                     f"-passout pass:pw {opt}", tmp), 1, 0, "pkcs12-encrypted", "p12")
        except RuntimeError:
            pass          # -legacy needs OpenSSL's legacy provider
    put("pkcs12-plain", "nopbe", run("openssl pkcs12 -export -in p12c.pem -inkey p12k.pem -passout pass: "
                                     "-keypbe NONE -certpbe NONE -nomaciter", tmp), 0, 0, "", "p12")
    # Java key stores (keytool, when a JDK is there)
    if shutil.which("keytool"):
        kt = "keytool -storepass secret1 -keypass secret1"
        for t in ("JKS", "JCEKS"):
            ks = os.path.join(tmp, "k." + t.lower())
            if os.path.exists(ks):
                os.remove(ks)
            run(f"{kt} -genkeypair -alias a -keyalg RSA -keysize 2048 -dname CN=x -storetype {t} -keystore {ks} "
                "-validity 1", tmp)
            put("java-keystore", t.lower(), open(ks, "rb").read(), 1, 0, "java-keystore", "ks")
    # formats no Debian tool writes encrypted, by their specifications (the
    # test suite's fixture writers)
    fx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
    for kind, fmt in (("odt-encrypted", "odf-encrypted"), ("vault", "ansible-vault"),
                      ("ab-encrypted", "android-backup"), ("ecryptfs", "ecryptfs"), ("odt-plain", ""),
                      ("ab-plain", "")):
        put(kind, "spec", tool(f"python3 {fx}/mkcrypted.py {kind} {{o}}", b""), 1 if fmt else 0, 0, fmt)
    for kind, fmt in (("doc-enc", "doc-encrypted"), ("doc-enc-large", "doc-encrypted"),
                      ("xls-enc", "xls-encrypted"), ("ppt-enc", "ppt-encrypted"),
                      ("doc", ""), ("xls", ""), ("ppt", "")):
        put("cfb-" + kind, "spec", tool(f"python3 {fx}/mkcfb.py {kind} {{o}}", b""), 1 if fmt else 0, 0, fmt)
    # LUKS headers of several kinds, each on an 18 MiB file
    luks = {"luks1": ["--cipher aes-xts-plain64 --key-size 512 --iter-time 1",
                      "--cipher aes-cbc-essiv:sha256 --key-size 256 --iter-time 1",
                      "--cipher aes-cbc-plain64 --key-size 256 --hash sha512 --iter-time 1"],
            "luks2": ["--pbkdf pbkdf2 --pbkdf-force-iterations 1000",
                      "--pbkdf argon2id --pbkdf-force-iterations 4 --pbkdf-memory 32768",
                      "--pbkdf argon2i --pbkdf-force-iterations 4 --pbkdf-memory 32768 --sector-size 4096"]}
    for t, variants in luks.items():
        for v, opt in enumerate(variants):
            img = os.path.join(tmp, "luks.img")
            if os.path.exists(img):
                os.remove(img)
            run(f"truncate -s 18M {img} && printf pw > key && cryptsetup luksFormat -q --type {t} {opt} "
                f"--key-file key {img}", tmp)
            put(t, f"18M-{v + 1}", open(img, "rb").read(), 1, 0, t, "img")
    xrng = random.Random(2026)  # its own generator: the other samples stay as they were
    # KeePass (keepassxc-cli writes KDBX 3.1): an empty database, and ones
    # holding an attachment of each size
    if shutil.which("keepassxc-cli"):
        db = os.path.join(tmp, "k.kdbx")
        for s in sizes[:7]:
            if os.path.exists(db):
                os.remove(db)
            run(f"printf 'pw\\npw\\n' | keepassxc-cli db-create -q -p -t 100 {db}", tmp)
            if s > 256:
                with open(os.path.join(tmp, "att"), "wb") as f:
                    f.write(text_bytes(xrng, s) if s % 2 else xrng.randbytes(s))
                run(f"printf 'pw\\n' | keepassxc-cli add -q {db} entry -u bob && "
                    f"printf 'pw\\n' | keepassxc-cli attachment-import -q {db} entry att att", tmp)
            put("kdbx", s, open(db, "rb").read(), 1, 0, "kdbx", "kdbx")
    else:
        print("keepassxc-cli not found: no KeePass samples (make bench installs it)", file=sys.stderr)
    # encrypted OOXML (ECMA-376 agile encryption: an OLE2 file holding
    # EncryptionInfo and EncryptedPackage), written by the npm package
    # officecrypto-tool; no Debian tool writes it
    npm_dir = os.path.join(out, "npm")
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "officecrypto-tool")) and shutil.which("npm"):
        subprocess.run(f"npm install --silent --prefix {npm_dir} officecrypto-tool@0.0.19", shell=True,
                       capture_output=True)
    if os.path.isdir(os.path.join(npm_dir, "node_modules", "officecrypto-tool")):
        js = os.path.join(tmp, "enc.js")
        with open(js, "w") as f:
            f.write("const oc = require(process.argv[4] + '/node_modules/officecrypto-tool'), fs = require('fs');\n"
                    "fs.writeFileSync(process.argv[3], oc.encrypt(fs.readFileSync(process.argv[2]), {password: 'pw'}));\n")
        for s in sizes[:7]:
            put("ooxml-encrypted", s, tool(f"node {js} {{i}} {{o}} {npm_dir}", docx_bytes(xrng, s * 3)), 1, 0,
                "ooxml-encrypted", "docx")
    else:
        print("officecrypto-tool (npm) not available: no encrypted OOXML samples", file=sys.stderr)
    # carved ciphertext: the middle of a CTR stream (hard, encrypted)
    big = tool(enc["openssl-raw-ctr"][0], text_bytes(rng, 9 << 20))
    for s in sizes:
        o = len(big) // 3
        put("carved-ciphertext", s, big[o:o + s], 1, 1, "random-data")

    # negatives
    plain_gens = {
        "text": lambda s: text_bytes(rng, s), "csv": lambda s: csv_bytes(rng, s),
        "source": lambda s: source_bytes(rng, s), "html": lambda s: html_bytes(rng, s),
        "bmp": lambda s: bmp_bytes(rng, s), "wav": lambda s: wav_bytes(rng, s),
        "sqlite": lambda s: sqlite_bytes(rng, s, os.path.join(tmp, "db")),
        "gzip": lambda s: tool("gzip -n -c {i} > {o}", text_bytes(rng, s * 3)),
        "bzip2": lambda s: tool("bzip2 -c {i} > {o}", text_bytes(rng, s * 3)),
        "xz": lambda s: tool("xz -c {i} > {o}", text_bytes(rng, s * 3)),
        "zstd": lambda s: tool("zstd -q -c {i} > {o}", text_bytes(rng, s * 3)),
        "zip": lambda s: tool("cp {i} d.txt && rm -f {o}.zip && zip -q {o}.zip d.txt && mv {o}.zip {o}", text_bytes(rng, s * 3)),
        "7z": lambda s: tool("cp {i} d.txt && rm -f {o}.7z && 7z a {o}.7z d.txt >/dev/null && mv {o}.7z {o}", text_bytes(rng, s * 3)),
        "docx": lambda s: docx_bytes(rng, s * 3), "pdf-flate": lambda s: pdf_flate_bytes(rng, s * 3),
        "png": lambda s: png_bytes(rng, s),
        "jpeg": lambda s: tool("cjpeg -quality 85 {i} > {o}", b"P6 %d %d 255\n" % (max(8, int(math.sqrt(s))), max(8, int(math.sqrt(s)))) + bmp_bytes(rng, 3 * max(8, int(math.sqrt(s))) ** 2 + 54)[54:54 + 3 * max(8, int(math.sqrt(s))) ** 2].ljust(3 * max(8, int(math.sqrt(s))) ** 2, b"\x80")),
        "flac": lambda s: tool("flac -s -f -o {o} {i}", wav_bytes(rng, s * 2)),
        "ogg": lambda s: tool("oggenc -Q -o {o} {i}", wav_bytes(rng, s * 4)),
        "elf": lambda s: open("/usr/bin/gpg" if s > 200000 else "/usr/bin/true", "rb").read()[:s] if s < 1000000 else open("/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "rb").read()[:s],
    }
    for gen, fn in plain_gens.items():
        for s in sizes:
            put(gen, s, fn(s), 0)
    # hard negatives
    for s in sizes:
        t = text_bytes(rng, s * 4)
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        put("raw-deflate", s, (c.compress(t) + c.flush())[:s], 0, 1)
        put("raw-lzma2", s, lzma.compress(t, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}])[:s], 0, 1)
        put("zstd-no-magic", s, tool("zstd -q -c {i} > {o}", t)[4:4 + s], 0, 1)
        put("bzip2-no-magic", s, bz2.compress(t)[4:4 + s], 0, 1)
        put("gzip-of-random", s, tool("gzip -n -c {i} > {o}", rng.randbytes(s)), 0, 1)
        put("base64-of-random", s, base64.b64encode(rng.randbytes(s * 3 // 4))[:s], 0, 1)
        put("hex-of-random", s, rng.randbytes(s // 2).hex().encode()[:s], 0, 1)
        big_t = text_bytes(rng, max(s * 8, 65536))
        xz = tool("xz -c {i} > {o}", big_t)
        put("carved-xz", s, xz[len(xz) // 3:len(xz) // 3 + s], 0, 1)
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        df = c.compress(big_t) + c.flush()
        put("carved-deflate", s, df[len(df) // 3:len(df) // 3 + s], 0, 1)
        jp = plain_gens["jpeg"](max(s * 4, 20000))
        put("carved-jpeg", s, jp[len(jp) // 3:len(jp) // 3 + s], 0, 1)
    # brotli has no magic number (web servers' .br files, browser caches):
    # whole streams at quality 11 and 5, and the head of a longer one; their
    # own generator, so the samples above stay as they were
    brng = random.Random(2027)
    for s in sizes:
        put("brotli", s, tool("brotli -q 11 -c {i} > {o}", text_bytes(brng, s * 3)), 0, 1)
        put("brotli-q5", s, tool("brotli -q 5 -c {i} > {o}", source_bytes(brng, s * 3)), 0, 1)
        br = tool("brotli -q 11 -c {i} > {o}", text_bytes(brng, max(s * 8, 65536)))
        put("brotli-head", s, br[:s], 0, 1)
    with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "generator", "hard", "format"])
        w.writerows(labels)
    print(f"{len(labels)} samples in {out}/files")


if __name__ == "__main__":
    main()
