# Docker Compose targets, included from the Makefile (`include deploy/compose.mk`).
# The app container serves the components and SPA built on the host, so `up` and
# `rebuild` build those first (build-components / build-web are the Makefile's).

COMPOSE ?= docker compose
APP_PORT ?= 8080

.PHONY: up down logs rebuild

## up: start PostgreSQL, Redis, the migrations and the app on http://localhost:$(APP_PORT)
up: build-components build-web
	APP_PORT=$(APP_PORT) $(COMPOSE) up -d
	@echo "spin-shop: http://localhost:$(APP_PORT) (admin@test.com / password123)"

## down: stop and remove the containers (the data volumes stay; add -v to drop them)
down:
	$(COMPOSE) down

## logs: follow every service's logs
logs:
	$(COMPOSE) logs -f --tail=200

## rebuild: rebuild the components, the SPA and the migrate image, then restart
rebuild: build-components build-web
	$(COMPOSE) build --pull migrate
	APP_PORT=$(APP_PORT) $(COMPOSE) up -d --force-recreate
