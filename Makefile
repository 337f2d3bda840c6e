# crawlfleet - one non-recursive Makefile.
#
#   make            build build/crawlfleet and build/crawlfleet-worker
#   make test       install what is missing (make deps), build, run tests
#   make test-deploy  Kubernetes manifests offline, the Docker image and a
#                   Compose fleet end to end (docs/deploy.md; needs root)
#   make check      the same tests built with ASan + UBSan (build/asan)
#   make bench      benchmarks (bench/README.md)
#   make bench-pages  the page stage on pathological pages (callgrind)
#   make bench-tools  the bench's programs (build/bench/*), rebuilt when
#                   the code or the frontier scripts they embed change
#   make demo       crawl a small bundled site with the embedded Redis
#   make fuzz       build the fuzz targets (clang, libFuzzer)

B ?= build
CC ?= cc
PKGS := hiredis libevent libcurl gumbo msgpack libxxhash libpsl jansson \
	libcrypto libssl zlib libisal libxml-2.0

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wwrite-strings \
	-Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) -Icommon -Iworker \
	-Icoordinator -Itests/lib -I$(B)/gen \
	$(shell pkg-config --cflags $(PKGS)) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
LIBS = $(shell pkg-config --libs $(PKGS)) -levent_core -lm

SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

COMMON_SRC := common/alloc.c common/buf.c common/clock.c common/err.c \
	common/log.c common/fp.c common/keys.c common/url.c common/record.c \
	common/redisaddr.c common/config.c common/entry.c common/frontier.c \
	common/css.c common/selector.c common/digest.c
