# lib.sh - shared by the bench scripts: arguments, paths, and the timer.
# Sourced after `cd` to the project root; sets scale, dir, img.
scale=1
[ "${1:-}" = "--scale" ] && scale=$2
dir=${BENCH_DIR:-/tmp/ptriage-bench}
img=$dir/bench-$scale.img

t() { # t NAME CMD...: runs CMD quietly and records its wall time in T_NAME (seconds)
  local s e
  s=$(date +%s.%N); "${@:2}" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  printf -v "T_$1" '%.2f' "$(echo "$e - $s" | bc)"
}
