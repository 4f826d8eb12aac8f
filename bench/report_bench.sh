#!/usr/bin/env bash
# report_bench.sh - report.html at scale: a case of N items (default
# 200,000: a scanned image's items copied with new paths, half relevant, a
# quarter private), written by `ptriage report`, then opened in headless
# Chromium.  Prints the report's size, the time to write it, and the time
# from navigation to every table ready (measured by the page itself), next
# to the time `sqlite3` takes to dump the same rows as CSV.
# Target (issue 6): loads in under 3 s; file under 100 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
dir=${BENCH_DIR:-/tmp/ptriage-bench}/report
rm -rf "$dir" && mkdir -p "$dir/src/home/a" "$dir/src/srv"
echo "ACME invoice" > "$dir/src/srv/invoice.txt"
echo "dear diary" > "$dir/src/home/a/diary.txt"
./ptriage scan "$dir/src" -o "$dir/case" -q >/dev/null
sqlite3 "$dir/case/case.db" <<SQL
WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $n)
INSERT INTO items(evidence_id, volume_id, path, kind, allocated, size, mtime, uid, gid, owner, sha256, mime,
                  category, entropy, encryption, rules, disposition, reason)
SELECT 1, NULL, printf('/srv/data/d%04d/file-%07d.txt', x % 1000, x), 'file', 1, x * 37 % 100000,
       1300000000 + x * 61, 1000 + x % 20, 1000, 'user' || (x % 20),
       lower(hex(randomblob(32))), 'text/plain', CASE x % 4 WHEN 0 THEN 'document' WHEN 1 THEN 'text'
       WHEN 2 THEN 'image' ELSE 'spreadsheet' END, 4.5, 'none', 'scope:acme',
       CASE WHEN x % 2 = 0 THEN 'relevant' WHEN x % 4 = 1 THEN 'private' ELSE 'needs-review' END, 'rule acme'
FROM k;
SQL
s=$(date +%s.%N); ./ptriage report "$dir/case"; e=$(date +%s.%N)
write=$(echo "$e - $s" | bc)
s=$(date +%s.%N); sqlite3 -csv "$dir/case/case.db" "select * from items" > "$dir/dump.csv"; e=$(date +%s.%N)
dump=$(echo "$e - $s" | bc)
size=$(stat -c %s "$dir/case/report.html")
prof=$(mktemp -d)
s=$(date +%s.%N)
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$prof" --virtual-time-budget=60000 \
  --dump-dom "file://$dir/case/report.html" 2>/dev/null > "$dir/dom.html"
e=$(date +%s.%N)
rm -rf "$prof"
wall=$(echo "$e - $s" | bc)
load=$(grep -o 'data-load-ms="[0-9]*"' "$dir/dom.html" | grep -o '[0-9]*' || echo "?")
rows=$(grep -o 'id="t-relevant"[^>]*data-ready="[0-9]*"' "$dir/dom.html" | grep -o 'ready="[0-9]*' | grep -o '[0-9]*$')
printf 'items: %d (relevant table: %s rows)\n' "$((n + 6))" "$rows"
printf 'report.html: %.1f MB (target < 100 MB)\n' "$(echo "$size / 1000000" | bc -l)"
printf 'ptriage report (all outputs): %.2f s; sqlite3 CSV dump of the items: %.2f s (ratio %.1fx)\n' \
  "$write" "$dump" "$(echo "$write / $dump" | bc -l)"
printf 'headless Chromium: navigation to tables ready %s ms (target < 3000 ms); whole run incl. start %.2f s\n' \
  "$load" "$wall"
