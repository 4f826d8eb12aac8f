#!/usr/bin/env python3
"""Writes a deterministic benchmark rule set: N rules (default 100), two
thirds with text and hex strings, one third with regular expressions whose
atoms are good (a literal prefix of 4+ bytes; no nocase or wide, which
multiply atoms), and optionally one careless regex.
With --disjoint the words are only those the bench text (mktree.py) never
uses, as a warrant's names and keywords mostly are: YARA's atoms then seldom
hit and the cost is its scan loop.  Without it a fifth of the words are the
bench text's own, and atoms hit every few hundred bytes (the worst case).
usage: mkrules.py OUT.yar [--count N] [--bad] [--disjoint]"""
import random
import sys

if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
    sys.exit(__doc__)
out = sys.argv[1]
count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 100
bad = "--bad" in sys.argv
rng = random.Random(100)
words = ("invoice ledger payroll contract merger acquisition dividend audit subpoena warrant shipment "
         "manifest offshore transfer account routing swift iban bitcoin wallet passport visa customs "
         "tariff export licence patent trademark copyright lawsuit settlement").split()
if "--disjoint" in sys.argv:
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
    from mktree import WORDS
    words = tuple(w for w in words if w not in WORDS)
with open(out, "w") as f:
    for i in range(count):
        a, b = rng.sample(words, 2)
        disp = rng.choice(["relevant", "needs-review"])
        if i % 3 == 2:
            f.write(f'rule r{i:03d}\n{{\n    meta: disposition = "{disp}"\n    strings:\n'
                    f'        $re = /{a}[-_ ]?(no|number|id)[-_ :]?[0-9]{{3,8}}/\n'
                    f'    condition: $re\n}}\n\n')
        elif i % 3 == 1:
            hexs = " ".join(f"{ord(c):02X}" for c in (a + " " + b)[:10])
            f.write(f'rule r{i:03d}\n{{\n    meta: disposition = "{disp}"\n    strings:\n'
                    f'        $h = {{ {hexs} }}\n    condition: $h\n}}\n\n')
        else:
            f.write(f'rule r{i:03d}\n{{\n    meta: disposition = "{disp}"\n    strings:\n'
                    f'        $a = "{a} {b}"\n        $b = "{b}-{a}"\n'
                    f'    condition: any of them\n}}\n\n')
    if bad:
        # no literal to anchor on: YARA's atoms are single bytes of a class
        f.write('rule careless_bitcoin_regex\n{\n    strings:\n        $b = /[13][a-km-zA-HJ-NP-Z1-9]{25,34}/\n'
                '    condition: $b\n}\n')
print(f"{count + bad} rules in {out}")
