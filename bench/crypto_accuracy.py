#!/usr/bin/env python3
"""Accuracy of ptriage's encryption verdict on the labelled corpus of
crypto_corpus.py, against two peer rules computed on the same files in the
same run:
  autopsy: MIME application/octet-stream, size >= 5 MiB, size % 512 == 0,
           entropy >= 7.5 (Autopsy's default encryption-detection rule)
  ent:     entropy >= 7.0 and chi-square p within [1%, 99%]
Positive = "encrypted or suspected".  usage: crypto_accuracy.py CORPUS [PTRIAGE]"""
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict

corpus = sys.argv[1]
pt = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ptriage")
out = os.path.join(corpus, "scan-out")
shutil.rmtree(out, ignore_errors=True)
t0 = time.time()
p = subprocess.run([pt, "scan", os.path.join(corpus, "files"), "-o", out, "-q"], capture_output=True)
elapsed = time.time() - t0
if p.returncode not in (0, 1):
    sys.exit(f"scan failed: {p.stderr.decode()}")
con = sqlite3.connect(os.path.join(out, "case.db"))
rows = {r[0].lstrip("/"): r[1:] for r in con.execute(
    "SELECT path, encryption, encryption_format, mime, size, entropy, chi2_p, encryption_reason FROM items WHERE kind='file'")}
labels = list(csv.DictReader(open(os.path.join(corpus, "labels.csv"))))

rules = {
    "ptriage": lambda r: r[0] in ("encrypted", "suspected"),
    "autopsy": lambda r: r[2] == "application/octet-stream" and r[3] >= 5 << 20 and r[3] % 512 == 0 and (r[4] or 0) >= 7.5,
    "ent": lambda r: (r[4] or 0) >= 7.0 and r[5] is not None and 0.01 <= r[5] <= 0.99,
}


def band(size):
    return "<4KiB" if size < 4096 else "4-64KiB" if size < 65536 else ">=64KiB"


def prf(c):
    tp, fp, fn, tn = c["tp"], c["fp"], c["fn"], c["tn"]
    pr = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return pr, rc, f1


groups = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
fmt_ok = defaultdict(lambda: [0, 0])
mistakes = []
for l in labels:
    r = rows.get(l["path"])
    if r is None:
        mistakes.append(f"MISSING {l['path']}")
        continue
    y = l["label"] == "1"
    keys = ["overall", "band " + band(r[3]), "hard cases" if l["hard"] == "1" else "not hard", "gen " + l["generator"]]
    for name, rule in rules.items():
        yhat = bool(rule(r))
        k = ("tp" if yhat else "fn") if y else ("fp" if yhat else "tn")
        for g in keys:
            groups[g][name][k] += 1
        if name == "ptriage" and y != yhat:
            mistakes.append(f"{'FN' if y else 'FP'} {l['path']}: {r[0]}/{r[1]} mime={r[2]} ({(r[6] or '')[:150]})")
    if y and l["format"]:
        fmt_ok[l["generator"]][1] += 1
        fmt_ok[l["generator"]][0] += (r[1] == l["format"])

print(f"corpus: {len(labels)} samples, {sum(1 for l in labels if l['label'] == '1')} encrypted; "
      f"scan {elapsed:.1f} s")
print(f"{'group':28} {'rule':8} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
order = ["overall", "band <4KiB", "band 4-64KiB", "band >=64KiB", "hard cases", "not hard"]
for g in order + sorted(k for k in groups if k.startswith("gen ")):
    for name in rules:
        c = groups[g][name]
        pr, rc, f1 = prf(c)
        print(f"{g:28} {name:8} {c['tp']:4} {c['fp']:4} {c['fn']:4} {c['tn']:4} {pr:6.3f} {rc:6.3f} {f1:6.3f}")
print("\nformat named correctly (encrypted generators):")
for g, (ok, n) in sorted(fmt_ok.items()):
    print(f"  {g:24} {ok}/{n} = {ok / n:.0%}")
print("\nptriage mistakes:")
for m in mistakes:
    print("  " + m)
