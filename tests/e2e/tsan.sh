#!/usr/bin/env bash
# The threaded type-and-classify stage under ThreadSanitizer: scans of several
# evidence items with 3 worker threads must show no data race, and give the
# same manifest as one thread.  usage: tsan.sh FIXTURES
fx=$1
suite=tsan
. "$(dirname "$0")/tap.sh"
TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./ptriage-tsan scan "$fx/mbr.E01" "$fx/gpt-split.001" "$fx/src" \
  -o "$out/t3" -q --jobs 3 2>"$out/tsan.log"
rc=$?
name="no data race with --jobs 3 (exit $rc)"; check test "$rc" -le 1
grep -q "WARNING: ThreadSanitizer" "$out/tsan.log" && sed -n '1,30p' "$out/tsan.log" | sed 's/^/# /'
./ptriage scan "$fx/mbr.E01" "$fx/gpt-split.001" "$fx/src" -o "$out/t1" -q --jobs 1
name="same manifest as one thread"; check cmp -s "$out/t1/manifest.csv" "$out/t3/manifest.csv"
echo "1..$n"
