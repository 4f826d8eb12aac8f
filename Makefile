# ptriage - build, set-up, tests, demo.
#   make deps    install the Debian packages the project needs (root, idempotent)
#   make         build ./ptriage
#   make check   deps + build + every test (unit, end-to-end, sanitizers)
#   make demo    deps + build + a scan of a generated sample disk
#   make asan    build ./ptriage-asan with AddressSanitizer + UBSan

CC      ?= cc
PKGS    := libqcow libvhdi tsk yara libmagic libcrypto sqlite3 zlib liblzma libzstd libbrotlidec snappy inih jansson libarchive hivex libvmdk libvslvm libfsxfs libbde libbfio libargon2 libewf libvshadow lzo2 liblz4 libgcrypt
WARN    := -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wshadow -Werror
BUILD_ID := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN)
CPPFLAGS += -pthread -D_GNU_SOURCE -DPT_BUILD_ID='"$(BUILD_ID)"' -Itriage
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS  += $(PKG_LIBS) -lwim -lbz2 -lm -pthread

# Build-time packages, then the tools the tests make and check evidence with.
DEB_BUILD := gcc make pkg-config git libtsk-dev libmagic-dev libyara-dev libssl-dev \
             libarchive-dev libsqlite3-dev zlib1g-dev liblzma-dev libbz2-dev libzstd-dev libbrotli-dev libsnappy-dev libinih-dev libjansson-dev libhivex-dev \
             libbfio-dev libqcow-dev libvmdk-dev libvhdi-dev libvslvm-dev libfsxfs-dev libbde-dev libargon2-dev libewf-dev \
             libwim-dev libvshadow-dev liblzo2-dev liblz4-dev libgcrypt20-dev
DEB_TEST  := sleuthkit e2fsprogs dosfstools mtools ntfs-3g exfatprogs ewf-tools fdisk \
             openssl python3 sqlite3 file hashdeep bc strace \
             gnupg age p7zip-full zip qpdf cryptsetup-bin openssh-client xz-utils zstd bzip2 brotli python3-snappy python3-lz4 \
             libjpeg-turbo-progs flac vorbis-tools yara chromium libhivex-bin cpio genisoimage lz4 clang libclang-rt-14-dev \
             qemu-utils btrfs-progs xfsprogs python3-cryptography parallel valgrind \
             apfsprogs qemu-system-x86 busybox-static linux-headers-amd64 mdadm xorriso afflib-tools makefs \
             openjdk-17-jre-headless hfsutils libvshadow-utils thin-provisioning-tools squashfs-tools \
             android-sdk-libsparse-utils borgbackup restic scrypt gocryptfs erofs-utils f2fs-tools \
             slurmctld slurmd slurm-client munge
# Only for `make bench`: keepassxc-cli writes the KeePass samples of the
# accuracy corpus, npm fetches officecrypto-tool for encrypted OOXML ones,
# ent is part of the peer pipeline in scale_bench.sh.
DEB_BENCH := keepassxc ent
STAMP_DEPS := .deps-installed

