# Two commands matter: `make run` serves the app on http://127.0.0.1:3000 and
# `make test` runs every test. Both install what they need first.

SHELL := /bin/bash
LISTEN ?= 127.0.0.1:3000
CARGO_WASM := cargo build --target wasm32-wasip2 --release
# The application's components, and the test components the host conformance tests run.
COMPONENTS := -p users -p inventory -p orders -p webhooks -p static-files
TEST_COMPONENTS := -p probe -p listener
HOST := target/release/spin-host

.PHONY: run run-scaled test setup build build-native build-components build-web migrate lint fmt \
	test-rust test-web test-deploy test-bench-tools test-spin test-scripts bench bench-host reliability demo-data fuzz

include deploy/compose.mk

# The app, and beside it the webhook deliverer (webhook-deliverer.toml), which
# scripts/deliverer.sh restarts whenever Redis takes it down; both stop with make run.
run: setup build migrate
	@scripts/deliverer.sh http://$(LISTEN)/orders/webhooks/wake -- \
	    $(HOST) up -f webhook-deliverer.toml --runtime-config-file runtime-config.toml & \
	trap 'kill -TERM $$! 2>/dev/null' EXIT INT TERM; \
	$(HOST) up -f spin.toml --listen $(LISTEN) --runtime-config-file runtime-config.toml

# The app scaled out as deploy/spinkube/ runs it (deploy/scaled/topology.toml): each
# service in host processes of its own, replicas behind HAProxy on $(LISTEN), the webhook
# deliverers under scripts/deliverer.sh. See docs/scaling.md.
run-scaled: setup build migrate
	cargo build --release -p e2e --bin scaled
	target/release/scaled --listen $(LISTEN) --runtime-config-file runtime-config.toml

test: setup build lint test-web test-deploy test-bench-tools test-scripts test-rust

setup:
	scripts/setup.sh

build: build-web build-components build-native

build-native:
	cargo build --release -p spin-host -p migrate

build-components:
	$(CARGO_WASM) $(COMPONENTS) $(TEST_COMPONENTS)

build-web:
	npm --prefix web ci --no-audit --no-fund
	npm --prefix web run build

migrate: build-native
	target/release/migrate

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --release --all-targets -- -D warnings
	npm --prefix web run lint
	npm --prefix web run typecheck
	scripts/lint-python.sh

fmt:
	cargo fmt --all

# Unit tests, host conformance and end-to-end tests (each starts the app on spin-host).
test-rust:
	cargo nextest run --workspace --release --no-fail-fast

# The end-to-end suite against a real Spin: make test-spin SPIN=/path/to/spin. The harness
# starts scripts/spin_as_host.py in place of spin-host; host-only tests are skipped
# (.config/nextest.toml, profile `spin`).
SPIN ?= spin
test-spin: setup build-web build-components build-native
	SPIN_HOST_BIN=$(CURDIR)/scripts/spin_as_host.py SPIN_BIN=$(SPIN) \
		cargo nextest run --release -p e2e --profile spin

# The stand-in that runs the harness on a real Spin: its argument mapping and its clean-up,
# then one suite through it, with spin-host in the place of spin (it reads the same
# SPIN_VARIABLE_* environment), so the path make test-spin takes is exercised here.
test-scripts:
	python3 -m unittest discover -s scripts -p 'test_*.py'
	SPIN_HOST_BIN=$(CURDIR)/scripts/spin_as_host.py SPIN_BIN=$(CURDIR)/$(HOST) \
		cargo nextest run --release -p e2e --profile spin --test users

# docker-compose.yml and the SpinKube manifests against their schemas.
test-deploy:
	scripts/check-deploy.sh

# The bench's own parts: the sampler against a real process and PostgreSQL, the target check.
test-bench-tools:
	python3 -m unittest discover -s scripts/bench

# The SPA's unit tests, then its browser tests against the real app.
test-web:
	npm --prefix web test
	npm --prefix web run test:browser

# Benchmarks and fault-injection suites: not part of `make test`.
bench:
	scripts/bench.sh

bench-host:
	scripts/bench-host.sh

reliability:
	scripts/reliability.sh

# The Schemathesis fuzzing of every service's OpenAPI document (also part of test-rust).
fuzz: build
	scripts/fuzz-api.sh

# Fill the app served by `make run` with users, a catalogue and 90 days of orders.
demo-data:
	cargo run --release -p demo-data -- --url http://$(LISTEN) $(DEMO_ARGS)
