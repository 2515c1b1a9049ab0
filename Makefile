# Campaign engine -- developer entry points. See scripts/README-setup.md.
#
#   make run      build and run sandbox + API + worker locally (foreground)
#   make test     run every test against a real Temporal, a real Postgres and Chromium
#   make build    build what run, test and the benchmarks use (one release build)
#   make bench    run the journey benchmark (benches/, bench-journeys)
#   make bench-fanout  run the 100,000-contact campaign fan-out benchmark
#   make bench-api     run the webhook and statistics benchmark
#   make bench-all     run the three benchmarks at a short size (BENCH_ALL_* to change it)
#                      TEMPORAL=postgres runs any bench on the full Temporal server on Postgres
#   make chaos    run the long chaos suite (crashes workers, Temporal, Postgres, API)
#                 TEMPORAL=postgres runs it on the full Temporal server on Postgres (SIGKILLed too)
#   make stack    start the production-shaped stack in the background and print its addresses:
#                 full Temporal server on Postgres, 2 APIs, 3 workers, sandbox (docs/OPERATIONS.md)
#   make stack-status / make stack-down   show / stop it
#   make record-histories  record this code's workflow histories into tests/histories/$(RELEASE)
#   make lint     rustfmt --check + clippy -D warnings + the console's ESLint
#   make openapi  rewrite web/openapi.json (the console's API types) from the API's routes
#   make fuzz-api fuzz the API against its OpenAPI document (schemathesis, on a scratch database)
#   make sqlx-prepare  refresh .sqlx/ (the checked queries' offline data) after changing SQL
#   make dev-env  only set up / start Postgres + Temporal, write .dev/env
#   make status   show the background services and .dev/env
#   make stop     stop the stack, the background Temporal servers and local Postgres
#   make clean-dev  stop them and delete .dev (all local dev/test data)

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Toolchains installed by rustup / the Go tarball are often not on PATH in
# non-login shells (CI, cron); append them when present.
empty :=
space := $(empty) $(empty)
EXTRA_PATH := $(wildcard $(HOME)/.cargo/bin /usr/local/go/bin)
ifneq ($(EXTRA_PATH),)
export PATH := $(PATH):$(subst $(space),:,$(EXTRA_PATH))
endif

CARGO ?= cargo
# Tests and benchmarks run on the test profile's Temporal dev server (`make run` on the durable
# run profile's; see scripts/dev-env.sh).
WITH_TEST_ENV := DEV_ENV_PROFILE=test scripts/with-dev-env.sh
# Benchmarks on the dev server, or with TEMPORAL=postgres on the full server built by module name
# and backed by the local Postgres cluster (scripts/temporal-postgres.sh).
TEMPORAL ?= dev
BENCH_ENV := $(if $(filter postgres,$(TEMPORAL)),scripts/temporal-postgres.sh run,$(WITH_TEST_ENV))
# Where `make build` puts the binaries the benchmarks run (cargo's CARGO_TARGET_DIR, if set).
BIN := $(or $(CARGO_TARGET_DIR),target)/release

# Extra arguments, e.g. `make test TEST_ARGS='-p campaign-workflows -- --nocapture'`.
TEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help build run test chaos record-histories stack stack-status stack-down bench bench-fanout bench-api bench-all lint fmt openapi fuzz-api sqlx-prepare dev-env status stop clean-dev

help:
	@sed -n '2,24p' Makefile | sed 's/^# \{0,1\}//'

# One build for run, test and the benchmarks: all on the release profile, and with --tests
# cargo resolves dependency features as `cargo test --workspace` does, so each reuses what the
# other compiled (without it, the Temporal SDK, sqlx and reqwest would be built twice).
build:
	@scripts/dev-env.sh apt
	$(CARGO) build --release --locked --workspace --bins --tests

run:
	@scripts/run.sh

# The same build as `make run` first, so `make run` after `make test` starts at once (cargo test
# alone builds no service binary). The console is built (and its unit tests run) before the
# Rust tests: the engine's browser test serves web/dist.
test: build
	@scripts/web.sh test
	@scripts/web.sh chromium
	@$(WITH_TEST_ENV) $(CARGO) test --release --workspace --locked $(TEST_ARGS)

# The long form of the chaos test (tests/tests/engine/chaos.rs; `make test` runs the short one).
CHAOS_ENV ?= CHAOS_CONTACTS=300 CHAOS_WORKER_KILLS=5 CHAOS_WINDOW_SECS=45
# With TEMPORAL=postgres the rig kills and restarts the full server through its script, and runs
# three workers and two APIs, the shape of `make stack`.
CHAOS_SERVER := $(if $(filter postgres,$(TEMPORAL)),CHAOS_TEMPORAL=postgres scripts/temporal-postgres.sh run,$(WITH_TEST_ENV))

chaos:
	@$(CHAOS_ENV) $(CHAOS_SERVER) $(CARGO) test --release --locked -p campaign-tests --test engine -- chaos:: --nocapture

# The production-shaped stack (scripts/stack.sh), in the background until `make stack-down`.
stack:
	@scripts/stack.sh up

stack-status:
	@scripts/stack.sh status

stack-down:
	@scripts/stack.sh down

# The release a recorded set is named for: the day and the commit it was recorded from.
RELEASE ?= $(shell date -u +%Y-%m-%d)-$(shell git rev-parse --short HEAD)

record-histories:
	@scripts/record-histories.sh $(RELEASE)

bench: build
	@$(BENCH_ENV) $(BIN)/bench-journeys $(BENCH_ARGS)

bench-fanout: build
	@$(BENCH_ENV) $(BIN)/bench-fanout $(BENCH_ARGS)

bench-api: build
	@$(BENCH_ENV) $(BIN)/bench-api $(BENCH_ARGS)

# Short sizes: a few minutes in all on a 2-core machine. docs/PERFORMANCE.md's figures use the defaults.
BENCH_ALL_JOURNEYS ?= 500
BENCH_ALL_FANOUT ?= 3000
BENCH_ALL_API ?= 300

bench-all: build
	@$(BENCH_ENV) $(BIN)/bench-journeys --journeys $(BENCH_ALL_JOURNEYS)
	@$(BENCH_ENV) $(BIN)/bench-fanout --contacts $(BENCH_ALL_FANOUT) --baseline 1000
	@$(BENCH_ENV) $(BIN)/bench-api --journeys $(BENCH_ALL_API)

lint:
	@scripts/dev-env.sh apt
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	@scripts/web.sh lint

fmt:
	$(CARGO) fmt --all

# The console's copy of the OpenAPI document, which its API types are generated from.
openapi:
	UPDATE_OPENAPI=1 $(CARGO) test --release --locked -p campaign-api --lib -- the_console_builds_against_the_current_document

# Extra `st run` arguments, e.g. `make fuzz-api FUZZ_ARGS='--max-examples 300'`.
FUZZ_ARGS ?=

fuzz-api:
	@scripts/fuzz-api.sh $(FUZZ_ARGS)

sqlx-prepare:
	@DEV_ENV_PROFILE=test scripts/sqlx-prepare.sh

dev-env:
	@scripts/dev-env.sh setup

status:
	@scripts/dev-env.sh status

stop:
	@scripts/stack.sh down
	@scripts/dev-env.sh stop

# Stops the background services and deletes all local state (.dev: Postgres
# cluster, Temporal history). Keeps .tools (the built Temporal CLI).
clean-dev:
	@scripts/dev-env.sh clean
