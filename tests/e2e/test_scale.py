#!/usr/bin/env python3
"""End-to-end tests of long runs: `ptriage scan --resume` after an
interruption (a real kill -9, and interruptions cut at chosen points of the
case database: inside an archive's members, right after a VM disk file),
compared byte for byte with an uninterrupted run's manifest.csv,
manifest.jsonl, manifest.dfxml and coverage.csv; `ptriage merge` of
per-image runs compared with one run over all images; and several images
scanned by GNU parallel, and as a Slurm job array on a single-node cluster,
one case each, merged."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import run_suite  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")
PT = os.path.abspath(os.environ.get("PTRIAGE", os.path.join(ROOT, "ptriage")))
SAME = ("manifest.csv", "manifest.jsonl", "manifest.dfxml", "coverage.csv")


def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.decode(errors='replace')[:400]}")
    return p.stdout.decode(errors="replace")


def run(args, cwd=None):
    p = subprocess.run([PT, *args], capture_output=True, cwd=cwd)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error" in err:
        raise AssertionError("sanitizer report:\n" + err[:3000])
    return p


def build(work, name, seed, nfiles):
    """An ext4 image with random files, a tar.gz and a zip of some of them,
    and a VM's ext4 filesystem as a qcow2 disk, an E01 set and a sparse
    bundle."""
    rng = random.Random(seed)
    src = os.path.join(work, name + ".d")
    for i in range(nfiles):
        d = os.path.join(src, "home", f"u{i % 7}", f"d{i % 13}")
        os.makedirs(d, exist_ok=True)
        data = rng.randbytes(rng.randint(0, 40000)) if i % 3 else (b"ledger ACME %d\n" % i) * rng.randint(1, 900)
        open(os.path.join(d, f"f{i:04d}.{'txt' if i % 3 == 0 else 'bin'}"), "wb").write(data)
    with tarfile.open(os.path.join(src, "backup.tar.gz"), "w:gz") as t:
        t.add(os.path.join(src, "home", "u1"), arcname="u1")
    sh(f"cd {src}/home && zip -qr {src}/u2.zip u2")
    vm = os.path.join(work, name + ".vm")
    os.makedirs(os.path.join(vm, "etc"))
    open(os.path.join(vm, "etc", "hostname"), "w").write(name + "-guest\n")
    sh(f"truncate -s 8M {work}/{name}.vmfs && mkfs.ext4 -q -F -d {vm} {work}/{name}.vmfs")
    os.makedirs(os.path.join(src, "vm"))
    sh(f"qemu-img convert -O qcow2 {work}/{name}.vmfs {src}/vm/guest.qcow2")
    # the same guest as an E01 set of segments and as a Mac's sparse bundle
    sh(f"ewfacquire -u -q -t {src}/vm/guest -c fast -S 1MiB {work}/{name}.vmfs >/dev/null")
    sh(f"python3 {FIX}/mksparsebundle.py {work}/{name}.vmfs {src}/vm/guest.sparsebundle --band 1048576")
    # and its raw filesystem in a zip (a disk image that is an archive member)
    sh(f"cd {work} && zip -q -X {src}/vm/guest-raw.zip {name}.vmfs")
    img = os.path.join(work, name + ".img")
    sh(f"truncate -s 64M {img} && mkfs.ext4 -q -F -E root_owner=0:0 -d {src} {img}")
    return img


def same_outputs(a, b):
    diff = [f for f in SAME if open(os.path.join(a, f), "rb").read() != open(os.path.join(b, f), "rb").read()]
    assert not diff, f"{diff} differ between {a} and {b}"


def cut(full, out, k):
    """A copy of the case as a scan interrupted after item k was committed
    leaves it: later items, their matches and errors, the coverage, the
    end of the run and the reports are gone."""
    shutil.copytree(full, out)
    for f in SAME + ("court-manifest.csv", "report.html", "SHA256SUMS"):
        os.unlink(os.path.join(out, f))
    c = sqlite3.connect(os.path.join(out, "case.db"))
    c.execute("DELETE FROM items WHERE id > ?", (k,))
    c.execute("DELETE FROM matches WHERE item_id > ?", (k,))
    c.execute("DELETE FROM errors WHERE item_id > ?", (k,))
    c.execute("DELETE FROM coverage")
    c.execute("UPDATE run SET finished = NULL, exit_code = NULL, summary = NULL")
    c.commit()
    c.close()


def resume_tests(tap, work):
    img = build(work, "srv", 1, 400)
    rules = os.path.join(work, "r.yar")
    open(rules, "w").write('rule acme { meta: disposition = "relevant" strings: $a = "ACME" condition: $a }\n')
    case = os.path.join(work, "c.conf")
    open(case, "w").write("[policy]\nunmatched_user = private\n")
    full = os.path.join(work, "full")
    p = run(["scan", img, "-o", full, "-q", "--rules", rules, "--case", case, "--hash", "sha256,md5"], cwd=work)
    assert p.returncode in (0, 1), p.stderr
    c = sqlite3.connect(os.path.join(full, "case.db"))
    n = c.execute("SELECT max(id) FROM items").fetchone()[0]
    tar = c.execute("SELECT id FROM items WHERE path = '/backup.tar.gz'").fetchone()[0]
    vm = c.execute("SELECT id FROM items WHERE path = '/vm/guest.qcow2'").fetchone()[0]
    e01 = c.execute("SELECT id FROM items WHERE path = '/vm/guest.E01'").fetchone()[0]
    bundle = c.execute("SELECT id FROM items WHERE path = '/vm/guest.sparsebundle'").fetchone()[0]
    zipped = c.execute("SELECT id FROM items WHERE path = '/vm/guest-raw.zip'").fetchone()[0]
    assert c.execute("SELECT count(*) FROM items WHERE path = '/vm/guest-raw.zip!/srv.vmfs!/etc/hostname'"
                     ).fetchone()[0] == 1
    assert c.execute("SELECT count(*) FROM volumes WHERE container IN ('ewf', 'sparsebundle')").fetchone()[0] == 2
    assert c.execute("SELECT count(*) FROM matches").fetchone()[0] > 50

    def cuts():
        points = sorted({1, tar, tar + 3, vm, vm + 1, e01, e01 + 2, bundle, bundle + 2, zipped + 1, zipped + 3,
                         n // 3, n // 2, n - 1})
        for k in points:
            out = os.path.join(work, f"cut{k}")
            cut(full, out, k)
            r = run(["scan", "--resume", out])
            assert r.returncode == p.returncode, (k, r.returncode, r.stderr)
            same_outputs(full, out)
            log = open(os.path.join(out, "scan.log")).read()
            copied = int(log.split("resumed: ")[1].split()[0])
            # every file item before the cut but the last one and the archives / disk files
            files = c.execute("SELECT count(*) FROM items i WHERE id < ? AND kind = 'file' AND NOT EXISTS"
                              " (SELECT 1 FROM items m WHERE m.parent_id = i.id) AND NOT EXISTS"
                              " (SELECT 1 FROM volumes v WHERE v.parent_item_id = i.id)", (k,)).fetchone()[0]
            assert copied >= files, (k, copied, files)
            assert not os.path.exists(os.path.join(out, "case.db.interrupted"))
            assert sqlite3.connect(os.path.join(out, "case.db")).execute("SELECT resumed FROM run").fetchone()[0]
            v = run(["verify", out])
            assert v.returncode == 0, v.stdout
    tap.result("resuming cases interrupted at 14 points (inside an archive's members, at a VM disk file, an E01 "
               "set, a sparse bundle, a disk image in a zip, ...) "
               "copies the finished items and gives manifest.csv, manifest.jsonl, DFXML and coverage.csv "
               "identical to the uninterrupted run's", cuts)

    def killed():
        big = build(work, "big", 2, 2500)
        ref = os.path.join(work, "big-full")
        r = run(["scan", big, "-o", ref, "-q", "--jobs", "1"], cwd=work)
        assert r.returncode == 0, r.stderr
        out = os.path.join(work, "big-killed")
        proc = subprocess.Popen([PT, "scan", big, "-o", out, "-q", "--jobs", "1"], cwd=work)
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            try:
                k = sqlite3.connect(f"file:{out}/case.db?mode=ro", uri=True).execute(
                    "SELECT count(*) FROM items").fetchone()[0]
            except sqlite3.Error:
                k = 0
            if k > 300 or proc.poll() is not None:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not os.path.exists(os.path.join(out, "SHA256SUMS")), "the scan finished before it was killed"
        r = run(["scan", "--resume", out])
        assert r.returncode == 0, r.stderr
        same_outputs(ref, out)
        log = open(os.path.join(out, "scan.log")).read()
        assert int(log.split("resumed: ")[1].split()[0]) > 250, log[-400:]
        assert os.path.exists(os.path.join(out, "scan-interrupted.log"))
    tap.result("a scan killed with SIGKILL resumes from what it committed (every 2 s), and its manifests "
               "equal an uninterrupted run's", killed)

    def refused():
        r = run(["scan", "--resume", full])
        assert r.returncode == 2 and b"nothing to resume" in r.stderr, r.stderr
        r = run(["scan", "--resume", os.path.join(work, "nowhere")])
        assert r.returncode == 2 and b"no case database" in r.stderr, r.stderr
    tap.result("--resume refuses a finished scan and a directory without a case", refused)


def merge_tests(tap, work):
    imgs = [build(work, f"m{i}", 10 + i, 120) for i in range(3)]
    # a second image with the first one's name, in another directory
    os.makedirs(os.path.join(work, "other"))
    twin = os.path.join(work, "other", os.path.basename(imgs[0]))
    shutil.copy(imgs[1], twin)
    imgs.append(twin)
    rules = os.path.join(work, "m.yar")
    open(rules, "w").write('rule acme { meta: disposition = "relevant" strings: $a = "ACME" condition: $a }\n')
    opts = ["-q", "--rules", rules, "--hash", "sha256,md5"]
    one = os.path.join(work, "one")
    p = run(["scan", *imgs, "-o", one, *opts])
    assert p.returncode in (0, 1), p.stderr
    parts = []
    for i, img in enumerate(imgs):
        parts.append(os.path.join(work, f"part{i}"))
        q = run(["scan", img, "-o", parts[-1], *opts])
        assert q.returncode == p.returncode, q.stderr

    def merged():
        out = os.path.join(work, "merged")
        m = run(["merge", *parts, "-o", out])
        assert m.returncode == p.returncode, m.stderr
        same_outputs(one, out)
        labels = [r[0] for r in sqlite3.connect(os.path.join(out, "case.db")).execute(
            "SELECT label FROM evidence ORDER BY id")]
        assert labels == ["m0.img", "m1.img", "m2.img", "m0.img#2"], labels
        v = run(["verify", out, "--evidence"])
        assert v.returncode == 0, v.stdout
    tap.result("merge of four per-image cases equals one scan of the four images: manifest.csv, "
               "manifest.jsonl, DFXML and coverage.csv byte for byte, labels made unique the same way; "
               "verify --evidence passes on the merged case", merged)

    def refused():
        other = os.path.join(work, "sha-only")
        assert run(["scan", imgs[0], "-o", other, "-q", "--rules", rules]).returncode in (0, 1)
        m = run(["merge", parts[0], other, "-o", os.path.join(work, "bad1")])
        assert m.returncode == 2 and b"hash_algorithms differs" in m.stderr, m.stderr
        unfinished = os.path.join(work, "unfinished")
        shutil.copytree(parts[1], unfinished)
        c = sqlite3.connect(os.path.join(unfinished, "case.db"))
        c.execute("UPDATE run SET finished = NULL")
        c.commit()
        c.close()
        m = run(["merge", parts[0], unfinished, "-o", os.path.join(work, "bad2")])
        assert m.returncode == 2 and b"did not finish" in m.stderr, m.stderr
        m = run(["merge", parts[0], "-o", parts[1]])
        assert m.returncode == 2 and b"not empty" in m.stderr, m.stderr
    tap.result("merge refuses cases scanned with other settings, an unfinished case, and an existing "
               "output", refused)

    def gnu_parallel():
        if not shutil.which("parallel"):
            raise AssertionError("GNU parallel is not installed (make deps)")
        outs = os.path.join(work, "nodes")
        os.makedirs(outs)
        # one scan per image, as one node each would run it (docs/scale.md)
        cmd = (f"parallel --will-cite --halt now,fail=1 -j 2 {PT} scan {{}} -o {outs}/{{#}} "
               f"{' '.join(opts)} ::: {' '.join(imgs)}")
        q = subprocess.run(cmd, shell=True, capture_output=True)
        assert q.returncode in (0, 1), q.stderr
        out = os.path.join(work, "nodes-merged")
        m = run(["merge", *[os.path.join(outs, str(i + 1)) for i in range(len(imgs))], "-o", out])
        assert m.returncode == p.returncode, m.stderr
        same_outputs(one, out)
    tap.result("four scans run by GNU parallel, merged, equal the single scan", gnu_parallel)

    def slurm_array():
        import slurmnode
        d = os.path.join(work, "slurm")
        os.makedirs(d)
        lst = os.path.join(work, "images.txt")
        open(lst, "w").write("".join(i + "\n" for i in imgs))
        parts_dir = os.path.join(work, "slurm-parts")
        os.makedirs(parts_dir)
        # the job script of docs/scale.md, one array task per image
        job = os.path.join(work, "ptriage.sbatch")
        open(job, "w").write(
            "#!/bin/bash\n"
            f"#SBATCH --job-name=ptriage --array=1-{len(imgs)} --cpus-per-task=1\n"
            f"#SBATCH --output={work}/sbatch-%A_%a.log\n"
            f'img=$(sed -n "${{SLURM_ARRAY_TASK_ID}}p" {lst})\n'
            f'{PT} scan "$img" -o "{parts_dir}/$SLURM_ARRAY_TASK_ID" {" ".join(opts)} \\\n'
            '    --jobs "$SLURM_CPUS_PER_TASK" ||\n'
            "  [ $? -eq 1 ]\n")
        with slurmnode.cluster(d) as env:
            q = subprocess.run(["sbatch", "--wait", job], capture_output=True, env=env, timeout=600)
        logs = "".join(open(os.path.join(work, f)).read() for f in sorted(os.listdir(work))
                       if f.startswith("sbatch-"))
        assert q.returncode == 0, (q.stdout + q.stderr).decode(errors="replace") + logs
        out = os.path.join(work, "slurm-merged")
        m = run(["merge", *[os.path.join(parts_dir, str(i + 1)) for i in range(len(imgs))], "-o", out])
        assert m.returncode == p.returncode, m.stderr
        same_outputs(one, out)
    tap.result("four scans run as a Slurm job array (the job script of docs/scale.md, on a single-node "
               "cluster of Debian's slurmctld and slurmd), merged, equal the single scan", slurm_array)


def suite(tap, work):
    resume_tests(tap, work)
    merge_tests(tap, work)


def main():
    return run_suite("scale", suite)


if __name__ == "__main__":
    sys.exit(main())
