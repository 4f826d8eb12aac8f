#!/usr/bin/env bash
# ptriage on this machine's own trees, as evidence nobody wrote for the
# tests: an ext4 image of a real directory (default /usr/lib), a FAT32
# image of real documentation with non-ASCII names, and an APFS container
# of /usr/share/doc and /usr/include (written by Linux's APFS driver in a
# VM, tests/fixtures/mkapfs.sh).  Each listing is
# compared with `fls -r -p` and 200 random files' SHA-256 with `icat`;
# any crash, sanitizer report, or difference fails.  Slow (minutes, GBs):
# not part of `make check`.
# usage: bench/real_trees.sh [DIR] [--asan]
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-/usr/lib}
pt=./ptriage
[ "${2:-}" = "--asan" ] && pt=./ptriage-asan
dir=${BENCH_DIR:-/tmp/ptriage-bench}/real
rm -rf "$dir" && mkdir -p "$dir"
size=$(du -sb "$src" | cut -f1)
truncate -s $((size * 3 / 2 + 256 * 1048576)) "$dir/tree.img"
mkfs.ext4 -q -F -E root_owner=0:0 -d "$src" "$dir/tree.img"
mkdir -p "$dir/fatsrc/Ünïcödé dir"
cp -r /usr/share/doc/git "$dir/fatsrc/" 2>/dev/null || true
echo x > "$dir/fatsrc/Ünïcödé dir/naïve résumé.txt"
echo y > "$dir/fatsrc/a file with spaces & 'quotes'.txt"
truncate -s 300M "$dir/fat.img" && mkfs.vfat -F 32 -n REALFAT "$dir/fat.img" >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$dir/fat.img" "$dir/fatsrc"/* :: 2>/dev/null || true
fail=0
for img in "$dir/tree.img" "$dir/fat.img"; do
  out=$dir/out-$(basename "$img" .img)
  /usr/bin/time -o "$dir/time" -f "%e s, peak %M KB" "$pt" scan "$img" -o "$out" -q --rules rules/ \
    2>"$dir/stderr" || [ $? -eq 1 ]
  if grep -q "Sanitizer\|runtime error" "$dir/stderr"; then cat "$dir/stderr"; fail=1; fi
  echo "$(basename "$img"): $(tail -1 "$out/scan.log"); $(cat "$dir/time")"
  python3 bench/cmp_fls.py "$img" "$out" || fail=1
done
mkdir -p "$dir/apfssrc"
cp -a /usr/share/doc "$dir/apfssrc/doc" && cp -a /usr/include "$dir/apfssrc/include"
echo true >"$dir/ops.sh"
PT_APFS_VM_MB=2048 PT_APFS_VM_TIMEOUT=1800 tests/fixtures/mkapfs.sh "$dir/apfs.img" 1024 "$dir/apfssrc" "$dir/ops.sh"
block=$(pstat "$dir/apfs.img" | awk -F': ' '/APSB Block Number/ {print $2; exit}')
out=$dir/out-apfs
/usr/bin/time -o "$dir/time" -f "%e s, peak %M KB" "$pt" scan "$dir/apfs.img" -o "$out" -q --rules rules/ \
  2>"$dir/stderr" || [ $? -eq 1 ]
if grep -q "Sanitizer\|runtime error" "$dir/stderr"; then cat "$dir/stderr"; fail=1; fi
echo "apfs.img: $(tail -1 "$out/scan.log"); $(cat "$dir/time")"
python3 bench/cmp_fls.py "$dir/apfs.img" "$out" '!apfs:Data' -B "$block" || fail=1
exit $fail
