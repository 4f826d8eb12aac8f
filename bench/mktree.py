#!/usr/bin/env python3
"""Writes a deterministic benchmark tree: about 20,000 files, about 2 GB,
of mixed kinds (text, logs, compressed, random, zero-filled, tiny files).

usage: mktree.py DIR [--files N] [--scale F]
   --scale multiplies every size (0.01 makes a quick 20 MB tree)."""
import argparse
import gzip
import os
import random

WORDS = ("invoice ledger account transfer payment balance customer supplier contract "
         "meeting report budget quarter revenue expense tax audit salary bonus loan "
         "email server backup database password config kernel module network packet").split()


def text_block(rng, n):
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    rng = random.Random(20261125)
    # a pool of text reused with random offsets keeps generation fast
    pool = text_block(rng, 4 << 20)
    total = 0
    for i in range(a.files):
        r = rng.random()
        if r < 0.80:
            size = rng.randint(0, 16 << 10)            # small documents and configs
        elif r < 0.95:
            size = rng.randint(16 << 10, 256 << 10)
        elif r < 0.9975:
            size = rng.randint(256 << 10, 1 << 20)
        else:
            size = rng.randint(5 << 20, 30 << 20)      # ~50 large files
        size = int(size * a.scale)
        kind = rng.random()
        user = "user%02d" % (i % 40)
        sub = "d%02d" % (i // 40 % 25)
        d = os.path.join(a.dir, "home", user, sub)
        os.makedirs(d, exist_ok=True)
        if kind < 0.55:
            ext, off = ".txt", rng.randint(0, len(pool) - 1)
            data = (pool[off:] + pool)[:size] if size <= len(pool) else (pool * (size // len(pool) + 1))[:size]
        elif kind < 0.70:
            ext = ".log.gz"
            off = rng.randint(0, len(pool) - 1)
            data = gzip.compress((pool[off:] + pool[:off])[:max(size * 4, 1)][: 4 << 20], 6, mtime=0)[:size]
        elif kind < 0.90:
            ext, data = ".bin", rng.randbytes(size)
        elif kind < 0.97:
            ext, data = ".img", bytes(size)
        else:
            ext, data = ".dat", text_block(rng, min(size, 512))
        with open(os.path.join(d, "f%05d%s" % (i, ext)), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{a.files} files, {total} bytes in {a.dir}")


if __name__ == "__main__":
    main()
