#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ are installed and running on this machine (Debian).
# Idempotent: does nothing when both already answer on 127.0.0.1:5432 and :5672.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 120); do
    if port_open "$port"; then return 0; fi
    sleep 1
  done
  echo "error: $name did not come up on port $port" >&2
  exit 1
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if port_open 5432; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing PostgreSQL…"
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version…"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432 PostgreSQL
  # A fresh Debian cluster wants a password over TCP: give the postgres role the one the
  # default URLs carry (postgres:postgres). Harmless where trust auth is configured.
  $SUDO -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 \
    || su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
}

ensure_rabbitmq() {
  if port_open 5672; then return 0; fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "installing RabbitMQ…"
    apt_install rabbitmq-server
  fi
  echo "starting RabbitMQ…"
  $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 5672 RabbitMQ
  $SUDO rabbitmqctl await_startup >/dev/null 2>&1 || true
}

ensure_nginx() {
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then return 0; fi
  echo "installing nginx…"
  apt_install nginx
}

for what in "$@"; do
  case "$what" in
    postgres) ensure_postgres ;;
    rabbitmq) ensure_rabbitmq ;;
    nginx) ensure_nginx ;;
    *) echo "unknown service $what" >&2; exit 2 ;;
  esac
done
