#!/usr/bin/env bash
# Benchmark: builds (once, cached in $BENCH_DIR) an ext4 image of about 2 GB
# holding about 20,000 mixed files, then times in the same run:
#   sha256sum IMAGE                      (the floor: every byte must be hashed)
#   fls -r IMAGE                         (listing only)
#   peer pipeline: tsk_recover -e + hashdeep -c sha256 + file -f
#   ptriage scan (SHA-256, statistics, type, classification) on all cores and
#   with --jobs 1, and with --hash md5
# and prints each time and ptriage's ratio to each.  The image is read once
# before timing, so all runs see a warm page cache (CPU-bound comparison).
# usage: bench/bench.sh [--scale F]   (F < 1 for a quick smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
mkdir -p "$dir"
export LC_ALL=C TZ=UTC
if [ ! -f "$img" ]; then
  rm -rf "$dir/tree"
  python3 bench/mktree.py "$dir/tree" --scale "$scale"
  find "$dir/tree" -exec touch -h -d @1600000000 {} +
  kb=$(du -sk "$dir/tree" | cut -f1)
  E2FSPROGS_FAKE_TIME=1600000000 mkfs.ext4 -q -F -d "$dir/tree" -E root_owner=0:0 \
    -U 11111111-2222-3333-4444-555555555555 "$img" $(( kb * 12 / 10 + 65536 ))K
  rm -rf "$dir/tree"
fi
cat "$img" > /dev/null
size=$(stat -c %s "$img")
files=$(fls -r "$img" | grep -c 'r/r ') || true
echo "image: $img, $((size / 1048576)) MiB, $files regular files"

peer() {
  rm -rf "$dir/peer"; mkdir -p "$dir/peer"
  tsk_recover -e "$img" "$dir/peer/x" >/dev/null
  (cd "$dir/peer/x" && hashdeep -c sha256 -r . >"$dir/peer/hashes.txt")
  (cd "$dir/peer/x" && find . -type f > "$dir/peer/list" && file -b -f "$dir/peer/list" >"$dir/peer/types.txt")
}
# The peers do not open archives: ptriage is timed without expanding them,
# and once more with its default expansion, to show what that costs.
scan() { rm -rf "$dir/out"; ./ptriage scan "$img" -o "$dir/out" -q --archive-depth 0 "$@"; }
scan_archives() { rm -rf "$dir/out"; ./ptriage scan "$img" -o "$dir/out" -q; }

t sha256sum sha256sum "$img"
t fls fls -r "$img"
t peer peer
t ptriage scan
t ptriage_j1 scan --jobs 1
t ptriage_md5 scan --hash sha256,md5
t ptriage_arch scan_archives
rm -rf "$dir/peer" "$dir/out"

ratio() { echo "scale=2; $1 / $2" | bc; }
printf '%-44s %8s\n' "run" "seconds"
printf '%-44s %8s\n' "sha256sum IMAGE" "$T_sha256sum"
printf '%-44s %8s\n' "fls -r IMAGE" "$T_fls"
printf '%-44s %8s\n' "tsk_recover -e + hashdeep sha256 + file -f" "$T_peer"
printf '%-44s %8s\n' "ptriage scan (all cores)" "$T_ptriage"
printf '%-44s %8s\n' "ptriage scan --jobs 1 (single thread)" "$T_ptriage_j1"
printf '%-44s %8s\n' "ptriage scan --hash sha256,md5" "$T_ptriage_md5"
printf '%-44s %8s\n' "ptriage scan, archives expanded (default)" "$T_ptriage_arch"
echo "ptriage / sha256sum IMAGE: $(ratio "$T_ptriage" "$T_sha256sum")x; single thread $(ratio "$T_ptriage_j1" "$T_sha256sum")x (target <= 2.0)"
echo "ptriage / fls -r:          $(ratio "$T_ptriage" "$T_fls")x"
echo "ptriage / peer pipeline:   $(ratio "$T_ptriage" "$T_peer")x (target < 1)"
echo "ptriage+md5 / sha256sum:   $(ratio "$T_ptriage_md5" "$T_sha256sum")x"
echo "throughput: ptriage $(echo "scale=1; $size / 1048576 / $T_ptriage" | bc) MiB/s of image"
