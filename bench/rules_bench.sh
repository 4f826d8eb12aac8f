#!/usr/bin/env bash
# Scope-rule cost on the bench image (bench/bench.sh builds it): ptriage with
# no rules, with 100 string/hex/regex rules with good atoms, and with the same
# plus one careless regex; against `yara -r` with the same rules over the tree
# tsk_recover extracts, in the same run.  Also the load of a 10-million-entry
# hash set.  usage: bench/rules_bench.sh [--scale F]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f "$img" ] || bench/bench.sh --scale "$scale" >/dev/null
mkdir -p "$dir/rules"
python3 bench/mkrules.py "$dir/rules/good.yar" >/dev/null
python3 bench/mkrules.py "$dir/rules/bad.yar" --bad >/dev/null
python3 bench/mkrules.py "$dir/rules/disjoint.yar" --disjoint >/dev/null
cat "$img" >/dev/null
scan() { rm -rf "$dir/out"; ./ptriage scan "$img" -o "$dir/out" -q --archive-depth 0 "$@"; }  # as the peers: archives not opened
t none scan
t good scan --rules "$dir/rules/good.yar"
t disjoint scan --rules "$dir/rules/disjoint.yar"
t bad scan --rules "$dir/rules/bad.yar"
rm -rf "$dir/x"; tsk_recover -e "$img" "$dir/x" >/dev/null
t yara_good yara -r -p 2 "$dir/rules/good.yar" "$dir/x"
t yara_disjoint yara -r -p 2 "$dir/rules/disjoint.yar" "$dir/x"
t yara_bad yara -r -p 2 "$dir/rules/bad.yar" "$dir/x"
rm -rf "$dir/x" "$dir/out"
echo "rules on $(basename "$img"):"
printf '  %-46s %7s s\n' "ptriage scan, no rules" "$T_none" "ptriage scan, 100 good rules" "$T_good" \
  "ptriage scan, 100 rules, words not in the text" "$T_disjoint" \
  "yara -r -p 2, 100 rules, words not in the text" "$T_yara_disjoint" \
  "ptriage scan, 100 good + 1 careless regex" "$T_bad" "yara -r -p 2, 100 good rules (extracted tree)" "$T_yara_good" \
  "yara -r -p 2, + careless regex" "$T_yara_bad"
echo "  ptriage with rules / without: $(echo "scale=2; $T_good / $T_none" | bc)x (target <= 1.3); rules whose words the text lacks: $(echo "scale=2; $T_disjoint / $T_none" | bc)x"
echo "  rule stage alone: ptriage $(echo "scale=2; $T_good - $T_none" | bc) s vs yara -r $T_yara_good s"
echo "  one careless regex costs: ptriage +$(echo "scale=2; $T_bad - $T_good" | bc) s, yara +$(echo "scale=2; $T_yara_bad - $T_yara_good" | bc) s"
# hash sets: 10 million MD5 lines
hs=$dir/10M.md5
[ -f "$hs" ] || python3 -c "
import random, sys
r = random.Random(10); w = sys.stdout.write
for i in range(10_000_000): w('%032x  f%d\n' % (r.getrandbits(128), i))" > "$hs"
printf '[hashsets]\nsystem = %s\n' "$hs" > "$dir/hs.conf"
mkdir -p "$dir/tiny" && echo x > "$dir/tiny/a"
rm -rf "$dir/out"
/usr/bin/time -f "  10M-entry MD5 hash set: load + tiny scan %e s, peak %M KB" ./ptriage scan "$dir/tiny" -o "$dir/out" -q --case "$dir/hs.conf"
rm -rf "$dir/out"
# the same size as an NSRL RDSv3 SQLite database (table FILE, upper-case hex), read by its sha256 column
rds=$dir/rds10M.db
[ -f "$rds" ] || python3 -c "
import random, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=OFF'); c.execute('PRAGMA synchronous=OFF')
c.execute('CREATE TABLE FILE(sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL,'
          ' file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL)')
r = random.Random(3)
c.executemany('INSERT INTO FILE VALUES(?,?,?,?,?,?,?)', (('%064X' % r.getrandbits(256), '%040X' % r.getrandbits(160),
              '%032X' % r.getrandbits(128), '00000000', 'f%d' % i, i, 1) for i in range(10_000_000)))
c.commit()" "$rds"
printf '[hashsets]\nsystem = %s\n' "$rds" > "$dir/rds.conf"
rm -rf "$dir/out"
/usr/bin/time -f "  10M-row RDSv3 database (SHA-256): load + tiny scan %e s, peak %M KB" ./ptriage scan "$dir/tiny" -o "$dir/out" -q --case "$dir/rds.conf"
rm -rf "$dir/out"
