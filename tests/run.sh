#!/usr/bin/env bash
# Runs every test: unit programs, the end-to-end suite with the normal build,
# and again with the AddressSanitizer/UBSan build.  Each runner prints TAP
# lines; this script counts them and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # count SUITE CMD...: run, echo its lines, add up ok / not ok
  local suite=$1; shift
  echo "# $suite"
  "$@" >"$log" 2>&1
  local rc=$?
  sed 's/^/  /' "$log"
  local ok bad
  ok=$(grep -c '^ok ' "$log")
  bad=$(grep -c '^not ok ' "$log")
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; echo "  not ok - $suite exited $rc"; fi
  passed=$((passed + ok)); failed=$((failed + bad))
}

for t in tests/unit/test_*; do
  case $t in *.c|*.h) continue;; esac
  [ -x "$t" ] && count "unit $(basename "$t")" "$t"
done

# One fixture set for both end-to-end passes (built deterministically).
fx=$(mktemp -d /tmp/ptriage-fx-XXXXXX)
trap 'rm -f "$log"; rm -rf "$fx"' EXIT
if bash tests/fixtures/mkimages.sh "$fx" >"$log" 2>&1; then
  count "e2e (release build)" env FIXTURES="$fx" PTRIAGE=./ptriage python3 tests/e2e/test_scan.py
  asan=(env PTRIAGE=./ptriage-asan ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0
        LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
  count "e2e (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_scan.py
  count "threads (ThreadSanitizer build)" tests/e2e/tsan.sh "$fx"
  count "memcheck (valgrind, release build)" tests/e2e/valgrind.sh "$fx"
  count "corrupted images (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_corrupt.py
  count "targeted damage (release build)" env FIXTURES="$fx" PTRIAGE=./ptriage python3 tests/e2e/test_damage.py
  count "targeted damage (ASan+UBSan build)" "${asan[@]}" FIXTURES="$fx" python3 tests/e2e/test_damage.py
  count "e2e classification (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_crypto.py
  count "e2e classification (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_crypto.py
  count "e2e scope rules (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_scope.py
  count "e2e scope rules (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_scope.py
  count "e2e archives (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_archive.py
  count "e2e archives (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_archive.py
  count "e2e containers (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_containers.py
  count "e2e containers (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_containers.py
  count "e2e resume and merge (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_scale.py
  count "e2e resume and merge (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_scale.py
  count "e2e court outputs (release build)" env PTRIAGE=./ptriage python3 tests/e2e/test_report.py
  count "e2e court outputs (ASan+UBSan build)" "${asan[@]}" python3 tests/e2e/test_report.py
else
  sed 's/^/  /' "$log"; echo "  not ok - fixtures could not be built"; failed=$((failed + 1))
fi
# libFuzzer targets, a short run each (make fuzz runs them longer)
count "fuzzing (libFuzzer + ASan/UBSan, ${FUZZ_CHECK_SECONDS:-30} s per target)" tests/fuzz/run.sh "${FUZZ_CHECK_SECONDS:-30}"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
