# The two commands a newcomer needs: `make demo` and `make test`. Each sets itself up from a fresh clone.
# Debian packages the tests use (ffmpeg, espeak-ng, sox, chromium) are installed by .ci/run, or by hand:
#   apt-get install ffmpeg espeak-ng sox chromium chromium-driver

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# With no key, everything runs on the built-in offline emulator.
OR_AUDIO_OFFLINE ?= $(if $(OPENROUTER_API_KEY),0,1)
export OR_AUDIO_OFFLINE
# pytest-xdist workers for `make test` (2 on this kind of 2-core machine; PYTEST_WORKERS=0 runs in one process).
# --dist loadfile keeps each test file on one worker, so a module's costly fixture (a reopened notebook, the
# nbval run over every notebook) is built once.
PYTEST_WORKERS ?= auto
# Jupyter refuses to run as root (containers, CI machines) unless told.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup test test-kernels lint demo bench clean

$(VENV)/.installed: pyproject.toml
	@echo "Setting up $(VENV): the package, JupyterLab and the test tools (a minute or two the first time)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[test,demo]'
	touch $@

setup: $(VENV)/.installed

lint: setup
	$(PY) -m ruff check or_audio_widgets tests benchmarks tools
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The kernel tests (Run All's order, Stop during a stream) again under other ipykernel releases: the lowest
# ipykernel 7 the Stop listener knows and ipykernel 6, where it steps aside (`make test` covers the newest).
# Each runs in a small venv of its own that holds only that ipykernel and reads everything else from $(VENV).
KERNEL_TESTS := tests/test_run_order.py tests/test_magics_stop.py tests/test_stop_listener.py tests/test_stop_on_older_kernels.py
IPYKERNELS ?= 7.0.0 6.31.0

test-kernels: setup $(foreach v,$(IPYKERNELS),$(VENV)-ipykernel-$(v)/.ready)
	@for v in $(IPYKERNELS); do \
		env=$(VENV)-ipykernel-$$v; \
		echo "Kernel tests under ipykernel $$($$env/bin/python -c 'import ipykernel; print(ipykernel.__version__)')"; \
		$$env/bin/python -m pytest -n 0 $(KERNEL_TESTS) || exit 1; \
	done

# One such venv (also made by the browser test of a host on ipykernel 6, which runs `make` for it). A .pth
# file puts $(PY)'s site-packages after the venv's own, so its ipykernel wins and the rest is shared.
$(VENV)-ipykernel-%/.ready:
	$(PYTHON) -m venv $(VENV)-ipykernel-$*
	$(VENV)-ipykernel-$*/bin/python -m pip install --quiet --no-deps "ipykernel==$*"
	$(PY) -c 'import sysconfig; print("import site; site.addsitedir(%r)" % sysconfig.get_paths()["purelib"])' \
		> "$$($(VENV)-ipykernel-$*/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/main-venv.pth"
	touch $@

# The demo runs on a scratch copy of notebooks/, made afresh each time: running it never changes a file in git.
DEMO_DIR := demo-notebooks

demo: setup
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR) && cp notebooks/*.ipynb $(DEMO_DIR)/
	@if [ "$(OR_AUDIO_OFFLINE)" = "1" ]; then \
		echo "Mode: offline emulator (replies come from a built-in emulator of the API; no key, no network)."; \
		echo "      For OpenRouter itself: OPENROUTER_API_KEY=<your key> OR_AUDIO_OFFLINE=0 make demo"; \
	else \
		echo "Mode: OpenRouter, with the key in OPENROUTER_API_KEY (calls are billed to it)."; \
		echo "      For the offline emulator instead: OR_AUDIO_OFFLINE=1 make demo"; \
	fi
	@echo "Notebooks: a fresh copy of notebooks/ in $(DEMO_DIR)/ (ignored by git, replaced at each make demo)."
ifeq ($(DEMO_HEADLESS),1)
	mkdir -p demo-output
	$(PY) -m jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=120 \
		--output-dir demo-output $(DEMO_DIR)/01-quickstart.ipynb
	@echo "Wrote demo-output/01-quickstart.html"
else
	@# Offline, the emulator speaks at the speed of speech so that replies visibly stream.
	OR_AUDIO_EMULATOR_REALTIME=$${OR_AUDIO_EMULATOR_REALTIME:-$(if $(filter 1,$(OR_AUDIO_OFFLINE)),1,0)} \
		$(PY) -m jupyter lab --ip=127.0.0.1 --no-browser $(ALLOW_ROOT) $(DEMO_DIR)/
endif

bench: setup
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(VENV)-ipykernel-* demo-output demo-notebooks test-artifacts .mypy_cache .ruff_cache