# Any order: each lands in its enum cf_script_id slot (embed-scripts.sh).
SCRIPTS := create push pop ack fail robots reap control
SCRIPTS += release
SCRIPT_FILES := $(SCRIPTS:%=common/scripts/%.lua)
# Shared pieces (one concept each): with the scripts, one Redis function
# library (tools/embed-scripts.sh).
SCRIPT_LIB := $(sort $(wildcard common/scripts/lib/*.lua))

# Each binary: its main plus a library of its modules (unit tests link it).
WORKER_MAIN := worker/main.c
WORKER_SRC := worker/parse.c worker/charset.c worker/robots.c worker/scope.c \
	worker/rclient.c worker/fetch.c worker/robocache.c worker/page.c \
	worker/job.c worker/ackbatch.c worker/metrics.c worker/worker.c \
	worker/popper.c
WORKER_SRC += worker/warc.c
WORKER_SRC += worker/squeeze.c worker/drain.c worker/seen.c
WORKER_SRC += worker/extract.c worker/text.c worker/xdoc.c
WORKER_SRC += worker/sitemap.c
WORKER_SRC += worker/htmlscan.c
COORD_MAIN := coordinator/main.c
COORD_SRC := coordinator/commands.c coordinator/cli.c \
	coordinator/cfgflags.c coordinator/seed.c coordinator/stats.c \
	coordinator/status.c coordinator/results.c coordinator/export.c \
	coordinator/control.c coordinator/coord.c coordinator/run.c \
	coordinator/proc.c coordinator/crawl.c coordinator/delete.c \
	coordinator/gexport.c

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
FIXTURE_SRC := $(sort $(wildcard tests/fixture/*.c))

COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o) $(B)/gen/scripts.o
WORKER_OBJ := $(WORKER_SRC:%.c=$(B)/%.o)
COORD_OBJ := $(COORD_SRC:%.c=$(B)/%.o)
LIBWORKER := $(B)/libcfworker.a
LIBCOORD := $(B)/libcfcoord.a
LIBS_ALL = $(LIBCOORD) $(LIBWORKER) $(LIBCOMMON)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(B)/tests/integration/%)
FIXTURE_BIN := $(if $(FIXTURE_SRC),$(B)/cf-fixture)

LIBCOMMON := $(B)/libcfcommon.a
BINS := $(B)/crawlfleet $(B)/crawlfleet-worker

.PHONY: all test test-run test-deploy check deps deps-deploy bench bench-pages \
	bench-tools demo fuzz format clean
.DEFAULT_GOAL := all

all: $(BINS) $(FIXTURE_BIN)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The wire format's numbers: common/wire.h is their home, the scripts get
# them as a generated Lua piece (tools/wire-lua.sh).
$(B)/gen/wire.lua: common/wire.h tools/wire-lua.sh
	@mkdir -p $(@D)
	sh tools/wire-lua.sh common/wire.h > $@.tmp && mv $@.tmp $@

$(B)/gen/scripts.c: $(B)/gen/wire.lua $(SCRIPT_LIB) $(SCRIPT_FILES) \
		tools/embed-scripts.sh
	@mkdir -p $(@D)
	sh tools/embed-scripts.sh -w $(B)/gen/wire.lua -l common/scripts/lib \
		$(SCRIPT_FILES) > $@.tmp && mv $@.tmp $@

$(B)/gen/scripts.o: $(B)/gen/scripts.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	rm -f $@
	ar rcs $@ $^

$(LIBWORKER): $(WORKER_OBJ)
	rm -f $@
	ar rcs $@ $^

$(LIBCOORD): $(COORD_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/crawlfleet: $(B)/$(COORD_MAIN:.c=.o) $(LIBCOORD) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/crawlfleet-worker: $(B)/$(WORKER_MAIN:.c=.o) $(LIBWORKER) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/cf-fixture: $(FIXTURE_SRC:%.c=$(B)/%.o) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lz

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/integration/%: $(B)/tests/integration/%.o $(TESTLIB_OBJ) $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Frontier benchmark (bench/README.md; not part of make test).
$(B)/bench/frontier_bench: $(B)/bench/frontier_bench.o $(TESTLIB_OBJ) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# A crawl's frontier calls replayed (bench/redis_capture.sh; not in make test).
$(B)/bench/redis_replay: $(B)/bench/redis_replay.o $(TESTLIB_OBJ) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Tests: make deps first, so a fresh Debian 12 needs only `make test`.
test: deps
	$(MAKE) test-run

test-run: $(BINS) $(FIXTURE_BIN) $(UNIT_BIN) $(INTEG_BIN)
	sh tests/run.sh $(B)

# Deployment: tests/deploy/run.sh (k8s.sh, compose.sh).
test-deploy: deps-deploy
	$(MAKE) all
	sh tests/deploy/run.sh $(B)

check: deps
	$(MAKE) B=build/asan OPT=-O1 SAN_FLAGS="$(SANITIZE)" test-run

# Record decoder against msgpack-c, for callgrind (bench/record_bench.c).
$(B)/bench/record_bench: $(B)/bench/record_bench.o $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# WARC writer per page, for callgrind and the clock (bench/warc_bench.c).
$(B)/bench/warc_bench: $(B)/bench/warc_bench.o $(LIBWORKER) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Parse benchmark (not part of make test): $(B)/bench/parse_bench [N]
$(B)/bench/parse_bench: $(B)/bench/parse_bench.o $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The page stage over real or generated pages, for callgrind
# (bench/page_bench.c, bench/pages.sh).
$(B)/bench/page_bench: $(B)/bench/page_bench.o $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

deps:
	@sh tools/deps.sh

deps-deploy: deps
	@sh tools/deps-deploy.sh

bench: deps all bench-tools
	sh bench/run.sh $(B)

# Nothing else rebuilds them: a replay run from a stale build/bench
# loads the frontier library it was linked with, not the scripts' own.
BENCH_TOOLS := frontier_bench redis_replay record_bench warc_bench \
	parse_bench page_bench
bench-tools: $(BENCH_TOOLS:%=$(B)/bench/%)

# The page stage's instructions per byte on pathological pages
# (bench/pages.sh; callgrind, no timing).
bench-pages: all
	sh bench/pages.sh $(B)

demo: deps all
	sh tools/demo.sh $(B)

fuzz:
	@PKGS="$(PKGS)" sh tests/fuzz/build.sh

format:
	clang-format -i common/*.[ch] worker/*.[ch] coordinator/*.[ch] \
		tests/*/*.[ch]

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
