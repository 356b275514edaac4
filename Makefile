# linerec: `make run` starts the box on simulated lines, `make test` runs the
# whole suite. Both set everything up first on a fresh Debian machine: the
# Debian packages (scripts/system-deps.sh), the virtual environment in .venv,
# the Python packages and the C extension (rebuilt whenever its C changes).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check
BUILT := $(VENV)/.built
EXTENSION_INPUTS := $(wildcard dsp_ext/include/*.h dsp_ext/src/*.c dsp_ext/src/*.h) \
	dsp_ext/build_ffi.py dsp_ext/_version.py pyproject.toml setup.py
C_LINT_FLAGS := -std=c11 -Wall -Wextra -Wconversion -Wshadow -Werror -O2 -fsyntax-only \
	-Idsp_ext/include -DLR_VERSION='"lint"' -DLR_SOURCE_DIGEST='"lint"'

.PHONY: all run test test-full bench lint clean distclean system-deps install-pi uninstall-pi \
	pi-setup pi-check pi-clean

all: $(BUILT)

system-deps:
	@PYTHON=$(PYTHON) ./scripts/system-deps.sh

# numpy and Cython first: pesq (the quality score of bench.archive) builds
# against them without build isolation.
$(PY):
	@PYTHON=$(PYTHON) ./scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip "setuptools>=68" wheel "cffi>=1.16" numpy cython

# The editable install builds dsp_ext/_lr_dsp*.so in place.
$(BUILT): $(EXTENSION_INPUTS) | $(PY)
	$(PIP) install -q --no-build-isolation -e '.[dev]'
	@touch $@

run: system-deps $(BUILT)
	$(VENV)/bin/linerec run

# make test builds the arm64 root (cached) and requires it: tests/test_arm64.py
# cross-builds the extension and runs a short set of tests under qemu-aarch64.
test: system-deps $(BUILT) lint pi-setup
	CI=$${CI:-} LINEREC_PI=required $(PY) -m pytest

# Every test, the slow full sweeps and soaks included.
test-full: system-deps $(BUILT) lint
	$(PY) -m pytest -m "slow or not slow"

bench: system-deps $(BUILT)
	$(PY) -m bench.dsp --json build/bench.json
	$(PY) -m bench.tones
	$(PY) -m bench.amd
	$(PY) -m bench.front
	$(PY) -m bench.acts
	$(PY) -m bench.engine
	$(PY) -m bench.web
	$(PY) -m bench.calllog
	$(PY) -m bench.reports
	$(PY) -m bench.knowledge
	$(PY) -m bench.archive
	$(PY) -m bench.sms
	$(PY) -m bench.dialling
	$(PY) -m bench.sales
	$(PY) -m bench.pi

# The Pi's CPU under qemu-user: an arm64 Debian root with its Python and aarch64
# wheels, cached in ~/.cache/linerec-pi/ (bench/arm64.py); the extension and
# the peers cross-built for aarch64. pi-check runs the DSP and driver tests there.
pi-setup: system-deps $(BUILT)
	$(PY) -m bench.arm64 setup

pi-check: system-deps $(BUILT)
	$(PY) -m bench.arm64 check

pi-clean:
	PYTHONPATH=. $(PYTHON) -m bench.arm64 clean

lint: $(BUILT)
	$(VENV)/bin/ruff check .
	@for source in dsp_ext/src/*.c; do \
		echo "cc -fsyntax-only $$source"; \
		$${CC:-cc} $(C_LINT_FLAGS) $$source || exit 1; \
	done

# The box's services on the Pi, as root (README: Install on the box). Options go in
# INSTALL_OPTIONS (--data DIR --data-disk) and UNINSTALL_OPTIONS (--purge).
install-pi:
	./scripts/install-pi.sh $(INSTALL_OPTIONS)

uninstall-pi:
	./scripts/uninstall-pi.sh $(UNINSTALL_OPTIONS)

clean:
	rm -rf build dsp_ext/_lr_dsp*.so $(BUILT) .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
