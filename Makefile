# LossPatterns — two commands do everything on a fresh Debian machine:
#   make run    install what is missing, build release, open the explorer
#   make test   install what tests need, build, run every test (release mode: numeric code is 10-50x slower in debug)
SWIFT   ?= /opt/swift/usr/bin/swift
ifeq ($(wildcard $(SWIFT)),)
SWIFT   := swift
endif
RUN_PACKAGES  := libopenblas-dev zlib1g-dev libncurses-dev dataset-fashion-mnist
# aarch64: the C kernels are cross-compiled and run under emulation by scripts/cross-check.sh.
TEST_PACKAGES := $(RUN_PACKAGES) tmux gcc-aarch64-linux-gnu qemu-user python3-venv
RELEASE := -c release
BIN     := .build/release/mpo
export SWIFT_BACKTRACE := interactive=no
# Defined before any rule names it: make expands a rule's prerequisites when it reads the rule.
VENV    := .venv

.PHONY: run test build deps deps-test bench bench-pytorch venv companion-test cross-check clean

run: deps build
	$(BIN)

build:
	$(SWIFT) build $(RELEASE) --product mpo

deps:
	@scripts/ensure-packages.sh $(RUN_PACKAGES)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

# One build: `swift test` also builds the mpo binary the end-to-end tests run (.build/release/mpo).
# The companion (python/) is installed first: the Swift parity tests run it.
# Tests keep the precision calibration and warm starts in a cache folder of their own (not the user's).
test: export XDG_CACHE_HOME := $(CURDIR)/.build/test-cache
test: deps-test $(VENV)/.companion-ok
	scripts/cross-check.sh
	$(SWIFT) test $(RELEASE) -Xswiftc -enable-testing
	MPO_BINARY=$(CURDIR)/$(BIN) $(VENV)/bin/python -m pytest -q python/tests

bench: deps build
	$(BIN) bench

# PyTorch in a virtual environment inside the project (ignored by git), reused when present:
# a CPU-only torch wheel from pip's find-links folder when the machine has one (~200 MB, a
# minute), else torch from PyPI (~3 GB with its CUDA libraries).
venv: $(VENV)/.torch-ok
$(VENV)/.torch-ok:
	python3 -m venv $(VENV)
	@links="$${PIP_FIND_LINKS:-$$($(VENV)/bin/pip config get global.find-links 2>/dev/null)}"; \
	wheel=$$(ls $$links/torch-*.whl 2>/dev/null | sort -V | tail -1); \
	if [ -n "$$wheel" ]; then torch="torch==$$(basename $$wheel | cut -d- -f2)"; else torch=torch; fi; \
	echo "installing $$torch numpy safetensors into $(VENV)"; \
	$(VENV)/bin/pip install -q "$$torch" numpy safetensors
	touch $@

# The PyTorch companion (python/, issue 14) installed into .venv (again when its sources change),
# then its tests: parity with mpo, checkpoints both ways, torchrun with 2 CPU processes (gloo).
# Tests that run mpo use $$MPO_BINARY, else .build-py/release/mpo or .build/release/mpo, else skip.
COMPANION_SOURCES := python/pyproject.toml $(wildcard python/losspatterns/*.py)
$(VENV)/.companion-ok: $(VENV)/.torch-ok $(COMPANION_SOURCES)
	$(VENV)/bin/pip install -q pytest
	$(VENV)/bin/pip install -q --no-build-isolation --no-deps ./python
	touch $@

companion-test: $(VENV)/.companion-ok
	$(VENV)/bin/python -m pytest -q python/tests

# mpo bench next to the PyTorch reference run on this machine, in one go.
bench-pytorch: deps build venv
	scripts/bench-vs-pytorch.sh

# The C kernels on aarch64 (under qemu) and natively, against a double-precision reference.
cross-check: deps-test
	scripts/cross-check.sh

clean:
	rm -rf .build .build-cross
