# xuke: two commands matter — `make demo` and `make test`. Both install what is missing first.
# Everything else is a thin wrapper over CMake/CTest in build/ (and build-asan/ for sanitizers).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_TYPE ?= RelWithDebInfo

# Debian 12 packages the build, the tests and the demo need (see README's dependency table).
DEB_PACKAGES = gcc make cmake pkg-config python3 python3-icalendar \
               libjansson-dev libutf8proc-dev libcmocka-dev libsqlite3-dev libsodium-dev \
               libmicrohttpd-dev chromium fonts-noto-cjk fonts-arphic-uming \
               libtesseract-dev libleptonica-dev libpoppler-glib-dev tesseract-ocr-chi-sim \
               tesseract-ocr-eng tesseract-ocr-osd imagemagick img2pdf pango1.0-tools qpdf \
               clang-14 libclang-rt-14-dev wrk \
               libxml2-dev libzip-dev libcurl4-openssl-dev python3-openpyxl \
               debhelper lintian python3-aiosmtpd \
               libpq-dev postgresql

.PHONY: all deps browser-deps bench-deps build test unit asan fuzz soak demo bench confusions format clean deb install

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing packages; run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# The browser tests drive Debian's chromium with playwright-core from npm (pinned in
# tests/browser/package-lock.json). Node comes from Debian when the machine has none.
browser-deps: deps
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else echo "missing node; run:"; echo "  sudo apt-get install -y nodejs npm"; exit 1; fi; }
	@[ -d tests/browser/node_modules/playwright-core ] || \
	  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# Configured on every build (quick when nothing changed), so a build directory made earlier with
# another type (a hand-run Debug configure) cannot silently serve `make bench` unoptimised code.
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_TYPE) > /dev/null
	cmake --build $(BUILD) -j $(JOBS)

unit: build browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The sanitizer run is part of `make test` whenever the compiler can link ASan/UBSan.
HAVE_ASAN = $(shell printf 'int main(void){return 0;}' | $(CC) -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null && echo yes)

test: unit
ifeq ($(HAVE_ASAN),yes)
	$(MAKE) --no-print-directory asan
else
	@echo "sanitizer runtime not available: ASan/UBSan run skipped"
endif
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

asan: deps browser-deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DXUKE_SANITIZE=ON > /dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (tests/fuzz), built by clang with ASan/UBSan in build-fuzz/, each run for
# FUZZ_SECONDS, JOBS at a time; `make test` runs each for CI_FUZZ_SECONDS. A crash fails the run
# and is saved in build-fuzz/fuzz-crashes/ (check it in under tests/fuzz/regress/TARGET/).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
CI_FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= extract parsers record_json calendar notice http address lists textlayer
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DXUKE_FUZZ=ON > /dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(JOBS) $(FUZZ_TARGETS)

# Soak (not in CI): the server under mixed reads and writes for SOAK_SECONDS; flat memory, no
# errors, a whole store at the end.
SOAK_SECONDS ?= 600
soak: build
	/usr/bin/python3 tests/soak/soak.py $(BUILD)/xuke tests/fixtures $(SOAK_SECONDS)

demo: build
	@./scripts/demo.sh $(BUILD)/xuke

# Benchmarks: every figure beside its same-run reference, written to docs/BENCHMARKS.md by
# bench/report.py (extraction, registry at BENCH_COUNT, server with wrk, scaling over
# BENCH_SCALES, OCR in OCR_STYLES). BENCH_COUNT=1000000 for the registry at a million.
BENCH_COUNT ?= 100000
BENCH_SCALES ?= 1000,10000,100000,1000000
# PostgreSQL beside SQLite (bench/pg_bench.py), each figure of both at each of these sizes.
# 10^5 by default. A million is asked for: `make bench BENCH_PG_SCALES=100000,1000000` (the
# PostgreSQL run alone took 7.3 minutes and 11 GiB on 2026-12-08; SQLite's beside it imports a
# million into a ~35 GiB store of its own).
BENCH_PG_SCALES ?= 100000
OCR_STYLES ?= clean,tilted,blurred,noisy,photo,sealed,shadowed,patterned
# The server's references, run by bench/server_bench.py in the same run (README's dependency
# table): nginx serving the same bytes as files, FastAPI on uvicorn with uvloop and httptools.
BENCH_PACKAGES = nginx-light python3-fastapi python3-uvicorn python3-uvloop python3-httptools
bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing packages for make bench; run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

bench: build bench-deps
	/usr/bin/python3 bench/report.py $(BUILD) docs/BENCHMARKS.md --count $(BENCH_COUNT) \
	  --scales $(BENCH_SCALES) --pg-scales $(BENCH_PG_SCALES) --ocr-styles $(OCR_STYLES)

# Tesseract's confusions on licence print, counted over renders of tuning licences only (three
# faces, 150-300 dpi, six kinds of damage), into data/ocr_confusions.txt: the counts the OCR
# repair tables and the noise rule cite (about half an hour on one core).
CONFUSION_SEEDS ?= 1,2,3
CONFUSION_LICENCES ?= 12
confusions: deps
	OMP_THREAD_LIMIT=1 /usr/bin/python3 bench/ocr_confusions.py data/ocr_confusions.txt \
	  $(BUILD)/confusions --seeds $(CONFUSION_SEEDS) --licences $(CONFUSION_LICENCES)

# The Debian package, built the Debian way (debian/: debhelper with CMake) into
# xuke_VERSION_ARCH.deb here; the .buildinfo and .changes dpkg-buildpackage writes beside the
# source tree are moved into build-deb/. Install it with `sudo apt install ./xuke_*.deb`.
VERSION := $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
deb: deps
	DEB_BUILD_OPTIONS="parallel=$(JOBS) nocheck" dpkg-buildpackage -us -uc -b
	mkdir -p build-deb
	mv ../xuke_$(VERSION)_$(DEB_ARCH).deb .
	mv ../xuke_$(VERSION)_$(DEB_ARCH).buildinfo ../xuke_$(VERSION)_$(DEB_ARCH).changes build-deb/
	-mv ../xuke-dbgsym_$(VERSION)_$(DEB_ARCH).deb build-deb/ 2>/dev/null
	@echo "built xuke_$(VERSION)_$(DEB_ARCH).deb"

# The same files as the package, without the packaging: PREFIX=/usr/local, DESTDIR for staging.
PREFIX ?= /usr/local
install: build
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) > /dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

format:
	clang-format -i $$(find src include tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-deb xuke_*.deb
