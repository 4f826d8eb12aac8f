#!/usr/bin/env bash
# Runs every test: unit programs (AddressSanitizer/UBSan build), the
# end-to-end suites with the normal build and again with the ASan/UBSan one.  Each runner prints TAP
# lines; this script counts them and ends with "N passed, N failed".
# The end-to-end suites run TEST_JOBS at a time (default: the number of
# cores; each is mostly one thread), their output shown in order.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
log=$(mktemp)
runs=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$runs"' EXIT
test_jobs=${TEST_JOBS:-$(nproc)}
started=0

tally() { # tally SUITE OUTPUT RC [SECONDS]: echo its lines, add up ok / not ok
  local suite=$1 out=$2 rc=$3 ok bad
  echo "# $suite${4:+ ($4 s)}"
  sed 's/^/  /' "$out"
  ok=$(grep -c '^ok ' "$out")
  bad=$(grep -c '^not ok ' "$out")
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; echo "  not ok - $suite exited $rc"; fi
  passed=$((passed + ok)); failed=$((failed + bad))
}

count() { # count SUITE CMD...: run now
  local suite=$1; shift
  "$@" >"$log" 2>&1
  tally "$suite" "$log" $?
}

start() { # start SUITE CMD...: run in the background, at most test_jobs at a time
  started=$((started + 1))
  printf '%s\n' "$1" >"$runs/$started.name"; shift
  while [ "$(jobs -rp | wc -l)" -ge "$test_jobs" ]; do wait -n; done
  ( t0=$(date +%s); "$@" >"$runs/$started.out" 2>&1; echo $? >"$runs/$started.rc"
    echo $(($(date +%s) - t0)) >"$runs/$started.secs" ) &
}

finish() { # wait for the started suites and count them in the order started
  local i
  wait
  for i in $(seq 1 "$started"); do
    tally "$(cat "$runs/$i.name")" "$runs/$i.out" "$(cat "$runs/$i.rc" 2>/dev/null || echo 1)" \
      "$(cat "$runs/$i.secs" 2>/dev/null)"
  done
  started=0
}

# Every unit program in turn, as one suite, built with ASan+UBSan
# (tests/unit/asan); one that dies without a "not ok" line fails too.
# ASan's slow unwinder, so that tests/lsan.supp matches libtsk's leaks by
# their deeper frames; but the fast one for test_tcrypt, which meets no
# library leak, and where OpenSSL's PBKDF2 allocates at each of its
# iterations (20 s so, 300 s with the slow one).
units() {
  local t rc out fast
  out=$(mktemp)
  for t in tests/unit/asan/test_*; do
    [ -x "$t" ] || continue
    echo "# unit $(basename "$t")"
    case $t in */test_tcrypt) fast=1;; *) fast=0;; esac
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=$fast:allocator_may_return_null=1 \
      LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$t" >"$out" 2>&1; rc=$?
    cat "$out"
    if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$out"; then echo "not ok - unit $(basename "$t") exited $rc"; fi
  done
  rm -f "$out"
}

fuzz_secs=${FUZZ_CHECK_SECONDS:-30}
fuzz_name="fuzzing (libFuzzer + ASan/UBSan, $fuzz_secs s per target)"

# One fixture set for both end-to-end passes (built deterministically).
fx=$(mktemp -d /tmp/ptriage-fx-XXXXXX)
trap 'rm -f "$log"; rm -rf "$fx" "$runs"' EXIT
if bash tests/fixtures/mkimages.sh "$fx" >"$log" 2>&1; then
  # the longest suites first, so that no long one is left to run alone at the end.
  # The containers suite (every disk-image, volume-manager, encryption and
  # filesystem reader) runs under ASan+UBSan only: its release-build run
  # repeated the same paths for 3.5 minutes of CI; the release binary is
  # exercised by every other suite.
  asan=(env PTRIAGE=./ptriage-asan ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:allocator_may_return_null=1
        LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
  start "e2e containers (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_containers.py
  start "unit tests (ASan+UBSan build)" units
  start "e2e (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_scan.py
  start "e2e resume and merge (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_scale.py
  # libFuzzer targets, a short run each (make fuzz runs them longer): one
  # process at a time, so they share the cores with the suites
  start "$fuzz_name" tests/fuzz/run.sh "$fuzz_secs"
  start "e2e (release build)" env FIXTURES="$fx" PTRIAGE=./ptriage python3 tests/e2e/test_scan.py
  start "targeted damage (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_damage.py
  start "memcheck (valgrind, release build)" tests/e2e/valgrind.sh "$fx"
  start "e2e archives (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_archive.py
  start "e2e classification (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_crypto.py
  start "e2e classification (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_crypto.py
  start "e2e resume and merge (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_scale.py
  start "e2e scope rules (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_scope.py
  start "e2e archives (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_archive.py
  start "e2e court outputs (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_report.py
  start "corrupted images (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_corrupt.py
  start "threads (ThreadSanitizer build)" tests/e2e/tsan.sh "$fx"
  start "targeted damage (release build)" env FIXTURES="$fx" PTRIAGE=./ptriage python3 tests/e2e/test_damage.py
  start "e2e scope rules (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_scope.py
  start "e2e court outputs (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_report.py
  finish
else
  sed 's/^/  /' "$log"; echo "  not ok - fixtures could not be built"; failed=$((failed + 1))
  count "unit tests (ASan+UBSan build)" units
  count "$fuzz_name" tests/fuzz/run.sh "$fuzz_secs"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
