# Wearhouse — the commands CI and developers run. `make help` lists them.

SHELL := /bin/bash
CARGO ?= cargo
export WEARHOUSE_TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/postgres

.PHONY: help services test lint fmt build run up down logs bench docs

help:
	@echo "make run    build, start the whole local stack (Postgres, RabbitMQ, 5 services, nginx, Oura emulator), print demo curl commands; Ctrl-C stops it"
	@echo "make up     the same stack in the background; returns once every service is ready"
	@echo "make down   stop the background stack"
	@echo "make test   every test (unit, storage, broker, emulator, end to end) against real PostgreSQL and RabbitMQ"
	@echo "make lint   rustfmt check and clippy with warnings denied"
	@echo "make docs   regenerate docs/providers.md from the provider registry"

services:
	@deploy/local/services.sh postgres rabbitmq

test: services
	$(CARGO) test --workspace --all-targets --locked --no-fail-fast

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

docs:
	UPDATE_DOCS=1 $(CARGO) test -p providers --lib coverage

build:
	$(CARGO) build --workspace --bins --locked

up: services build
	@deploy/local/services.sh nginx
	@deploy/local/stack.sh up

down:
	@deploy/local/stack.sh down

logs:
	@tail -n 50 -f deploy/local/run/logs/*.log

run: up
	@deploy/local/stack.sh follow
