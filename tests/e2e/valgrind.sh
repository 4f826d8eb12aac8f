#!/usr/bin/env bash
# The end-to-end scan under valgrind memcheck: the release build scans the
# fixture images (MBR as E01, GPT as split raw, a directory) plus archives
# and a qcow2 VM disk, then `report` and `verify --evidence` run; any
# memcheck error, or a definite leak, fails.  Library-internal reports that
# are not ptriage's are listed in tests/valgrind.supp, each with its reason.
# usage: valgrind.sh FIXTURES
fx=$1
suite=valgrind
. "$(dirname "$0")/tap.sh"
vg() { # vg LOG CMD...: memcheck, exit 99 on any error or definite leak
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions="$PWD/tests/valgrind.supp" --log-file="$1" "${@:2}"
}
# evidence beyond the fixtures: archives and a qcow2 VM disk inside ext4
mkdir -p "$out/src/vm" "$out/src/arch" "$out/vmsrc/etc"
echo guest > "$out/vmsrc/etc/hostname"
seq 1 2000 > "$out/src/arch/numbers.txt"
(cd "$out/src/arch" && tar czf ../backup.tar.gz numbers.txt && zip -q ../a.zip numbers.txt)
gzip -c < /dev/null > "$out/src/arch/empty.gz"; printf 'PK\003\004' > "$out/src/arch/bare.zip" # not archives: a note each
truncate -s 4M "$out/vm.fs" && mkfs.ext4 -q -F -d "$out/vmsrc" "$out/vm.fs"
qemu-img convert -O qcow2 "$out/vm.fs" "$out/src/vm/guest.qcow2"
truncate -s 24M "$out/extra.img" && mkfs.ext4 -q -F -d "$out/src" "$out/extra.img"

vg "$out/scan.log" ./ptriage scan "$fx/mbr.E01" "$fx/gpt-split.001" "$fx/src" "$out/extra.img" -o "$out/case" -q --jobs 2
rc=$?
name="scan of E01, split raw, a directory, archives and a qcow2 disk: no memcheck error, no definite leak (exit $rc)"
check test "$rc" -le 1
[ "$rc" -le 1 ] || sed -n '1,40p' "$out/scan.log" | sed 's/^/# /'
vg "$out/report.log" ./ptriage report "$out/case"
rc=$?
name="report: no memcheck error (exit $rc)"; check test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed -n '1,40p' "$out/report.log" | sed 's/^/# /'
vg "$out/verify.log" ./ptriage verify "$out/case" --evidence >/dev/null
rc=$?
name="verify --evidence: no memcheck error (exit $rc)"; check test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed -n '1,40p' "$out/verify.log" | sed 's/^/# /'
echo "1..$n"
