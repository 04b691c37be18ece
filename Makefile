# imgpipe: GNU make.  Objects and binaries under build/ (one folder per
# configuration).  Knobs: WERROR=1, SAN=address,undefined | SAN=thread,
# NATIVE=1, OPENMP=0, HEIF=0 (no HEIC/AVIF), WEBP=0, CURL=0 (no URL
# inputs), V=1 (full compiler
# lines), CC, CFLAGS, PREFIX, DESTDIR.
# SAN=thread runs the threads, procs and coop modes only: libgomp is not
# built for TSan.
#
# A goal that compiles first installs what it needs (build-aux/deps.sh, as
# root), then compiles in a sub-make, so that no compile can race the
# install at any -j and pkg-config, itself one of the packages, is asked for
# flags only once it is there.  Such goals of one command line run one after
# another (.NOTPARALLEL at the top level only), each sub-make at the -j given.

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
OPENMP ?= 1
HEIF ?= 1
WEBP ?= 1
CURL ?= 1

PKGS := libpng libjpeg libexif libuv lcms2 \
	$(if $(filter 1,$(HEIF)),libheif) \
	$(if $(filter 1,$(WEBP)),libwebp libwebpmux libwebpdemux) \
	$(if $(filter 1,$(CURL)),libcurl)
# Building the binary needs DEB_BUILD only; the tests need DEB_TEST too.
# Both knobs' packages are always installed, so that one machine builds
# every configuration.
DEB_BUILD := libpng-dev libjpeg62-turbo-dev libexif-dev libuv1-dev \
	liblcms2-dev libheif-dev libwebp-dev libcurl4-openssl-dev pkg-config
# ExifTool and lcms2's own tools are the tests' independent readers and
# converters; colord-data and libgs-common hold the RGB and CMYK profiles;
# dwebp and heif-convert are the independent WebP and HEIF decoders.
DEB_TEST := libcmocka-dev python3 libimage-exiftool-perl liblcms2-utils \
	colord-data libgs-common webp libheif-examples
# make test-scaleout runs the README's scale-out recipes against daemons it
# starts itself (GNU parallel over sshd; a one-node Slurm cluster).
DEB_SCALEOUT := parallel openssh-server openssh-client slurm-wlm munge
DEPS := sh build-aux/deps.sh
SUB := $(MAKE) --no-print-directory

# The goals that install packages or start a sub-make.  A file goal alone
# (make -j4 build/imgpipe) skips the deps step and builds in parallel.
STEPS := all deps deps-build demo test unit-test cli-test bench install \
	check-headers check-layers valgrind tool-% cppcheck format-check \
	bench-peers fuzz \
	fuzz-build fuzz-deps test-scaleout deps-scaleout
ifeq ($(MAKELEVEL),0)
ifneq ($(filter $(STEPS),$(or $(MAKECMDGOALS),all)),)
.NOTPARALLEL:
endif
endif

# Short compiler lines (as Linux and git print them); V=1 shows them whole.
ifeq ($(V),1)
Q :=
say := @:
else
Q := @
say := @printf '  %-6s%s\n'
endif

BUILD ?= build
ifeq ($(SAN),)
B := $(BUILD)
else ifeq ($(SAN),thread)
B := $(BUILD)/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
B := $(BUILD)/asan
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings -Wpointer-arith \
	-Wundef -Werror=implicit-function-declaration \
	-Werror=incompatible-pointer-types -Werror=int-conversion
ifeq ($(WERROR),1)
WARN += -Werror
endif

STD := -std=c11 -D_POSIX_C_SOURCE=200809L -pthread
OMPFLAGS := $(if $(filter 1,$(OPENMP)),-fopenmp)
ARCHFLAGS := $(if $(filter 1,$(NATIVE)),-march=native)
# Asked once per make, when first used: by then the dispatching goal has run
# deps (see the top).
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) \
	2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) \
	2>/dev/null))$(PKG_LIBS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka \
	2>/dev/null))$(CMOCKA_LIBS)

FORMATS := -DIMGPIPE_HEIF=$(if $(filter 1,$(HEIF)),1,0) \
	-DIMGPIPE_WEBP=$(if $(filter 1,$(WEBP)),1,0) \
	-DIMGPIPE_CURL=$(if $(filter 1,$(CURL)),1,0)
FINAL_CFLAGS = $(STD) $(WARN) $(CFLAGS) $(ARCHFLAGS) $(SIMDFLAGS) $(OMPFLAGS) \
	$(SANFLAGS) $(FORMATS) \
	-Iinclude $(PKG_CFLAGS) -MMD -MP
