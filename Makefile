# The two commands a new user needs: `make run` and `make test`. Both install what is
# missing (scripts/setup), configure and build first.
BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
DATA_DIR       ?= $(CURDIR)/.carrier
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all setup build build-asan run test test-unit test-asan bench format clean

all: build

setup:
	@scripts/setup

$(BUILD_DIR)/build.ninja: | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: setup $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_BUILD_DIR)/build.ninja: | setup
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCARRIER_SANITIZE=ON \
	  -DCARRIER_BENCH=OFF $(CMAKE_FLAGS)

build-asan: setup $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target carrier_unit_tests

run: build
	$(BUILD_DIR)/src/cli/carrier serve --data-dir $(DATA_DIR)

# Every test: unit, integration and end-to-end in the normal build, then the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build build-asan
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900
	cd $(ASAN_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit --timeout 900

bench: build
	bench/run

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)

# Coverage-guided fuzzing of the registry parsers with clang's libFuzzer (FUZZ_SECONDS each).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: setup
	tests/fuzz/run $(FUZZ_SECONDS)
