#!/usr/bin/env bash
# Scale benchmark (issue "Fast at terabyte scale"): on the bench image (about
# 2 GB, 20,000 mixed files; bench/bench.sh builds it) and on an image of about
# 200,000 small files, times in the same run:
#   sha256sum IMAGE                              the floor: every byte hashed once
#   peer pipeline: tsk_recover -e + hashdeep -c sha256,md5 + file -b -f
#                  + yara -r (the same 30 rules) + ent on every file
#   fiwalk -f                                    hashes and types every file (it runs
#                  file(1) once per file, about 50 files/s here: on the
#                  200,000-file image plain fiwalk, hashes only, is timed)
#   ptriage scan --hash sha256,md5 --rules (the same 30 rules), archives not
#                  expanded (as the peers), all cores and --jobs 1; and --hash-only
#   bench/floor IMAGE                            SHA-256 + histogram and MD5 on two
#                  threads over the image read once: the floor for hash-only
# and what one careless regex adds to ptriage and to yara.  The images are
# read once before timing (warm page cache: a CPU comparison).
# usage: bench/scale_bench.sh [--scale F]   (F < 1: a quick smoke run)
#        SKIP_PEERS=1 bench/scale_bench.sh     ptriage, sha256sum and the floor only
#                                              (the peers take most of an hour)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
export LC_ALL=C TZ=UTC
[ -f "$img" ] || bench/bench.sh --scale "$scale" >/dev/null
make -s bench/floor
small=$dir/small-$scale.img
if [ ! -f "$small" ]; then
  rm -rf "$dir/stree"
  nfiles=$(python3 -c "print(max(1000, int(200000 * $scale)))")
  python3 bench/mktree.py "$dir/stree" --files "$nfiles" --scale "$(echo "0.05 * $scale" | bc -l)"
  find "$dir/stree" -exec touch -h -d @1600000000 {} +
  kb=$(du -sk "$dir/stree" | cut -f1)
  E2FSPROGS_FAKE_TIME=1600000000 mkfs.ext4 -q -F -N $((nfiles * 2 + 10000)) -d "$dir/stree" -E root_owner=0:0 \
    -U 11111111-2222-3333-4444-666666666666 "$small" $(( kb * 15 / 10 + 65536 ))K
  rm -rf "$dir/stree"
fi
mkdir -p "$dir/rules"
python3 bench/mkrules.py "$dir/rules/r30.yar" --count 30 >/dev/null
python3 bench/mkrules.py "$dir/rules/r30bad.yar" --count 30 --bad >/dev/null

peer() { # IMAGE RULES
  rm -rf "$dir/peer"; mkdir -p "$dir/peer"
  tsk_recover -e "$1" "$dir/peer/x" >/dev/null
  (cd "$dir/peer/x" && hashdeep -c sha256,md5 -r . >"$dir/peer/hashes.txt")
  (cd "$dir/peer/x" && find . -type f > "$dir/peer/list" && file -b -f "$dir/peer/list" >"$dir/peer/types.txt")
  yara -r -p 2 "$2" "$dir/peer/x" >"$dir/peer/yara.txt"
  (cd "$dir/peer/x" && find . -type f -print0 | xargs -0 -n 1 ent -t >"$dir/peer/ent.txt")
}
scan() { rm -rf "$dir/out"; ./ptriage scan "$1" -o "$dir/out" -q --archive-depth 0 --hash sha256,md5 "${@:2}"; }

