#!/usr/bin/env bash
# run.sh SECONDS [NAME...] - runs every libFuzzer target in tests/fuzz (or
# the NAMEd ones: scan, classify, ...) for SECONDS each, from its seed
# corpus (tests/fuzz/corpus/NAME, copied; the scan target also gets small
# generated images), and prints one TAP line per target with the
# executions it ran.  A crash, leak, timeout or sanitizer report fails it;
# the input that did it is kept in tests/fuzz/crashes/.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-30}
shift $(($# > 0 ? 1 : 0))
only=" $* "
work=$(mktemp -d /tmp/ptriage-fuzz-run-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p tests/fuzz/crashes

# seeds for the whole-scan target: a small FAT image with a file and an
# archive in it, and an MBR disk holding it (made by the tools, not kept in git)
mkdir -p "$work/seed/src" "$work/scan"
echo "hello" > "$work/seed/src/a.txt"
(cd "$work/seed/src" && tar czf ../t.tgz a.txt) && cp "$work/seed/t.tgz" "$work/seed/src/"
mkfs.vfat -C "$work/scan/fat.img" 128 >/dev/null 2>&1 && mcopy -i "$work/scan/fat.img" "$work/seed/src/"* ::/ 2>/dev/null
truncate -s 256K "$work/scan/mbr.img"
printf 'label: dos\nstart=64, size=256, type=c\n' | sfdisk -q "$work/scan/mbr.img" >/dev/null 2>&1
dd if="$work/scan/fat.img" of="$work/scan/mbr.img" bs=512 seek=64 conv=notrunc status=none 2>/dev/null
# the same disk as qcow2, VMDK (zeroed grains; stream-optimised) and VDI, read through qcowmap.c, vmdkmap.c, vdimap.c
qemu-img convert -O qcow2 -o cluster_size=512 "$work/scan/mbr.img" "$work/scan/d-qcow2.img" 2>/dev/null
qemu-img convert -O vmdk -o zeroed_grain=on "$work/scan/mbr.img" "$work/scan/d-vmdk.img" 2>/dev/null
qemu-img convert -O vmdk -o subformat=streamOptimized "$work/scan/mbr.img" "$work/scan/s-vmdk.img" 2>/dev/null
qemu-img convert -O vdi "$work/scan/mbr.img" "$work/scan/d-vdi.img" 2>/dev/null   # vdimap.c
qemu-img convert -O parallels -o cluster_size=4k "$work/scan/mbr.img" "$work/scan/d-phd.img" 2>/dev/null   # phdmap.c
# a DMG with every chunk coding (dmgmap.c); a GPT disk whose primary header is
# zeroed (gpt.c); the MBR disk with its signature gone (the filesystem search);
# Linux swap (fsid.c)
python3 tests/fixtures/mkdmg.py "$work/scan/mbr.img" "$work/scan/d-dmg.img" --mode mixed --chunk 16 2>/dev/null
python3 tests/fixtures/mksparseimage.py "$work/scan/mbr.img" "$work/scan/d-sparseimage.img" --band-sectors 1 --order shuffle 2>/dev/null   # spimgmap.c
# AFF4 (aff4map.c, turtle.c): a sparse map over snappy chunks, and a stream without a map, stored
/usr/bin/python3 tests/fixtures/mkaff4.py "$work/scan/mbr.img" "$work/scan/d-aff4.img" codec=snappy chunk=4096 sparse 2>/dev/null
/usr/bin/python3 tests/fixtures/mkaff4.py "$work/scan/mbr.img" "$work/scan/s-aff4.img" codec=stored chunk=4096 bevy=16 stream-only 2>/dev/null
truncate -s 256K "$work/scan/gpt.img"
printf 'label: gpt\nstart=64, size=256, type=linux\n' | sfdisk -q "$work/scan/gpt.img" >/dev/null 2>&1
dd if="$work/scan/fat.img" of="$work/scan/gpt.img" bs=512 seek=64 conv=notrunc status=none 2>/dev/null
dd if=/dev/zero of="$work/scan/gpt.img" bs=512 seek=1 count=1 conv=notrunc status=none 2>/dev/null
cp "$work/scan/mbr.img" "$work/scan/nosig.img" && printf '\0\0' | dd of="$work/scan/nosig.img" bs=1 seek=510 conv=notrunc status=none 2>/dev/null
truncate -s 64K "$work/scan/swap.img" && mkswap -q -L s "$work/scan/swap.img" >/dev/null 2>&1
# an E01 set of the MBR disk inside a FAT image, read through libtsk by ewfmap.c
ewfacquire -u -q -t "$work/seed/d" -f encase6 -c fast "$work/scan/mbr.img" >/dev/null 2>&1
mkfs.vfat -C "$work/scan/e01-in-fat.img" 256 >/dev/null 2>&1 && mcopy -i "$work/scan/e01-in-fat.img" "$work/seed/d.E01" ::/ 2>/dev/null
# a sparse bundle of it (bundle.c) in a FAT image
python3 tests/fixtures/mksparsebundle.py "$work/scan/mbr.img" "$work/seed/b.sparsebundle" --band 65536 2>/dev/null
mkfs.vfat -C "$work/scan/bundle-in-fat.img" 256 >/dev/null 2>&1 && mcopy -s -i "$work/scan/bundle-in-fat.img" "$work/seed/b.sparsebundle" ::/ 2>/dev/null
# a disk image in an archive (archive_walk.c disk_member), and evidence
# that is a compressed disk image (volume.c volume_item)
gzip -9 -n -c "$work/scan/mbr.img" > "$work/scan/mbr-gz.img" 2>/dev/null
(cd "$work/scan" && zip -q -X "$work/seed/disk.zip" mbr.img) 2>/dev/null
mkfs.vfat -C "$work/scan/zip-disk-in-fat.img" 256 >/dev/null 2>&1 && mcopy -i "$work/scan/zip-disk-in-fat.img" "$work/seed/disk.zip" ::/ 2>/dev/null
# SquashFS (squashfs.c): uncompressed metadata (the structures themselves
# meet the mutations) and gzip-compressed, with a fragment and a symlink
mkdir -p "$work/seed/sq/d" && printf 'x%.0s' $(seq 1 5000) > "$work/seed/sq/d/f" && ln -s d/f "$work/seed/sq/l"
mksquashfs "$work/seed/sq" "$work/scan/sq-raw.img" -noI -noD -noF -b 4K -quiet -no-progress >/dev/null 2>&1
mksquashfs "$work/seed/sq" "$work/scan/sq-gz.img" -b 4K -quiet -no-progress >/dev/null 2>&1
mkfs.erofs --quiet -zlz4hc -C16384 -Eztailpacking "$work/scan/erofs-lz4.img" "$work/seed/sq" >/dev/null 2>&1   # erofs.c
mkfs.erofs --quiet --chunksize=4096 "$work/scan/erofs-chunk.img" "$work/seed/sq" >/dev/null 2>&1
# a BitLocker To Go discovery volume: BitLocker's GUID in a FAT boot sector,
# a cover file in its root (volume.c bitlocker_to_go_open, walk.c)
cp "$work/scan/fat.img" "$work/scan/togo.img" && mcopy -i "$work/scan/togo.img" "$work/seed/t.tgz" "::/COV 0000. ER" 2>/dev/null
printf '\x3b\xd6\x67\x49\x29\x2e\xd8\x4a\x83\x99\xf6\xa3\x39\xe3\xd0\x01' |
  dd of="$work/scan/togo.img" bs=1 seek=424 conv=notrunc status=none 2>/dev/null

img2simg "$work/scan/mbr.img" "$work/scan/d-simg.img" 4096 2>/dev/null   # simgmap.c

# seeds for the readers target: each image behind the byte that picks its
# reader (the order of fuzz_readers.c); mkseeds.py writes the rest,
# large images as sparse inputs (for the whole-scan target too)
mkdir -p "$work/readers"
pick() { # pick N FILE
  [ -f "$2" ] && { printf "\\$(printf '%03o' "$1")"; cat "$2"; } > "$work/readers/$1-$(basename "$2")"
}
pick 0 "$work/scan/d-qcow2.img"; pick 1 "$work/scan/d-vmdk.img"; pick 1 "$work/scan/s-vmdk.img"
pick 4 "$work/scan/d-vdi.img"; pick 5 "$work/scan/d-dmg.img"; pick 6 "$work/scan/d-simg.img"
pick 7 "$work/scan/d-sparseimage.img"; pick 8 "$work/scan/d-phd.img"; pick 9 "$work/scan/d-aff4.img"
pick 9 "$work/scan/s-aff4.img"; pick 10 "$work/scan/sq-raw.img"; pick 10 "$work/scan/sq-gz.img"
pick 11 "$work/scan/erofs-lz4.img"; pick 11 "$work/scan/erofs-chunk.img"
mkdir -p "$work/scan-sparse"
python3 tests/fuzz/mkseeds.py "$work" "$work/readers" "$work/scan-sparse" 2>/dev/null

# seeds for the classifier: key stores, documents and containers of the
# formats written by the fixture writers (tests/fixtures/mkcfb.py, mkcrypted.py)
mkdir -p "$work/classify"
for k in doc-enc xls-enc ppt-enc ppt; do python3 tests/fixtures/mkcfb.py $k "$work/classify/$k" 2>/dev/null; done
for k in odt-encrypted vault ab-encrypted ecryptfs; do python3 tests/fixtures/mkcrypted.py $k "$work/classify/$k" 2>/dev/null; done
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -subj /CN=x -days 1 >/dev/null 2>&1 &&
  openssl pkcs12 -export -in "$work/c.pem" -inkey "$work/k.pem" -passout pass:pw -out "$work/classify/p12" 2>/dev/null
# CMS and S/MIME (crypto_mail.c): enveloped DER, a password recipient, an
# encrypted mail and a signed one
echo "a message" > "$work/m.txt"
openssl cms -encrypt -aes128 -in "$work/m.txt" -outform DER -out "$work/classify/cms" "$work/c.pem" 2>/dev/null
openssl cms -encrypt -pwri_password pw -in "$work/m.txt" -outform DER -out "$work/classify/cms-pw" 2>/dev/null
openssl smime -encrypt -in "$work/m.txt" -from a@x -to b@y -subject s -out "$work/classify/smime" "$work/c.pem" 2>/dev/null
openssl smime -sign -nodetach -in "$work/m.txt" -signer "$work/c.pem" -inkey "$work/k.pem" -from a@x -to b@y \
  -subject s -out "$work/classify/smime-signed" 2>/dev/null

n=0 bad=0
for t in tests/fuzz/fuzz_*; do
  case $t in *.c|*.sh) continue;; esac
  [ -x "$t" ] || continue
  name=${t#tests/fuzz/fuzz_}
  [ "$only" = "  " ] || [[ $only == *" $name "* ]] || continue
  n=$((n + 1))
  corpus="$work/corpus-$name"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
  [ "$name" = scan ] && cp "$work"/scan/*.img "$work"/scan-sparse/* "$corpus"/
  [ "$name" = classify ] && cp "$work"/classify/* "$corpus"/ 2>/dev/null
  [ "$name" = readers ] && cp "$work"/readers/* "$corpus"/ 2>/dev/null
  # the slow unwinder lets tests/lsan.supp match leaks deep inside libraries;
  # the whole-scan target runs six times as many inputs without it (24
  # against 4 a second), its libtsk leaks matched on libtsk itself
  # (tests/fuzz/lsan-fast.supp)
  fast=0 supp=$PWD/tests/lsan.supp
  if [ "$name" = scan ]; then
    fast=1 supp=$work/scan.supp
    cat tests/lsan.supp tests/fuzz/lsan-fast.supp > "$supp"
  fi
  ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=$fast:allocator_may_return_null=1 LSAN_OPTIONS=suppressions=$supp \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$t" "$corpus" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 -max_len=262144 \
    -artifact_prefix=tests/fuzz/crashes/"$name"- -print_final_stats=1 >"$work/$name.log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$' | tail -1)
  if [ "$rc" -eq 0 ]; then
    echo "ok $n - fuzz $name: ${execs:-?} executions in ${secs} s, no crash, leak or hang"
  else
    bad=$((bad + 1))
    echo "not ok $n - fuzz $name (exit $rc, ${execs:-?} executions)"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|crash-|leak-|timeout-' "$work/$name.log" | head -20 | sed 's/^/# /'
  fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
