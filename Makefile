# Two commands matter: `make run` serves the app on http://127.0.0.1:3000 and
# `make test` runs every test. Both install what they need first.

SHELL := /bin/bash
LISTEN ?= 127.0.0.1:3000
CARGO_WASM := cargo build --target wasm32-wasip2 --release
COMPONENTS := -p users -p inventory -p orders -p static-files
HOST := target/release/spin-host

.PHONY: run test setup build build-native build-components build-web migrate lint bench bench-host fmt

run: build migrate
	$(HOST) up -f spin.toml --listen $(LISTEN) --runtime-config-file runtime-config.toml

test: setup build lint
	cargo nextest run --workspace --release --no-fail-fast
	npm --prefix web test
	npm --prefix web run test:browser

setup:
	scripts/setup.sh

build: build-web build-components build-native

build-native:
	cargo build --release -p spin-host -p migrate

build-components:
	$(CARGO_WASM) $(COMPONENTS) -p probe

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

fmt:
	cargo fmt --all

bench: build migrate
	scripts/bench.sh
