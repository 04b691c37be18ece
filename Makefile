# imgpipe: GNU make.  Objects and binaries under build/ (one folder per
# configuration).  Knobs: WERROR=1, SAN=address,undefined | SAN=thread,
# NATIVE=1, OPENMP=0, CC, CFLAGS, PREFIX, DESTDIR.  SAN=thread runs the
# threads, procs and coop modes only: libgomp is not built for TSan.

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
OPENMP ?= 1

PKGS := libpng libjpeg libexif libuv
DEB_PKGS := libpng-dev libjpeg62-turbo-dev libexif-dev libuv1-dev \
	libcmocka-dev pkg-config python3

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
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

FINAL_CFLAGS = $(STD) $(WARN) $(CFLAGS) $(ARCHFLAGS) $(SIMDFLAGS) $(OMPFLAGS) \
	$(SANFLAGS) \
	-Iinclude $(PKG_CFLAGS) -MMD -MP
FINAL_LDFLAGS = -pthread $(OMPFLAGS) $(SANFLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

SRCS := $(wildcard src/*.c)
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
# On x86-64 the resampling cores also come in AVX2, picked at run time by
# what the CPU has: only that object is built with -mavx2.
X86_64 := $(findstring x86_64,$(shell $(CC) -dumpmachine 2>/dev/null))
$(B)/obj/resize_avx2.o: SIMDFLAGS := $(if $(X86_64),-mavx2)

.PHONY: all deps demo test unit-test cli-test bench install clean \
	check-headers format-check

all: deps $(BIN)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get install -y $$missing || \
	     (apt-get update && apt-get install -y $$missing)) >/dev/null; \
	  else \
	    echo "missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(BIN): $(OBJS)
	$(CC) $(FINAL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(B)/obj/%.o: src/%.c | $(B)/obj
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

# Tests link the archive, so each pulls in only the modules it uses.
$(B)/tests/%: tests/%.c $(LIB) | $(B)/tests
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(LIB) \
		$(CMOCKA_LIBS) $(LIBS)

# test_exec makes thread and process starts fail: the executors'
# pthread_create and fork calls go to the test's wrappers.
$(B)/tests/test_exec: FINAL_LDFLAGS += \
	-Wl,--wrap=pthread_create,--wrap=fork

$(B)/obj $(B)/tests:
	mkdir -p $@

# Every mode on the samples, one table: the decision table's CPU-bound column.
demo: all
	rm -rf out
	$(BIN) compare samples out -p 'resize=800x800,sharpen=0.6'

test: all
	@$(MAKE) --no-print-directory unit-test cli-test

unit-test: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
	  (cd tests && ../$$t) || fail=1; \
	done; exit $$fail

cli-test: $(BIN)
	@IMGPIPE=$(CURDIR)/$(BIN) IMGPIPE_SAN=$(SAN) sh tests/cli/run.sh

bench: all
	@IMGPIPE=$(CURDIR)/$(BIN) CFLAGS_USED="$(FINAL_CFLAGS)" sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/imgpipe
	install -m 644 imgpipe.1 $(DESTDIR)$(PREFIX)/share/man/man1/imgpipe.1

check-headers:
	@for h in $(HEADERS); do \
	  printf '#include "%s"\ntypedef int hdr_check;\n' $$(basename $$h) | \
	    $(CC) $(filter-out -MMD -MP,$(FINAL_CFLAGS)) -Werror -fsyntax-only \
		-x c - || exit 1; \
	done; echo "headers: ok"

format-check: tool-clang-format
	@clang-format --dry-run --Werror $(SRCS) $(HEADERS) && echo "format: ok"

clean:
	rm -rf build out

-include $(OBJS:.o=.d) $(TEST_BINS:=.d)

# The peers `make bench` measures imgpipe against (apt, as root).  The SVGs
# are drawn by bench/charts.py, so no plotting package is needed.
.PHONY: bench-peers
bench-peers:
	@if [ "$$(id -u)" -eq 0 ]; then \
	  apt-get install -y -q libvips-tools imagemagick graphicsmagick \
	    libjpeg-turbo-progs; \
	else \
	  echo "as root: apt-get install libvips-tools imagemagick" \
	    "graphicsmagick libjpeg-turbo-progs"; \
	fi

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
.PHONY: fuzz fuzz-build fuzz-deps fuzz-lib cppcheck valgrind

fuzz-deps:
	@if ! command -v clang >/dev/null || \
	    ! dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | \
	      grep -q 'ok installed'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: clang libclang-rt-14-dev"; \
	    (apt-get install -y clang libclang-rt-14-dev || (apt-get update && \
	      apt-get install -y clang libclang-rt-14-dev)) >/dev/null; \
	  else \
	    echo "run: sudo apt-get install -y clang libclang-rt-14-dev"; exit 1; \
	  fi; \
	fi

# A phony step, not a rule for $(FUZZ_LIB): the sub-make builds that file.
fuzz-lib:
	@$(MAKE) --no-print-directory CC=clang OPENMP=0 BUILD=$(FUZZ_DIR) \
	  SAN=fuzzer-no-link,$(FUZZ_SAN) $(FUZZ_LIB)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.h fuzz-lib
	clang $(STD) -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=fuzzer,$(FUZZ_SAN) -fno-sanitize-recover=all \
	  -Iinclude $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LIBS)

fuzz-build: deps fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# Static analysis (warnings are errors; a justified exception is an inline
# "cppcheck-suppress" comment) and one end-to-end run per mode under
# valgrind.  Both install their tool with apt when run as root.
tool-%:
	@command -v $* >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $*"; \
	    (apt-get install -y $* || (apt-get update && \
	      apt-get install -y $*)) >/dev/null; \
	  else \
	    echo "run: sudo apt-get install -y $*"; exit 1; \
	  fi; }

cppcheck: tool-cppcheck
	cppcheck --enable=warning,portability --error-exitcode=1 \
	  --inline-suppr -q -Iinclude src/ tests/fuzz/
	@echo "cppcheck: ok"

valgrind: tool-valgrind $(BIN)
	@sh tests/valgrind.sh $(CURDIR)/$(BIN)
