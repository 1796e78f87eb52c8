# xuke: two commands matter — `make demo` and `make test`. Both install what is missing first.
# Everything else is a thin wrapper over CMake/CTest in build/ (and build-asan/ for sanitizers).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_TYPE ?= RelWithDebInfo

# Debian 12 packages the build, the tests and the demo need (see README's dependency table).
DEB_PACKAGES = gcc make cmake pkg-config python3 python3-icalendar \
               libjansson-dev libutf8proc-dev libcmocka-dev libsqlite3-dev libsodium-dev \
               libmicrohttpd-dev chromium fonts-noto-cjk \
               libtesseract-dev libleptonica-dev libpoppler-glib-dev tesseract-ocr-chi-sim \
               tesseract-ocr-eng imagemagick img2pdf pango1.0-tools qpdf

.PHONY: all deps browser-deps build test unit asan demo bench format clean

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

asan: deps browser-deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DXUKE_SANITIZE=ON > /dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

demo: build
	@./scripts/demo.sh $(BUILD)/xuke

# Benchmarks print each figure beside its same-run reference. BENCH_COUNT=1000000 for the big run.
BENCH_COUNT ?= 100000
# OCR: the fixtures rendered in each style, read on one core, scored field by field.
OCR_STYLES ?= clean,tilted,blurred,noisy,photo
bench: build
	$(BUILD)/bench_registry --count $(BENCH_COUNT) --queries 2000 --dir $(BUILD)/bench
	/usr/bin/python3 bench/ocr_bench.py $(BUILD)/xuke tests/fixtures $(BUILD)/ocr-bench --styles $(OCR_STYLES)

format:
	clang-format -i $$(find src include tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