for im in "$img" "$small"; do
  cat "$im" >/dev/null
  size=$(stat -c %s "$im")
  files=$(fls -r "$im" | grep -c 'r/r ') || true
  t sha256sum sha256sum "$im"
  rm -f "$dir/fiwalk.xml"
  if [ "$im" = "$img" ]; then fw="fiwalk -f"; else fw="fiwalk (no -f)"; fi
  if [ -z "${SKIP_PEERS:-}" ]; then
    t peer peer "$im" "$dir/rules/r30.yar"
    if [ "$im" = "$img" ]; then t fiwalk fiwalk -f -X"$dir/fiwalk.xml" "$im"
    else t fiwalk fiwalk -X"$dir/fiwalk.xml" "$im"; fi
    [ -s "$dir/fiwalk.xml" ] || echo "fiwalk failed on $im" >&2
  else
    T_peer=0 T_fiwalk=0
  fi
  t ptriage scan "$im" --rules "$dir/rules/r30.yar"
  t ptriage_j1 scan "$im" --rules "$dir/rules/r30.yar" --jobs 1
  t ptriage_bad scan "$im" --rules "$dir/rules/r30bad.yar"
  t ptriage_hash scan "$im" --hash-only
  content=$(sqlite3 "$dir/out/case.db" "SELECT sum(size) FROM items WHERE sha256 IS NOT NULL AND kind IN ('file','stream')")
  t floor bench/floor "$im"
  if [ -z "${SKIP_PEERS:-}" ]; then
    rm -rf "$dir/peer"; tsk_recover -e "$im" "$dir/peer/x" >/dev/null
    t yara_good yara -r -p 2 "$dir/rules/r30.yar" "$dir/peer/x"
    t yara_bad yara -r -p 2 "$dir/rules/r30bad.yar" "$dir/peer/x"
  else
    T_yara_good=0 T_yara_bad=0
  fi
  rm -rf "$dir/peer" "$dir/out" "$dir/fiwalk.xml"
  mib=$((size / 1048576))
  echo "== $(basename "$im"): $mib MiB, $files regular files"
  ratio() { [ "$2" = 0 ] && echo - || echo "scale=2; $1 / $2" | bc; }
  rate() { [ "$1" = 0 ] && echo - || echo "scale=1; $mib / $1" | bc; }
  printf '  %-58s %8s s %8s MiB/s\n' "sha256sum IMAGE" "$T_sha256sum" "$(rate "$T_sha256sum")" \
    "peer pipeline (tsk_recover+hashdeep+file+yara+ent)" "$T_peer" "$(rate "$T_peer")" \
    "$fw" "$T_fiwalk" "$(rate "$T_fiwalk")" \
    "ptriage sha256+md5+type+entropy+classify+30 rules" "$T_ptriage" "$(rate "$T_ptriage")" \
    "  the same, --jobs 1" "$T_ptriage_j1" "$(rate "$T_ptriage_j1")" \
    "  the same, + one careless regex" "$T_ptriage_bad" "$(rate "$T_ptriage_bad")" \
    "ptriage --hash-only (sha256+md5+byte statistics)" "$T_ptriage_hash" "$(rate "$T_ptriage_hash")" \
    "floor: bench/floor IMAGE (sha256+histogram | md5)" "$T_floor" "$(rate "$T_floor")"
  echo "  files/s: ptriage $(echo "$files / $T_ptriage" | bc), --hash-only $(echo "$files / $T_ptriage_hash" | bc), peers $(ratio "$files" "$T_peer"), fiwalk $(ratio "$files" "$T_fiwalk")"
  echo "  ptriage / sha256sum $(ratio "$T_ptriage" "$T_sha256sum")x, / peers $(ratio "$T_ptriage" "$T_peer")x, / fiwalk $(ratio "$T_ptriage" "$T_fiwalk")x"
  echo "  ptriage --hash-only: $(echo "scale=3; $content / $T_ptriage_hash / 1000000000" | bc) GB/s of file content; floor: $(echo "scale=3; $size / $T_floor / 1000000000" | bc) GB/s; ratio $(echo "scale=2; ($content / $T_ptriage_hash) / ($size / $T_floor)" | bc) (target >= 0.7)"
  echo "  one careless regex: ptriage +$(echo "$T_ptriage_bad - $T_ptriage" | bc) s; yara -r alone $T_yara_good -> $T_yara_bad s"
done
