# Rollcall: `make run` starts the whole system locally, `make test` runs the suite.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
export UV_LINK_MODE ?= copy
COMPOSE ?= docker compose

.PHONY: help env run test test-containers bench docs migration up down clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	@echo "Installing uv (the Python package manager) ..."
	@python3 -m pip install --user --quiet uv || pip install --quiet uv

env: $(UV)  ## Create the virtual environment from the lockfile
	@$(UV) sync --frozen --quiet

run: env  ## Start broker, databases and every service on its port; replays a demo district unless DEMO=0
	@$(UV) run --frozen python -m rollcall_dev.run

test: env  ## The whole suite: unit, integration (bundled broker + Postgres) and end-to-end
	@$(UV) run --frozen pytest -q $(PYTEST_ARGS)

test-containers: env  ## Build every image with podman (no registry) and run docker-compose.yml end to end (~4 min cold)
	@ROLLCALL_CONTAINER_TESTS=1 $(UV) run --frozen pytest -q -s -p no:cacheprovider tests/containers $(PYTEST_ARGS)

bench: env  ## Benchmarks on a generated district; figures go to docs/benchmarks.md
	@$(UV) run --frozen python -m rollcall_dev.bench

docs: env  ## Export OpenAPI (docs/openapi/) and AsyncAPI (docs/asyncapi.json) documents
	@$(UV) run --frozen python -m rollcall_dev.apidocs

migration: env  ## New Alembic revision from the models: make migration SERVICE=ingest MSG="..."
	@$(UV) run --frozen python -m rollcall_dev.makemigration $(SERVICE) "$(MSG)"

up:  ## Build the images and start Kafka, Postgres, migrations and every service in containers
	$(COMPOSE) up -d --build

down:  ## Stop and remove the containers (volumes stay: `docker compose down -v` drops them)
	$(COMPOSE) down

clean:  ## Remove local databases and caches
	rm -rf var .pytest_cache