FINAL_LDFLAGS = -pthread $(OMPFLAGS) $(SANFLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

# CURL=0 builds http_none.c (URL inputs refused) instead of the libcurl
# client and its libuv driver.
SRCS := $(filter-out $(if $(filter 1,$(HEIF)),,src/codec_heif%.c) \
	$(if $(filter 1,$(WEBP)),,src/codec_webp%.c) \
	$(if $(filter 1,$(CURL)),src/http_none.c,src/http.c src/http_uv.c), \
	$(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=$(B)/obj/%.o)
LIB_OBJS := $(filter-out $(B)/obj/main.o,$(OBJS))
LIB := $(B)/libimgpipe.a
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(B)/tests/%)
HEADERS := $(wildcard include/*.h)
BIN := $(B)/imgpipe

# The hot kernels get -O3 (musl's way: per object, not globally).
HOT_OBJS := $(filter $(B)/obj/op_% $(B)/obj/filter% $(B)/obj/resize%,$(OBJS))
$(HOT_OBJS): CFLAGS += -O3
# On x86-64 the resampling cores also come in AVX2 and AVX-512, picked at
# run time by what the CPU has: only those two objects get the -m flags.
X86_64 := $(findstring x86_64,$(shell $(CC) -dumpmachine 2>/dev/null))
$(B)/obj/resize_avx2.o: SIMDFLAGS := $(if $(X86_64),-mavx2)
$(B)/obj/resize_avx512.o: SIMDFLAGS := $(if $(X86_64),-mavx512f -mavx512bw -mavx512vnni)

.PHONY: all deps deps-build demo test unit-test cli-test bench install clean \
	test-scaleout deps-scaleout do-test-scaleout \
	check-headers format-check do-build do-demo do-test do-unit-test \
	do-cli-test do-bench do-install do-check-headers check-layers \
	do-check-layers

# The goals a newcomer types: each installs its packages, then a sub-make
# does the work (do-*).
all: deps-build
	+@$(SUB) do-build
demo: deps-build
	+@$(SUB) do-demo
test: deps
	+@$(SUB) do-test
unit-test: deps
	+@$(SUB) do-unit-test
cli-test: deps
	+@$(SUB) do-cli-test
bench: deps
	+@$(SUB) do-bench
install: deps-build
	+@$(SUB) do-install
check-headers: deps-build
	+@$(SUB) do-check-headers
check-layers: deps
	+@$(SUB) do-check-layers
test-scaleout: deps deps-scaleout
	+@$(SUB) do-test-scaleout

deps:
	@$(DEPS) $(DEB_BUILD) $(DEB_TEST)
deps-build:
	@$(DEPS) $(DEB_BUILD)
# Only root can start the daemons: as another user the tests skip, so
# nothing is installed either.
deps-scaleout:
	@if [ "$$(id -u)" -eq 0 ]; then $(DEPS) $(DEB_SCALEOUT); else \
	  echo "deps-scaleout: not root, not installed: $(DEB_SCALEOUT)"; fi

do-build: $(BIN)
	@:

$(BIN): $(OBJS)
	$(say) LD $@
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(B)/obj/%.o: src/%.c | $(B)/obj
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

# Tests link the archive, so each pulls in only the modules it uses.
$(B)/tests/%: tests/%.c $(LIB) | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIB) \
		$(CMOCKA_LIBS) $(LIBS)

# test_exec makes thread and process starts fail, watches how many
# threads read or run C code at once, and kills a worker process while it
# computes: those calls of the executors and the pipeline go to the test's
# wrappers.
$(B)/tests/test_exec: FINAL_LDFLAGS += \
	-Wl,--wrap=pthread_create,--wrap=fork,--wrap=gil_holder_init \
	-Wl,--wrap=gil_hook,--wrap=fileio_read,--wrap=codec_sniff

# The end-to-end tests' own tools: mkicc writes the ICC profiles no package
# ships (Display P3), psnr (bench's) compares a result with a reference.
# photoserv (bench's) is the loopback HTTP server the URL tests, the demo
# and the bench download from.
TEST_TOOLS := $(B)/tests/mkicc $(B)/tests/psnr $(B)/tests/photoserv
$(B)/tests/mkicc: tests/mkicc.c | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIBS)
$(B)/tests/psnr: bench/psnr.c | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIBS)
$(B)/tests/photoserv: bench/photoserv.c | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIBS)
# fetchall (bench's) downloads with no image work, to time photoserv alone
# (bench/serve-check.sh); it needs libcurl, so CURL=1 builds only.
$(B)/tests/fetchall: bench/fetchall.c | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIBS)

$(B)/obj $(B)/tests:
	$(Q)mkdir -p $@

# Every mode on the samples, the decision table's three columns: cpu
# (the files), io and mixed (downloaded from photoserv with 100 ms a
# response), which bench/demo.sh starts and stops.  Without URL inputs
# (CURL=0) the cpu column alone.
do-demo: do-build $(if $(filter 1,$(CURL)),$(B)/tests/photoserv)
ifeq ($(CURL),1)
	@IMGPIPE=$(CURDIR)/$(BIN) IMGPIPE_TOOLS=$(CURDIR)/$(B)/tests \
	  sh bench/demo.sh out
else
	$(Q)rm -rf out
	$(BIN) compare samples out -p 'resize=800x800,sharpen=0.6'
endif

# Both suites run even when the first fails; either failing fails the goal.
do-test: do-build
	+@failed=""; \
	$(SUB) do-unit-test || failed="$$failed unit-test"; \
	$(SUB) do-cli-test || failed="$$failed cli-test"; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed"; exit 1; fi

do-unit-test: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
	  (cd tests && ../$$t) || fail=1; \
	done; exit $$fail

do-cli-test: do-build $(TEST_TOOLS)
	@IMGPIPE=$(CURDIR)/$(BIN) IMGPIPE_SAN=$(SAN) \
	  IMGPIPE_TOOLS=$(CURDIR)/$(B)/tests sh tests/cli/run.sh

# The scale-out tests (tests/scaleout/), counted like the end-to-end ones.
do-test-scaleout: do-build
	@IMGPIPE=$(CURDIR)/$(BIN) IMGPIPE_SAN=$(SAN) \
	  sh tests/cli/run.sh $(wildcard tests/scaleout/test_*.sh)

do-bench: do-build $(B)/tests/mkicc $(B)/tests/photoserv $(B)/tests/fetchall
	@IMGPIPE=$(CURDIR)/$(BIN) CFLAGS_USED="$(FINAL_CFLAGS)" \
	  TOOLS=$(CURDIR)/$(B)/tests \
	  MKICC=$(CURDIR)/$(B)/tests/mkicc sh bench/run.sh

do-install: do-build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/imgpipe
	install -m 644 imgpipe.1 $(DESTDIR)$(PREFIX)/share/man/man1/imgpipe.1

do-check-headers:
	@for h in $(HEADERS); do \
	  printf '#include "%s"\ntypedef int hdr_check;\n' $$(basename $$h) | \
	    $(CC) $(filter-out -MMD -MP,$(FINAL_CFLAGS)) -Werror -fsyntax-only \
		-x c - || exit 1; \
	done; echo "headers: ok"

# No call cycle between modules: each floor calls only the ones below it.
do-check-layers: $(OBJS)
	@python3 build-aux/check-layers.py $(B)/obj

format-check: tool-clang-format
	@clang-format --dry-run --Werror $(SRCS) $(HEADERS) && echo "format: ok"

clean:
	rm -rf build out

-include $(OBJS:.o=.d) $(TEST_BINS:=.d) $(TEST_TOOLS:=.d) $(B)/tests/fetchall.d

# Two runs of the study side by side, from their results.json
# (bench/compare): make bench-compare A=bench/results/X B=bench/results/Y
.PHONY: bench-compare
bench-compare:
	@if [ -z "$(A)" ] || [ -z "$(B)" ]; then \
	  echo "usage: make bench-compare A=RESULTS_DIR B=RESULTS_DIR"; exit 2; fi
	@python3 -B bench/compare "$(A)" "$(B)"

# The peers `make bench` measures imgpipe against (installed as root).  The SVGs
# are drawn by bench/charts.py, so no plotting package is needed.
.PHONY: bench-peers
bench-peers:
	@$(DEPS) libvips-tools imagemagick graphicsmagick libjpeg-turbo-progs

# libFuzzer targets (tests/fuzz/fuzz_*.c): the project's objects are built
# with clang -fsanitize=fuzzer-no-link,address,undefined in build/fuzz/, each
# target is linked with -fsanitize=fuzzer, and tests/fuzz/run.sh runs each for
# FUZZ_SECONDS (FUZZ_JOBS at once).  Any crash, leak, timeout or OOM fails.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_DIR := build/fuzz
FUZZ_SAN := address,undefined
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_LIB := $(FUZZ_DIR)/asan/libimgpipe.a
.PHONY: fuzz fuzz-build fuzz-deps fuzz-lib cppcheck valgrind do-valgrind

fuzz-deps:
	@$(DEPS) clang libclang-rt-14-dev

# A phony step, not a rule for $(FUZZ_LIB): the sub-make builds that file.
fuzz-lib:
	+@$(SUB) CC=clang OPENMP=0 BUILD=$(FUZZ_DIR) \
	  SAN=fuzzer-no-link,$(FUZZ_SAN) $(FUZZ_LIB)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.h fuzz-lib
	$(say) CC $<
	$(Q)clang $(STD) -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=fuzzer,$(FUZZ_SAN) -fno-sanitize-recover=all \
	  -Iinclude $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LIBS)

fuzz-build: deps fuzz-deps
	+@$(SUB) $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# Static analysis (warnings are errors; a justified exception is an inline
# "cppcheck-suppress" comment) and one end-to-end run per mode under
# valgrind.  Both install their tool when run as root (build-aux/deps.sh).
tool-%:
	@command -v $* >/dev/null || $(DEPS) $*

cppcheck: tool-cppcheck
	$(Q)cppcheck --enable=warning,portability --error-exitcode=1 \
	  --inline-suppr -q -Iinclude src/ tests/fuzz/
	@echo "cppcheck: ok"

valgrind: tool-valgrind deps-build
	+@$(SUB) do-valgrind

do-valgrind: do-build
	@sh tests/valgrind.sh $(CURDIR)/$(BIN)
