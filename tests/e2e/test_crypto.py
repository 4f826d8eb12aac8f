#!/usr/bin/env python3
"""End-to-end tests of encryption classification on files made by the real
tools (gpg, age, openssl, zip, 7z, qpdf, cryptsetup, ssh-keygen), and on
formats no Debian tool writes encrypted (OpenDocument, Office 97-2003,
Ansible Vault, Android backup, eCryptfs) written by their specifications
(tests/fixtures/mkcrypted.py, mkcfb.py), against plain and compressed
negatives, including a LUKS2 partition inside a GPT disk.  Prints TAP lines; exit status 1 on failure."""
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zlib

from tap import run_suite

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))


def sh(cmd, cwd, **kw):
    p = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.decode(errors='replace')[:500]}")


def make_corpus(d):
    env = dict(os.environ, GNUPGHOME=os.path.join(d, ".gnupg"))
    os.makedirs(env["GNUPGHOME"], mode=0o700)
    rng = random.Random(42)
    words = "alpha beta gamma delta invoice ledger account payment tax audit".split()
    text = "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(3000)).encode()
    c = os.path.join(d, "c")
    os.makedirs(c)
    with open(os.path.join(c, "plain.txt"), "wb") as f:
        f.write(text)
    with open(os.path.join(c, "random.bin"), "wb") as f:
        f.write(rng.randbytes(300000))
    # a Windows hibernation file: PO_MEMORY_IMAGE's signature and page size,
    # then compressed memory (random bytes stand for Xpress blocks), named
    # by its header; with the header zeroed (as Windows 8+ leave it after
    # resume) it is judged by its bytes: a zero page and then random bytes
    # are not random as a whole
    hdr = bytearray(4096)
    hdr[0:4], hdr[0x14:0x18] = b"HIBR", (4096).to_bytes(4, "little")
    body = rng.randbytes(1 << 20)
    # zlib's header is two bytes: random bytes behind it are not "explained"
    # by the name, a real stream (of random data: stored blocks) is
    with open(os.path.join(c, "fake-zlib.bin"), "wb") as f:
        f.write(b"\x78\x9c" + rng.randbytes(400000))
    with open(os.path.join(c, "zlib-random.bin"), "wb") as f:
        f.write(zlib.compress(rng.randbytes(400000), 6))
    # a Linux swap file (/swapfile) holding random-looking pages: memory, not ciphertext
    sw = os.path.join(c, "swapfile")
    with open(sw, "wb") as f:
        f.write(bytes(4096) + rng.randbytes(1 << 20))
    sh(f"mkswap -q -L srvswap -U 11111111-2222-3333-4444-777777777777 {sw}", c)
    # a VeraCrypt-like file container: random whole sectors, no header in clear
    with open(os.path.join(c, "container.hc"), "wb") as f:
        f.write(rng.randbytes(512 * 1024))
    with open(os.path.join(c, "hiberfil.sys"), "wb") as f:
        f.write(bytes(hdr) + body)
    with open(os.path.join(c, "hiberfil-zeroed.sys"), "wb") as f:
        f.write(bytes(4096) + body)
    run = lambda cmd: sh(cmd, c, env=env)
    gpg = "gpg --batch --quiet --pinentry-mode loopback --passphrase pw"
    run(f"{gpg} -c -o sym.gpg plain.txt && {gpg} -c -a -o sym.asc plain.txt")
    run("gpg --batch --quiet --passphrase '' --quick-gen-key 'T <t@example.org>' rsa2048 encr never")
    run("gpg --batch --quiet --trust-model always -e -r t@example.org -o pk.gpg plain.txt")
    run("gpg --batch --quiet --trust-model always -e -a -r t@example.org -o pk.asc plain.txt")
    run("age-keygen -o ../age.key 2>/dev/null && age -r $(age-keygen -y ../age.key) -o x.age plain.txt")
    run("age -a -r $(age-keygen -y ../age.key) -o x.age.asc plain.txt")
    run("openssl enc -aes-256-cbc -pbkdf2 -k pw -in plain.txt -out x.enc")
    run("openssl enc -aes-256-cbc -pbkdf2 -a -k pw -in plain.txt -out x.enc.b64")
    run("zip -q -P pw zc.zip plain.txt && 7z a -pSecret -mem=AES256 -tzip za.zip plain.txt >/dev/null")
    run("7z a -pSecret x.7z plain.txt >/dev/null && 7z a -pSecret -mhe=on xh.7z plain.txt >/dev/null")
    run("ssh-keygen -q -t ed25519 -N pw -f ssh_enc && ssh-keygen -q -t ed25519 -N '' -f ssh_plain && rm -f *.pub")
    pdf = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
           b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    with open(os.path.join(c, "plain.pdf"), "wb") as f:
        f.write(pdf)
    run("qpdf --encrypt u o 256 -- plain.pdf e256.pdf; test -s e256.pdf")
    run("truncate -s 20M luks2.img && printf pw > ../key && cryptsetup luksFormat -q --type luks2 "
        "--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file ../key luks2.img")
    # key stores: an OpenPGP secret key with a passphrase (binary, armoured),
    # one without, a stub without secret parts, gpg-agent's key files, PKCS#12
    gk = f"{gpg} --quick-gen-key 'K <k@example.org>' rsa2048 sign never"
    run(f"{gk} && {gpg} --export-secret-keys -o sec.gpg k@example.org && "
        f"{gpg} --export-secret-keys -a -o sec.asc k@example.org && "
        f"{gpg} --export-secret-subkeys -o stub.gpg t@example.org && "
        "gpg --batch --export-secret-keys -o sec_nopw.gpg t@example.org")
    grip = subprocess.run("gpg --with-colons --with-keygrip -K k@example.org", shell=True, env=env,
                          capture_output=True, text=True).stdout.split("grp:::::::::")[1].split(":")[0]
    nogrip = subprocess.run("gpg --with-colons --with-keygrip -K t@example.org", shell=True, env=env,
                            capture_output=True, text=True).stdout.split("grp:::::::::")[1].split(":")[0]
    run(f"cp $GNUPGHOME/private-keys-v1.d/{grip}.key agent_prot.key && "
        f"cp $GNUPGHOME/private-keys-v1.d/{nogrip}.key agent_plain.key")
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ../k.pem -out ../c.pem -subj /CN=x -days 1 2>/dev/null")
    run("openssl pkcs12 -export -in ../c.pem -inkey ../k.pem -passout pass:pw -out enc.p12 && "
        "openssl pkcs12 -export -in ../c.pem -inkey ../k.pem -passout pass: -keypbe NONE -certpbe NONE "
        "-nomaciter -out plain.p12")
    # encrypted e-mail (a mail server's Maildir): S/MIME by openssl (encrypted;
    # signed only; signed then encrypted; encrypted then signed), CMS in DER
    # and PEM (a recipient key, a password, a symmetric key, AES-GCM), PGP/MIME
    # and inline PGP by gpg, against signed-only and quoted negatives
    run("head -c 3000 plain.txt > ../m.txt && "
        "openssl smime -encrypt -aes256 -in ../m.txt -from a@x -to b@y -subject s -out smime-enc.eml ../c.pem && "
        "openssl smime -sign -nodetach -in ../m.txt -signer ../c.pem -inkey ../k.pem -from a@x -to b@y "
        "-subject s -out smime-signed.eml && "
        "openssl smime -sign -in ../m.txt -signer ../c.pem -inkey ../k.pem -from a@x -to b@y -subject s "
        "-out smime-detached.eml && "
        "openssl smime -encrypt -aes256 -in ../m.txt ../c.pem | openssl smime -sign -nodetach -signer ../c.pem "
        "-inkey ../k.pem -from a@x -to b@y -subject s -out smime-enc-signed.eml && "
        "openssl cms -encrypt -aes256 -in ../m.txt -outform DER -out cms.p7m ../c.pem && "
        "openssl cms -encrypt -aes256 -in ../m.txt -outform PEM -out cms.pem ../c.pem && "
        "openssl cms -encrypt -pwri_password pw -aes256 -in ../m.txt -outform DER -out cms-pw.der && "
        "openssl cms -encrypt -aes-256-gcm -in ../m.txt -outform DER -out cms-gcm.der ../c.pem && "
        "openssl cms -EncryptedData_encrypt -aes128 -secretkey 000102030405060708090A0B0C0D0E0F -in ../m.txt "
        "-outform DER -out cms-sym.der && "
        "openssl cms -sign -nodetach -in ../m.txt -signer ../c.pem -inkey ../k.pem -outform DER -out signed.p7s")
    with open(os.path.join(c, "pk.asc")) as f:
        armour = f.read()
    run(f"{gpg} -a -s -u k@example.org -o ../signed.asc ../m.txt")
    with open(os.path.join(d, "signed.asc")) as f:
        signed = f.read()
    mails = {
        "pgp-mime.eml": "MIME-Version: 1.0\nContent-Type: multipart/encrypted;\n protocol=\"application/pgp-encrypted\";"
                        " boundary=\"XX\"\n\n--XX\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--XX\n"
                        "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n\n" + armour + "\n--XX--\n",
        "pgp-inline.eml": "\nHello,\n\n" + armour,
        "pgp-signed.eml": "\n" + signed,
        "pgp-quoted.eml": "\nYou wrote:\n" + "".join("> " + line + "\n" for line in armour.splitlines()),
    }
    for name, rest in mails.items():
        with open(os.path.join(c, name), "w", newline="\r\n" if "inline" in name else None) as f:
            f.write("Received: from mx\nFrom: a@example.org\nTo: b@example.org\nSubject: x\n" + rest)
    # Java key stores (keytool): a key pair in JKS and JCEKS (with an AES
    # secret key), a JKS of trusted certificates only
    kt = "keytool -storepass secret1 -keypass secret1"
    run(f"{kt} -genkeypair -alias a -keyalg RSA -keysize 2048 -dname CN=x -storetype JKS -keystore k.jks "
        f"-validity 1 && {kt} -genkeypair -alias a -keyalg RSA -keysize 2048 -dname CN=x -storetype JCEKS "
        f"-keystore k.jceks -validity 1 && {kt} -genseckey -alias s -keyalg AES -keysize 128 -storetype JCEKS "
        f"-keystore k.jceks && {kt} -exportcert -alias a -keystore k.jks -file ../c.der && "
        f"{kt} -importcert -noprompt -alias t -file ../c.der -storetype JKS -keystore trust.jks")
    # formats no Debian tool writes encrypted, written by their specifications
    fx = os.path.join(ROOT, "tests", "fixtures")
    for kind in ("odt-encrypted", "odt-plain", "vault", "ab-encrypted", "ab-plain", "ecryptfs", "axcrypt",
                 "dpapi-cred", "dpapi-masterkey", "dpapi.ps1", "dpapi-bad.ps1", "eth-keystore", "electrum",
                 "bitwarden-pw", "bitwarden-acct", "opvault-profile", "opvault-band", "btc-sqlite", "btc-sqlite-plain",
                 "btc-bdb", "geli", "android-fde"):
        run(f"python3 {fx}/mkcrypted.py {kind} {kind}")
    for kind in ("doc-enc", "doc", "doc-enc-large", "xls-enc", "xls", "ppt-enc", "ppt", "xls-default",
                 "xls-default-cryptoapi", "xls-other-cryptoapi"):
        run(f"python3 {fx}/mkcfb.py {kind} {kind}")
    # Outlook messages (.msg): S/MIME encrypted, opaque-signed and clear-signed
    # around openssl's output above, Rights Management, inline PGP in the body, plain
    run(f"python3 {fx}/mkcfb.py msg-smime smime.msg cms.p7m && "
        f"python3 {fx}/mkcfb.py msg-smime-opaque smime-opaque.msg signed.p7s && "
        f"python3 {fx}/mkcfb.py msg-smime-signed smime-signed.msg smime-detached.eml && "
        f"python3 {fx}/mkcfb.py msg-irm irm.msg && python3 {fx}/mkcfb.py msg-pgp pgp.msg pk.asc && "
        f"python3 {fx}/mkcfb.py msg-plain plain.msg")
    # encrypted backups and the tools' own files: Borg (repokey, keyfile and
    # authenticated-only repositories), restic, scrypt(1), gocryptfs
    benv = "BORG_PASSPHRASE=pw BORG_KEYS_DIR=../borg-keys BORG_BASE_DIR=../borg-base BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes"
    run(f"{benv} borg init -e repokey ../borg-enc && {benv} borg create ../borg-enc::a plain.txt && "
        f"{benv} borg init -e authenticated ../borg-auth && {benv} borg create ../borg-auth::a plain.txt && "
        f"{benv} borg init -e keyfile ../borg-kf && cp ../borg-enc/data/0/0 borg-seg-enc && "
        "cp ../borg-enc/config borg-config && cp ../borg-auth/data/0/0 borg-seg-auth && "
        "cp ../borg-enc/data/0/1 borg-seg-commit && cp ../borg-keys/* borg-keyfile")
    run("RESTIC_PASSWORD=pw restic init -q -r ../restic-repo && cp ../restic-repo/keys/* restic-key")
    run("printf pw > ../pwf && scrypt enc --passphrase file:../pwf plain.txt x.scrypt")
    run("mkdir ../gcf && gocryptfs -init -q -passfile ../pwf -scryptn 10 ../gcf && cp ../gcf/gocryptfs.conf .")
    # no Debian tool writes these: by their specifications
    # virtual machines whose disks are encrypted: their settings hold the key
    # store (VirtualBox) or key safe (VMware), as the hypervisors write them
    vbox = ('<?xml version="1.0"?>\n<VirtualBox xmlns="http://www.virtualbox.org/" version="1.19-linux">\n'
            '  <Machine uuid="{11111111-2222-3333-4444-555555555555}" name="srv" OSType="Debian_64">\n'
            '    <MediaRegistry><HardDisks>\n'
            '      <HardDisk uuid="{aaaaaaaa-2222-3333-4444-555555555555}" location="srv.vdi" format="VDI">\n'
            '        <Property name="CRYPT/KeyId" value="srv"/>\n'
            '        <Property name="CRYPT/KeyStore" value="U0NORQABQUVTLVhUUzI1Ni1QTEFJTjY0AAAAAAAAAAAAAAAAAAAA"/>\n'
            '      </HardDisk>\n    </HardDisks></MediaRegistry>\n  </Machine>\n</VirtualBox>\n')
    vmx = ('.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\ndisplayName = "srv"\n'
           'encryption.keySafe = "vmware:key/list/(pair/(phrase/Zm9v/pass2key%3dPBKDF2-HMAC-SHA-1%3acipher%3d'
           'AES-256%3arounds%3d10000%3asalt%3dAAAA%2c,HMAC-SHA-1,AAAA))"\nencryption.data = "AAAA"\n')
    # an iTunes/Finder backup's Manifest.plist (binary, as iOS writes it; XML too), encrypted or not
    import plistlib
    for enc, fmt, name in ((True, plistlib.FMT_BINARY, "Manifest.plist"), (True, plistlib.FMT_XML, "Manifest-xml.plist"),
                           (False, plistlib.FMT_BINARY, "Manifest-plain.plist")):
        with open(os.path.join(c, name), "wb") as f:
            f.write(plistlib.dumps({"BackupKeyBag": rng.randbytes(1500), "IsEncrypted": enc,
                                    "Lockdown": {"DeviceName": "iPhone", "ProductVersion": "17.2"},
                                    "Version": "10.0", "WasPasscodeSet": True}, fmt=fmt))
    for name, text in (("srv.vbox", vbox), ("plain.vbox", vbox.replace("CRYPT/", "X/")), ("srv.vmx", vmx),
                       ("plain.vmx", vmx.replace("encryption.", "x."))):
        with open(os.path.join(c, name), "w") as f:
            f.write(text)
    with open(os.path.join(c, "x.aes"), "wb") as f:  # AES Crypt, format 2
        f.write(b"AES\x02\x00" + b"\x00\x18CREATED_BY\x00aescrypt 3.14" + b"\x00\x00" + rng.randbytes(16 + 48 + 32)
                + rng.randbytes(4096) + b"\x05" + rng.randbytes(32))
    with open(os.path.join(c, "safe.psafe3"), "wb") as f:  # Password Safe v3
        f.write(b"PWS3" + rng.randbytes(32) + (2048).to_bytes(4, "little") + rng.randbytes(32 + 64 + 16)
                + rng.randbytes(16 * 40) + b"PWS3-EOFPWS3-EOF" + rng.randbytes(32))
    with open(os.path.join(c, "masterkey.cryptomator"), "w") as f:
        f.write('{"version": 999, "scryptSalt": "AAAAAAAAAAA=", "scryptCostParam": 32768, "scryptBlockSize": 8, '
                '"primaryMasterKey": "mM+qoQ+o0qvPTiDAZYt+flaC3WbpNAx1sTXaUzxwpy0M9Ctj6Tih/Q==", '
                '"hmacMasterKey": "mM+qoQ+o0qvPTiDAZYt+flaC3WbpNAx1sTXaUzxwpy0M9Ctj6Tih/Q==", '
                '"versionMac": "iUmRRHITuyJsJbVNqGNw+82YQ4A3Rma7j/y1v0DCVLA="}\n')
    with open(os.path.join(c, ".encfs6.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>\n<!DOCTYPE boost_serialization>\n'
                '<boost_serialization signature="serialization::archive" version="7">\n'
                '<cfg class_id="0" tracking_level="0" version="20">\n<creator>EncFS 1.9.5</creator>\n'
                '<keySize>192</keySize>\n<encodedKeySize>44</encodedKeySize>\n'
                '<encodedKeyData>\nwb2Ue2rT5VRFRjZ9T3IN9iW0O3i8aqsX7G9v6cS6kBHR+RB8QfzDmQ==\n</encodedKeyData>\n'
                '</cfg>\n</boost_serialization>\n')
    # server-side stores: Nextcloud/ownCloud server-side encryption (a file:
    # header padded to 8192 bytes, then blocks of ciphertext, IV and HMAC;
    # a user's private key), git-crypt (an encrypted file, and the plain
    # repository key), SOPS (values encrypted, keys in the clear)
    with open(os.path.join(c, "report.odt.nc"), "wb") as f:
        hdr = b"HBEGIN:oc_encryption_module:OC_DEFAULT_MODULE:cipher:AES-256-CTR:signed:true:encoding:binary:HEND"
        block = rng.randbytes(8192 - 22 - 7 - 64 - 3)
        f.write(hdr.ljust(8192, b"-") + block + b"00iv00" + rng.randbytes(16) + b"00sig00" +
                rng.randbytes(32).hex().encode() + b"xxx")
    with open(os.path.join(c, "alice.privateKey"), "wb") as f:
        f.write(b"HBEGIN:cipher:AES-256-CTR:keyFormat:hash2:encoding:binary:HEND" + rng.randbytes(1232) +
                b"00iv00" + rng.randbytes(16) + b"00sig00" + rng.randbytes(32).hex().encode() + b"xxx")
    with open(os.path.join(c, "notes.txt.gitcrypt"), "wb") as f:
        f.write(b"\x00GITCRYPT\x00" + rng.randbytes(12) + rng.randbytes(900))
    with open(os.path.join(c, "git-crypt-key"), "wb") as f:
        f.write(b"\x00GITCRYPTKEY" + (2).to_bytes(4, "big") + (0).to_bytes(4, "big") + (3).to_bytes(4, "big")
                + (4).to_bytes(4, "big") + (0).to_bytes(4, "big") + (5).to_bytes(4, "big") + (32).to_bytes(4, "big")
                + rng.randbytes(32) + (7).to_bytes(4, "big") + (64).to_bytes(4, "big") + rng.randbytes(64))
    with open(os.path.join(c, "secrets.enc.yaml"), "w") as f:
        f.write("db_password: ENC[AES256_GCM,data:p673JCgHYw==,iv:Q2F0IGZvb2Jhcg==,tag:ZmFrZXRhZw==,type:str]\n"
                "api:\n    token: ENC[AES256_GCM,data:Zm9vYmFyYmF6,iv:YWJjZGVm,tag:ZGVmZGVm,type:str]\n"
                "sops:\n    age:\n        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n"
                "    lastmodified: \"2024-01-01T00:00:00Z\"\n"
                "    mac: ENC[AES256_GCM,data:bWFjbWFj,iv:aXZpdg==,tag:dGFn,type:str]\n    version: 3.8.1\n")
    with open(os.path.join(c, "values.yaml"), "w") as f:  # talks about sops, encrypts nothing
        f.write("# decrypt with sops: sops -d secrets.enc.yaml\ndb_password: changeme\n")
    # negatives: compressed formats carrying their magic, and plain archives
    run("gzip -n -k -c plain.txt > t.gz && xz -k -c plain.txt > t.xz && bzip2 -k -c plain.txt > t.bz2")
    run("zstd -q -c plain.txt > t.zst && zip -q plainz.zip plain.txt && 7z a p.7z plain.txt >/dev/null")
    run("gzip -n -c random.bin > random.gz")
    # brotli has no magic number; at the quality web servers use (11) its
    # streams pass every randomness test; brotli of random bytes stores them
    run("brotli -q 11 -c /usr/share/common-licenses/GPL-3 > gpl.br && brotli -q 5 -c /usr/include/sqlite3.h > "
        "sqlite3.h.br && brotli -q 11 -c random.bin > random.br")
    return c, env


EXPECT = {
    "/sym.gpg": ("encrypted", "pgp"), "/sym.asc": ("encrypted", "pgp"), "/pk.gpg": ("encrypted", "pgp"),
    "/pk.asc": ("encrypted", "pgp"), "/x.age": ("encrypted", "age"), "/x.age.asc": ("encrypted", "age"),
    "/x.enc": ("encrypted", "openssl-salted"), "/x.enc.b64": ("encrypted", "openssl-salted"),
    "/zc.zip": ("encrypted", "zip-crypto"), "/za.zip": ("encrypted", "zip-aes"),
    "/x.7z": ("encrypted", "7z-aes"), "/xh.7z": ("encrypted", "7z-aes"),
    "/ssh_enc": ("encrypted", "ssh-key-encrypted"), "/e256.pdf": ("encrypted", "pdf-encrypted"),
    "/luks2.img": ("encrypted", "luks2"), "/random.bin": ("suspected", "random-data"),
    "/plain.txt": ("none", None), "/ssh_plain": ("none", None), "/plain.pdf": ("none", None),
    "/t.gz": ("none", None), "/t.xz": ("none", None), "/t.bz2": ("none", None), "/t.zst": ("none", None),
    "/plainz.zip": ("none", None), "/p.7z": ("none", None), "/random.gz": ("none", None),
    "/sec.gpg": ("encrypted", "pgp-secret-key"), "/sec.asc": ("encrypted", "pgp-secret-key"),
    "/sec_nopw.gpg": ("none", None), "/stub.gpg": ("none", None),
    "/agent_prot.key": ("encrypted", "gpg-agent-key"), "/agent_plain.key": ("none", None),
    "/enc.p12": ("encrypted", "pkcs12-encrypted"), "/plain.p12": ("none", None),
    "/odt-encrypted": ("encrypted", "odf-encrypted"), "/odt-plain": ("none", None),
    "/vault": ("encrypted", "ansible-vault"), "/ab-encrypted": ("encrypted", "android-backup"),
    "/ab-plain": ("none", None), "/ecryptfs": ("encrypted", "ecryptfs"),
    "/doc-enc": ("encrypted", "doc-encrypted"), "/doc": ("none", None),
    "/doc-enc-large": ("encrypted", "doc-encrypted"),
    "/xls-enc": ("encrypted", "xls-encrypted"), "/xls": ("none", None),
    "/ppt-enc": ("encrypted", "ppt-encrypted"), "/ppt": ("none", None),
    "/xls-default": ("none", None), "/xls-default-cryptoapi": ("none", None),
    "/xls-other-cryptoapi": ("encrypted", "xls-encrypted"),
    "/k.jks": ("encrypted", "java-keystore"), "/k.jceks": ("encrypted", "java-keystore"),
    "/trust.jks": ("none", None),
    "/hiberfil.sys": ("none", None), "/hiberfil-zeroed.sys": ("none", None),
    "/container.hc": ("suspected", "random-data"), "/swapfile": ("none", None),
    "/fake-zlib.bin": ("suspected", "random-data"), "/zlib-random.bin": ("none", None),
    "/borg-seg-enc": ("encrypted", "borg-encrypted"), "/borg-seg-auth": ("none", None),
    "/borg-seg-commit": ("none", None), "/borg-config": ("encrypted", "borg-key"),
    "/borg-keyfile": ("encrypted", "borg-key"), "/restic-key": ("encrypted", "restic-key"),
    "/x.scrypt": ("encrypted", "scrypt-encrypted"), "/gocryptfs.conf": ("encrypted", "gocryptfs-conf"),
    "/x.aes": ("encrypted", "aescrypt"), "/safe.psafe3": ("encrypted", "psafe3"),
    "/masterkey.cryptomator": ("encrypted", "cryptomator-masterkey"), "/.encfs6.xml": ("encrypted", "encfs-config"),
    "/report.odt.nc": ("encrypted", "nextcloud-encrypted"), "/alice.privateKey": ("encrypted", "nextcloud-key"),
    "/notes.txt.gitcrypt": ("encrypted", "git-crypt"), "/git-crypt-key": ("none", None),
    "/secrets.enc.yaml": ("encrypted", "sops"), "/values.yaml": ("none", None),
    "/axcrypt": ("encrypted", "axcrypt"), "/dpapi-cred": ("encrypted", "dpapi-blob"),
    "/dpapi-masterkey": ("encrypted", "dpapi-masterkey"), "/dpapi.ps1": ("encrypted", "dpapi-blob"),
    "/dpapi-bad.ps1": ("none", None),
    "/smime-enc.eml": ("encrypted", "smime-encrypted"), "/smime-signed.eml": ("none", None),
    "/smime-detached.eml": ("none", None), "/smime-enc-signed.eml": ("encrypted", "smime-encrypted"),
    "/cms.p7m": ("encrypted", "cms-encrypted"), "/cms.pem": ("encrypted", "cms-encrypted"),
    "/cms-pw.der": ("encrypted", "cms-encrypted"), "/cms-gcm.der": ("encrypted", "cms-encrypted"),
    "/cms-sym.der": ("encrypted", "cms-encrypted"), "/signed.p7s": ("none", None),
    "/pgp-mime.eml": ("encrypted", "pgp-mail"), "/pgp-inline.eml": ("encrypted", "pgp-mail"),
    "/pgp-signed.eml": ("none", None), "/pgp-quoted.eml": ("none", None),
    "/smime.msg": ("encrypted", "smime-encrypted"), "/smime-opaque.msg": ("none", None),
    "/smime-signed.msg": ("none", None), "/irm.msg": ("encrypted", "outlook-irm"),
    "/pgp.msg": ("encrypted", "pgp-mail"), "/plain.msg": ("none", None),
    "/eth-keystore": ("encrypted", "ethereum-keystore"), "/electrum": ("encrypted", "electrum-wallet"),
    "/bitwarden-pw": ("encrypted", "bitwarden-export"), "/bitwarden-acct": ("encrypted", "bitwarden-export"),
    "/opvault-profile": ("encrypted", "1password-vault"), "/opvault-band": ("encrypted", "1password-vault"),
    "/btc-sqlite": ("encrypted", "bitcoin-wallet"), "/btc-sqlite-plain": ("none", None),
    "/btc-bdb": ("encrypted", "bitcoin-wallet"), "/geli": ("encrypted", "geli"),
    "/android-fde": ("encrypted", "android-fde"),
    "/srv.vbox": ("encrypted", "virtualbox-encrypted"), "/plain.vbox": ("none", None),
    "/Manifest.plist": ("encrypted", "ios-backup-encrypted"), "/Manifest-xml.plist": ("encrypted", "ios-backup-encrypted"),
    "/Manifest-plain.plist": ("none", None),
    "/srv.vmx": ("encrypted", "vmware-encrypted-vm"), "/plain.vmx": ("none", None),
    "/gpl.br": ("none", None), "/sqlite3.h.br": ("none", None), "/random.br": ("suspected", "random-data"),
}

# what a verdict's reason must say (a recognised format that is not encrypted, ...)
REASON = {
    "/sec_nopw.gpg": "not protected", "/stub.gpg": "GnuPG stub", "/agent_plain.key": "not protected",
    "/plain.p12": "nothing encrypted", "/odt-plain": "none encrypted", "/ab-plain": "not encrypted",
    "/doc": "not encrypted", "/xls": "not encrypted", "/ppt": "not encrypted",
    "/trust.jks": "1 trusted certificate and no key",
    "/xls-default": "default password \"VelvetSweatshop\"", "/xls-default-cryptoapi": "RC4 CryptoAPI) with Excel's",
    "/hiberfil.sys": "Windows hibernation file (signature 'HIBR'",
    "/container.hc": "could be a VeraCrypt/TrueCrypt container", "/random.bin": "ciphertext and the middle",
    "/swapfile": "Linux swap space (version 1, 4096-byte pages, 257 pages, UUID 11111111-2222-3333-4444-777777777777",
    "/borg-seg-auth": "objects not encrypted (authenticated mode)", "/borg-seg-enc": "repokey mode",
    "/borg-seg-commit": "no data object", "/x.scrypt": "header checksum valid",
    "/report.odt.nc": "(OC_DEFAULT_MODULE, AES-256-CTR, signed)", "/alice.privateKey": "key format hash2",
    "/git-crypt-key": "git-crypt repository key, not encrypted", "/secrets.enc.yaml": "its 3 values are encrypted",
    "/gpl.br": "compressed: brotli stream", "/axcrypt": "format 3.2 (AxCrypt 1: AES-128)",
    "/dpapi-cred": "Credential Manager file: a DPAPI blob (master key 3a0b5e7c-1f2d-4c6b-9e8a-7d6c5b4a3f21",
    "/dpapi-masterkey": "master key 3a0b5e7c-1f2d-4c6b-9e8a-7d6c5b4a3f21 (PBKDF2, 8000 rounds, SHA-512, AES-256)",
    "/smime-enc.eml": "enveloped data, version 0, 1 recipient, AES-256-CBC",
    "/eth-keystore": "account 0x057529b83b9d61c630f4b13971801c8bfcb4e363, encrypted with aes-128-ctr under a scrypt",
    "/bitwarden-pw": "sealed with a password, KDF iterations 600000", "/bitwarden-acct": "the account's key",
    "/btc-sqlite": "SQLite descriptor wallet", "/btc-sqlite-plain": "private keys not encrypted",
    "/btc-bdb": "Berkeley DB wallet.dat", "/srv.vbox": "key store of 1 encrypted disk: its data",
    "/Manifest-plain.plist": "IsEncrypted false",
    "/geli": "FreeBSD GELI provider (metadata version 7 in its last 512-byte sector, MD5 valid): AES-XTS, 256-bit key, "
             "4096-byte sectors, 1048576 bytes, unlocked by a passphrase or key file",
    "/android-fde": "(cryptfs 1.3) in the partition's last 16 KiB: aes-cbc-essiv:sha256, 128-bit key",
    "/smime-signed.eml": "S/MIME signed (application/pkcs7-mime): CMS/PKCS#7 signed data, version 1, not encrypted",
    "/smime-enc-signed.eml": "signed around an encrypted message",
    "/smime.msg": "Outlook message of class IPM.Note.SMIME, S/MIME encrypted: CMS/PKCS#7 enveloped data, version 0, "
                  "1 recipient, AES-256-CBC",
    "/smime-opaque.msg": "S/MIME opaque-signed", "/smime-signed.msg": "IPM.Note.SMIME.MultipartSigned: S/MIME signed",
    "/irm.msg": "a message.rpmsg attachment", "/pgp.msg": "an armoured message in its body",
    "/plain.msg": "Outlook message of class IPM.Note, not S/MIME", "/cms-pw.der": "(a password among them)",
    "/cms-gcm.der": "authenticated enveloped data, version 0, 1 recipient, AES-256-GCM",
    "/cms-sym.der": "encrypted data (a symmetric key), version 0, AES-128-CBC", "/signed.p7s": "signed data",
    "/pgp-mime.eml": "(PGP/MIME, multipart/encrypted): public-key encrypted session key (RSA",
    "/pgp-inline.eml": "an inline armoured message", "/pgp-signed.eml": "message/rfc822",
    "/dpapi.ps1": "holds 1 DPAPI-protected secret in hex", "/dpapi-bad.ps1": "type text/plain", "/random.br": "no decoder explains it",
}


def volume_items(work, disk, name):
    """Scans disk; the items' kind and encryption columns (the scan must succeed)."""
    out = os.path.join(work, name)
    q = subprocess.run([PT, "scan", disk, "-o", out, "-q"], capture_output=True)
    assert q.returncode == 0, q.stderr
    return sqlite3.connect(os.path.join(out, "case.db")).execute(
        "SELECT kind, encryption, encryption_format, encryption_reason FROM items").fetchall()


def suite(tap, work):
    result = tap.result
    corpus, _ = make_corpus(work)
    out = os.path.join(work, "out")
    p = subprocess.run([PT, "scan", corpus, "-o", out, "-q"], capture_output=True)
    con = sqlite3.connect(os.path.join(out, "case.db"))
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT path, encryption, encryption_format, encryption_reason, category FROM items")}

    for path, (enc, fmt) in sorted(EXPECT.items()):
        def check(path=path, enc=enc, fmt=fmt):
            assert p.returncode == 0, p.stderr
            got = rows.get(path)
            assert got, f"{path} not in the manifest"
            assert (got[0], got[1]) == (enc, fmt), f"{path}: {got[0]}/{got[1]} ({got[2]}), expected {enc}/{fmt}"
            assert got[2], "every verdict has a reason"
            if enc != "none":
                assert got[3] == "encrypted", f"category {got[3]}"
            if path in REASON:
                assert REASON[path] in got[2], f"{path}: reason {got[2]!r}"
        result(f"{path} is {enc}{'/' + fmt if fmt else ''}", check)

    def luks_partition():
        # a LUKS2 partition inside a GPT disk is a volume item named luks2
        disk = os.path.join(work, "disk.img")
        sh(f"truncate -s 40M {disk} && printf 'label: gpt\\nstart=2048, size=40960, type=linux\\n' | "
           f"sfdisk -q {disk} && dd if={corpus}/luks2.img of={disk} bs=512 seek=2048 conv=notrunc "
           "status=none", work)
        r = volume_items(work, disk, "out2")
        assert r and r[0][:3] == ("volume", "encrypted", "luks2"), r
        assert "aes-xts-plain64" in r[0][3]
    result("LUKS2 partition in a GPT disk", luks_partition)

    def geli_partition():
        # a FreeBSD server's disk: a GELI provider as a GPT partition (freebsd-zfs)
        disk = os.path.join(work, "bsd.img")
        sh(f"truncate -s 4M {disk} && printf 'label: gpt\\nstart=2048, size=2048, "
           f"type=516E7CBA-6ECF-11D6-8FF8-00022D09712B\\n' | sfdisk -q {disk} && "
           f"dd if={corpus}/geli of={disk} bs=512 seek=2048 conv=notrunc status=none", work)
        r = volume_items(work, disk, "out-geli")
        assert r and r[0][:3] == ("volume", "encrypted", "geli"), r
        assert "AES-XTS" in r[0][3] and "1048576 bytes," in r[0][3], r[0][3]
    result("GELI partition in a GPT disk", geli_partition)

    def corestorage_partition():
        # a Mac's FileVault 2 volume before APFS: a Core Storage partition
        # whose physical volume header (written here after libfvde's
        # documentation; Linux writes none) precedes AES-XTS ciphertext
        disk = os.path.join(work, "cs.img")
        sh(f"truncate -s 12M {disk} && printf 'label: gpt\\nstart=2048, size=16384, "
           f"type=53746F72-6167-11AA-AA11-00306543ECAC\\n' | sfdisk -q {disk}", work)
        hdr = bytearray(512)
        hdr[8], hdr[10], hdr[88:90], hdr[90], hdr[97], hdr[168], hdr[172] = 1, 0x10, b"CS", 1, 0x10, 16, 2
        hdr[304:320] = bytes(range(16))
        with open(disk, "r+b") as f:
            f.seek(2048 * 512)
            f.write(bytes(hdr) + random.Random(9).randbytes(16384 * 512 - 512))
        r = volume_items(work, disk, "out3")
        assert r and r[0][:3] == ("volume", "encrypted", "corestorage-fvde"), r
        assert "00010203-0405-0607-0809-0a0b0c0d0e0f" in r[0][3], r[0][3]
    result("FileVault 2 Core Storage partition in a GPT disk", corestorage_partition)

    def ntfs_efs():
        # an NTFS file that Windows encrypted with EFS: the flag decides, not
        # the bytes (plain text here stands for the ciphertext); its twin
        # without the marks is plain text
        img = os.path.join(work, "efs.img")
        sh(f"truncate -s 16M {img} && mkntfs -q -F -f {img} && ntfscp -q {img} {corpus}/plain.txt a.txt && "
           f"ntfscp -q {img} {corpus}/plain.txt b.txt", work)
        inode = subprocess.run(["ifind", "-n", "a.txt", img], capture_output=True, text=True).stdout.strip()
        sh(f"python3 {ROOT}/tests/fixtures/mkefs.py {img} {inode}", work)
        o = os.path.join(work, "out-efs")
        q = subprocess.run([PT, "scan", img, "-o", o, "-q"], capture_output=True)
        assert q.returncode == 0, q.stderr
        c = sqlite3.connect(os.path.join(o, "case.db"))
        r = dict((p, rest) for p, *rest in c.execute(
            "SELECT path, encryption, encryption_format, encryption_reason, category, sha256 FROM items"))
        assert r["/a.txt"][:2] == ["encrypted", "ntfs-efs"], r["/a.txt"]
        assert "$EFS key ring" in r["/a.txt"][2] and r["/a.txt"][3] == "encrypted"
        assert r["/b.txt"][:2] == ["none", None], r["/b.txt"]
        icat = subprocess.run(["icat", img, inode], capture_output=True).stdout
        import hashlib
        assert r["/a.txt"][4] == hashlib.sha256(icat).hexdigest(), "the ciphertext is hashed as libtsk reads it"
    result("NTFS EFS file is encrypted/ntfs-efs", ntfs_efs)

    def ext4_fscrypt():
        # ext4 encryption (fscrypt): the inode's encrypt flag decides, on a
        # filesystem with the encrypt feature (debugfs marks the inodes as
        # the kernel leaves them; plain text stands for the ciphertext); one
        # file in the first block group, one in the second; twins unmarked;
        # the same flag (0x800, once ext2's "compression error") on a
        # filesystem without the feature means nothing
        src = os.path.join(work, "fscrypt-src")
        os.makedirs(os.path.join(src, "home", "u", "many"))
        for i in range(600):
            with open(os.path.join(src, "home", "u", "many", "f%03d" % i), "w") as f:
                f.write("x")
        for n in ("a.txt", "b.txt"):
            shutil.copy(os.path.join(corpus, "plain.txt"), os.path.join(src, "home", "u", n))
        os.makedirs(os.path.join(src, "zz"))
        for n in ("late.txt", "late-plain.txt"):
            shutil.copy(os.path.join(corpus, "plain.txt"), os.path.join(src, "zz", n))
        got = {}
        for feat in ("encrypt", "^encrypt"):
            tag = "on" if feat == "encrypt" else "off"
            img = os.path.join(work, "fscrypt-%s.img" % tag)
            sh(f"mkfs.ext4 -q -F -b 1024 -N 1024 -O {feat} -d {src} {img} 16M", work)
            for n in ("/home/u/a.txt", "/zz/late.txt"):
                sh(f"debugfs -w -R 'set_inode_field {n} flags 0x80800' {img}", work)
            late = int(subprocess.run(["debugfs", "-R", "stat /zz/late.txt", img], capture_output=True,
                                      text=True).stdout.split("Inode: ")[1].split()[0])
            assert late > 512, late   # the second block group (512 inodes per group)
            o = os.path.join(work, "out-fscrypt-" + tag)
            q = subprocess.run([PT, "scan", img, "-o", o, "-q"], capture_output=True)
            assert q.returncode == 0, q.stderr
            c = sqlite3.connect(os.path.join(o, "case.db"))
            got[feat] = {p: (e, f, r) for p, e, f, r in c.execute(
                "SELECT path, encryption, encryption_format, encryption_reason FROM items WHERE kind = 'file' "
                "AND path NOT LIKE '/home/u/many/%'")}
        on, off = got["encrypt"], got["^encrypt"]
        for n in ("/home/u/a.txt", "/zz/late.txt"):
            assert on[n][:2] == ("encrypted", "ext4-fscrypt") and "encrypt flag" in on[n][2], (n, on[n])
            assert off[n][:2] == ("none", None), (n, off[n])
        for n in ("/home/u/b.txt", "/zz/late-plain.txt"):
            assert on[n][:2] == ("none", None), (n, on[n])
    result("ext4 fscrypt files are encrypted/ext4-fscrypt by their inode flag", ext4_fscrypt)

    def manifest_columns():
        import csv
        with open(os.path.join(out, "manifest.csv"), newline="", encoding="utf-8") as f:
            m = {r["path"]: r for r in csv.DictReader(f)}
        assert m["/x.age"]["encryption"] == "encrypted" and m["/x.age"]["encryption_format"] == "age"
        assert m["/plain.txt"]["encryption"] == "none" and m["/plain.txt"]["encryption_format"] == ""
    result("manifest encryption columns", manifest_columns)


def main():
    return run_suite("crypto", suite, "corpus")


if __name__ == "__main__":
    sys.exit(main())
