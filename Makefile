# LossPatterns — two commands do everything on a fresh Debian machine:
#   make run    install what is missing, build release, open the explorer
#   make test   install what tests need, build, run every test (release mode: numeric code is 10-50x slower in debug)
SWIFT   ?= /opt/swift/usr/bin/swift
ifeq ($(wildcard $(SWIFT)),)
SWIFT   := swift
endif
RUN_PACKAGES  := libopenblas-dev zlib1g-dev libncurses-dev dataset-fashion-mnist
TEST_PACKAGES := $(RUN_PACKAGES) tmux
RELEASE := -c release
BIN     := .build/release/mpo
export SWIFT_BACKTRACE := interactive=no

.PHONY: run test build deps deps-test bench clean

run: deps build
	$(BIN)

build:
	$(SWIFT) build $(RELEASE) --product mpo

deps:
	@scripts/ensure-packages.sh $(RUN_PACKAGES)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

# One build: `swift test` also builds the mpo binary the end-to-end tests run (.build/release/mpo).
test: deps-test
	$(SWIFT) test $(RELEASE) -Xswiftc -enable-testing

bench: deps build
	$(BIN) bench

clean:
	rm -rf .build
