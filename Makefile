# `make test` and `make run` work on a fresh machine: they create .venv and install into it
# once (again only when pyproject.toml or constraints.txt change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-thorough test-tpu-runtime run lab lint bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/flowers-lab playgrounds --check

# Two pytest workers: half the time goes to single-threaded work (kernel starts, imports, graph
# building), so two at a time took 691 s against 945 s one at a time on 2 cores (BENCHMARKS.md).
# Each takes one test at a time, the training ones first (tests/conftest.py).
test: lint
	$(BIN)/python -m pytest -n 2 --maxschedchunk=1 --durations=15
	KERAS_BACKEND=jax $(BIN)/python -m pytest -m 'backend or jax'

# What CI adds to `make test`, too slow to pay many times a day (with 11 lessons, make test took 17.5
# min with them): every solution on JAX over 8 virtual devices, every playground as a learner first
# opens it (under nbval), and the offline sample's story at equal budgets (tests/test_story.py).
test-thorough: $(STAMP)
	$(BIN)/python -m pytest -m thorough -n 2 --maxschedchunk=1 --durations=10

# Colab's TPU runtime rebuilt (Python 3.13, its jax and keras, the project pip-installed as a
# notebook installs it), and every lesson run quick on JAX with it (.ci/tpu-runtime says how).
test-tpu-runtime:
	bash .ci/tpu-runtime .venv-tpu-runtime
	.venv-tpu-runtime/bin/pytest -m tpu_runtime -n 2 --maxschedchunk=1 --durations=10 tests/test_tpu_runtime.py

# The main job on the offline sample: make it, say what is here, run every lesson small.
run: $(STAMP)
	$(BIN)/flowers-lab sample
	$(BIN)/flowers-lab doctor
	$(BIN)/flowers-lab run --quick

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# Measurements, not tests (about 30 minutes on 2 cores): they print, and the figures go into
# BENCHMARKS.md (and the guide's estimate of each lesson's time on a TPU) between <!-- bench:... --> markers.
bench: $(STAMP)
	mkdir -p build/bench
	$(BIN)/python benchmarks/data_pipeline.py --json build/bench/data.json
	$(BIN)/python benchmarks/training.py --json build/bench/training.json
	KERAS_BACKEND=jax $(BIN)/python benchmarks/training.py --lessons 4 --json build/bench/training-jax.json
	$(BIN)/python benchmarks/notebooks.py --json build/bench/notebooks.json
	KERAS_BACKEND=jax $(BIN)/python benchmarks/tpu_estimate.py --json build/bench/tpu-estimate.json
	$(BIN)/python benchmarks/write_markdown.py build/bench BENCHMARKS.md docs/instructor.md
