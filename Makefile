# authrs - the two commands: `make run` serves the API, `make test` runs every test.
# Everything below is set up by the project's own files (scripts/deps.sh, npm ci).

BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
FUZZ_DIR  ?= build-fuzz
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
PORT      ?= 3000
MAKEFLAGS += --no-print-directory

.PHONY: all deps deps-test build build-asan build-fuzz run test unit e2e e2e-deps fuzz bench format lint clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps-test
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DAUTHRS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

# Serves the API on the embedded default store (./authrs.db), with a demo tenant.
run: build
	@scripts/run.sh $(BUILD_DIR)/authrs

e2e-deps: deps-test
	@cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	@cd tests/authz-diff && npm ci --no-audit --no-fund --loglevel=error

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

e2e: build e2e-deps
	@cd tests/e2e && AUTHRS_BIN=$(CURDIR)/$(BUILD_DIR)/authrs npm test

# Every test: unit and end-to-end, on the normal build and under ASan+UBSan.
test: deps-test lint build build-asan e2e-deps build-fuzz
	@scripts/test.sh $(BUILD_DIR) $(ASAN_DIR)
	@scripts/fuzz.sh $(FUZZ_DIR) 10

FUZZ_SECS ?= 60

build-fuzz: deps-test
	@CC=clang cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=Debug -DAUTHRS_FUZZ=ON -DAUTHRS_SANITIZE=ON >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

# Every libFuzzer target for FUZZ_SECS seconds (make test runs each for 10 s).
fuzz: build-fuzz
	@scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECS)

bench: build e2e-deps
	@scripts/deps.sh bench
	@AUTHRS_BIN=$(BUILD_DIR)/authrs bench/validate.sh
	@bench/authz.sh

format:
	@clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c')

lint:
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr -I src --suppress=missingIncludeSystem src

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
