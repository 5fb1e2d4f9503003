# The README promise: on a fresh Debian 12 machine
#   make demo   installs the Debian packages mno needs, builds, runs the embedded default job
#   make test   installs, builds, runs every test
#   make bench  installs, builds, runs the benchmarks
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build demo test bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BUILD_DIR).configure.log; exit 1)
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# The demo needs only the CLI: building it alone skips the test binary (a third of the build).
demo: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BUILD_DIR).configure.log; exit 1)
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target mno_cli
	@$(BUILD_DIR)/mno demo

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

bench: build
	@$(BUILD_DIR)/mno bench scan --json $(BUILD_DIR)/bench-scan.json

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log