SRC  := $(filter-out triage/main.c,$(wildcard triage/*.c))
OBJ  := $(SRC:.c=.o)
UNIT := $(patsubst tests/unit/%.c,tests/unit/%,$(filter-out tests/unit/testlib.c,$(wildcard tests/unit/test_*.c)))

.PHONY: all deps bench-deps check test unit e2e asan asan-check demo bench clean fuzz fuzz-build
all: ptriage

deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (or install:$$missing)"; exit 2; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# reports/ (stylesheet, script, method statement) compiled into the binary.
ASSETS := reports/report.css reports/report.js reports/method.html
triage/report_assets.h: reports/embed.c $(ASSETS)
	$(CC) -O1 -o reports/embed reports/embed.c
	reports/embed $(ASSETS) > $@.tmp && mv $@.tmp $@
triage/report_html.o: triage/report_assets.h

triage/%.o: triage/%.c triage/*.h
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

ptriage: $(OBJ) triage/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/unit/%: tests/unit/%.c tests/unit/testlib.c tests/unit/testlib.h $(OBJ)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Itests/unit -o $@ $< tests/unit/testlib.c $(OBJ) $(LDLIBS)

# Only the decoder tests write brotli streams.
tests/unit/test_crypto: LDLIBS += -lbrotlienc

# The sanitizer builds share nothing with the normal one: their own objects
# (one per source, so that make -j builds them on every core).
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS := -O1 -g -fsanitize=thread
ASAN_OBJ   := $(patsubst triage/%.c,obj/asan/%.o,$(SRC) triage/main.c)
TSAN_OBJ   := $(patsubst triage/%.c,obj/tsan/%.o,$(SRC) triage/main.c)
obj/asan/%.o: triage/%.c triage/*.h triage/report_assets.h
	@mkdir -p obj/asan
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(WARN) $(ASAN_FLAGS) -c -o $@ $<
obj/tsan/%.o: triage/%.c triage/*.h triage/report_assets.h
	@mkdir -p obj/tsan
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(WARN) $(TSAN_FLAGS) -c -o $@ $<
ptriage-asan: $(ASAN_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)
# the unit programs over those objects (make check runs these; make unit builds the plain ones)
UNIT_ASAN := $(patsubst tests/unit/%,tests/unit/asan/%,$(UNIT))
tests/unit/asan/%: tests/unit/%.c tests/unit/testlib.c tests/unit/testlib.h $(filter-out obj/asan/main.o,$(ASAN_OBJ))
	@mkdir -p tests/unit/asan
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(WARN) $(ASAN_FLAGS) -Itests/unit -o $@ $< tests/unit/testlib.c \
	  $(filter-out obj/asan/main.o,$(ASAN_OBJ)) $(LDLIBS)
tests/unit/asan/test_crypto: LDLIBS += -lbrotlienc
asan: ptriage-asan

# libFuzzer targets (clang): the library objects once, with coverage and
# sanitizers, then one binary per tests/fuzz/fuzz_*.c.  `make fuzz` runs each
# for FUZZ_SECONDS; `make check` for a short time.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_FLAGS   := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OBJ     := $(patsubst triage/%.c,tests/fuzz/obj/%.o,$(SRC))
FUZZ         := $(patsubst tests/fuzz/%.c,tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
tests/fuzz/obj/%.o: triage/%.c triage/*.h triage/report_assets.h
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -Wall -Wextra -Werror $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	  -c -o $@ $<
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/sparse.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -Wall -Wextra -Werror $(FUZZ_FLAGS) -fsanitize=fuzzer \
	  -o $@ $< $(FUZZ_OBJ) $(LDLIBS)
fuzz-build: $(FUZZ)
.SECONDARY: $(FUZZ_OBJ)   # kept: the next fuzz-build relinks instead of recompiling
fuzz: deps
	$(MAKE) --no-print-directory fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# ThreadSanitizer build for the threaded type-and-classify stage.
ptriage-tsan: $(TSAN_OBJ)
	$(CC) $(TSAN_FLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT)
e2e: ptriage ptriage-asan

# The test runner prints one line per test and ends with "N passed, N failed".
# The builds run on every core.
check: deps
	$(MAKE) --no-print-directory -j$$(nproc) all $(UNIT_ASAN) ptriage-asan ptriage-tsan fuzz-build
	tests/run.sh

test: check

demo: deps
	$(MAKE) --no-print-directory all
	tests/demo.sh

bench/statspeed: bench/statspeed.c triage/entropy.c triage/entropy.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/statspeed.c triage/entropy.c -lm

bench/floor: bench/floor.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/floor.c -lcrypto -pthread

bench-deps: deps
	@for p in $(DEB_BENCH) $$(command -v npm >/dev/null || echo npm); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

# Throughput against peers, the statistics' speed, classification accuracy.
bench: bench-deps all bench/statspeed bench/floor
	bench/bench.sh
	bench/statspeed
	python3 bench/crypto_corpus.py /tmp/ptriage-crypto-corpus && python3 bench/crypto_accuracy.py /tmp/ptriage-crypto-corpus

clean:
	rm -f ptriage ptriage-asan ptriage-tsan triage/*.o $(UNIT) bench/statspeed bench/floor triage/report_assets.h reports/embed $(FUZZ)
	rm -rf tests/fuzz/obj obj tests/unit/asan
