#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis for tests, on free loopback ports, in one temp folder.
#
#   eval "$(scripts/test-services.sh start)"   # exports BATCHD_TEST_PG_URL, BATCHD_TEST_REDIS_URL,
#                                              # BATCHD_TEST_SERVICES_DIR
#   scripts/test-services.sh stop [DIR]        # DIR defaults to $BATCHD_TEST_SERVICES_DIR
#   scripts/test-services.sh pg-stop [DIR]     # an outage: stop PostgreSQL, keep its data
#   scripts/test-services.sh pg-start [DIR]    # …and start it again on the same port
#
# `start` prints only `export …` lines on stdout (progress goes to stderr), so its output can be
# eval'ed. `stop` kills both servers and removes the folder; it is safe to call twice.
# Needs the Debian packages postgresql (15) and redis-server. Runs as root or as a normal user:
# PostgreSQL refuses to run as root, so as root its processes run as the `postgres` user.
set -euo pipefail

readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly PG_USER=batchd
readonly PG_PASSWORD=batchd
readonly PG_DB=batchd

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Runs a command as the owner of the PostgreSQL files: `postgres` when we are root, else ourselves.
as_pg_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A loopback port nobody listens on right now. Racy by nature: callers retry when a bind fails.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      echo "${port}"
      return 0
    fi
  done
  die "no free port found"
}

start_postgres() {
  local dir=$1 pg=$1/pg port attempt
  [[ -x ${PG_BIN}/initdb ]] || die "${PG_BIN}/initdb not found: install the postgresql package"
  mkdir -p "${pg}/sock"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres user: install the postgresql package"
    chown -R postgres:postgres "${pg}"
  fi
  printf '%s\n' "${PG_PASSWORD}" >"${pg}/superuser.pw"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "${pg}/superuser.pw"
  # Local socket: trust (only our own socket dir); TCP: passwords, as a deployment would.
  as_pg_owner "${PG_BIN}/initdb" -D "${pg}/data" -U postgres --pwfile="${pg}/superuser.pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"${pg}/initdb.log" 2>&1 ||
    { cat "${pg}/initdb.log" >&2; die "initdb failed"; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg_owner "${PG_BIN}/pg_ctl" -D "${pg}/data" -l "${pg}/server.log" -w -t 60 \
      -o "-p ${port} -k ${pg}/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then
      break
    fi
    log "PostgreSQL did not start on port ${port} (attempt ${attempt})"
    port=""
  done
  [[ -n ${port} ]] || { tail -n 20 "${pg}/server.log" >&2 || true; die "PostgreSQL did not start"; }
  as_pg_owner "${PG_BIN}/psql" -h "${pg}/sock" -p "${port}" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'" \
    -c "CREATE DATABASE ${PG_DB} OWNER ${PG_USER}" >/dev/null ||
    die "could not create the ${PG_USER} role and database"
  echo "${port}" >"${dir}/pg.port"
  echo "export BATCHD_TEST_PG_URL=postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${PG_DB}"
  log "PostgreSQL 15 on 127.0.0.1:${port}"
}

start_redis() {
  local dir=$1 redis=$1/redis port attempt
  command -v redis-server >/dev/null || die "redis-server not found: install the redis-server package"
  mkdir -p "${redis}"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    redis-server --port "${port}" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "${redis}" --pidfile "${redis}/redis.pid" --logfile "${redis}/redis.log" >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "${port}" ping 2>/dev/null | grep -q PONG; then
        echo "${port}" >"${dir}/redis.port"
        echo "export BATCHD_TEST_REDIS_URL=redis://127.0.0.1:${port}"
        log "Redis on 127.0.0.1:${port}"
        return 0
      fi
      sleep 0.1
    done
    log "Redis did not start on port ${port} (attempt ${attempt})"
    stop_redis "${dir}"
  done
  die "Redis did not start"
}

stop_redis() {
  local dir=$1 pid
  if [[ -s ${dir}/redis/redis.pid ]]; then
    pid=$(<"${dir}/redis/redis.pid")
    kill "${pid}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "${pid}" 2>/dev/null || true
    rm -f "${dir}/redis/redis.pid"
  fi
}

stop_postgres() {
  local dir=$1
  if [[ -f ${dir}/pg/data/postmaster.pid ]]; then
    as_pg_owner "${PG_BIN}/pg_ctl" -D "${dir}/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

started_dir=""
started_ok=0
# A failure half-way through `start` leaves nothing running behind.
cleanup_failed_start() {
  if [[ -n ${started_dir} && ${started_ok} -eq 0 ]]; then
    cmd_stop "${started_dir}"
  fi
}

cmd_start() {
  started_dir=$(mktemp -d "${TMPDIR:-/tmp}/batchd-services.XXXXXX")
  trap cleanup_failed_start EXIT
  chmod 755 "${started_dir}"  # the postgres user must be able to reach its subfolder
  echo "export BATCHD_TEST_SERVICES_DIR=${started_dir}"
  start_postgres "${started_dir}"
  start_redis "${started_dir}"
  started_ok=1
}

services_dir_of() {
  local dir=${1:-${BATCHD_TEST_SERVICES_DIR:-}}
  [[ -n ${dir} && -f ${dir}/pg.port ]] || die "no services folder given and BATCHD_TEST_SERVICES_DIR is not set"
  echo "${dir}"
}

cmd_pg_stop() {
  local dir
  dir=$(services_dir_of "${1:-}")
  as_pg_owner "${PG_BIN}/pg_ctl" -D "${dir}/pg/data" -m fast -w -t 30 stop >/dev/null
  log "PostgreSQL stopped (data kept in ${dir}/pg)"
}

cmd_pg_start() {
  local dir port
  dir=$(services_dir_of "${1:-}")
  port=$(<"${dir}/pg.port")
  as_pg_owner "${PG_BIN}/pg_ctl" -D "${dir}/pg/data" -l "${dir}/pg/server.log" -w -t 60 \
    -o "-p ${port} -k ${dir}/pg/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  log "PostgreSQL started again on 127.0.0.1:${port}"
}

cmd_stop() {
  local dir=${1:-${BATCHD_TEST_SERVICES_DIR:-}}
  [[ -n ${dir} ]] || die "stop: no folder given and BATCHD_TEST_SERVICES_DIR is not set"
  [[ -d ${dir} ]] || return 0
  case ${dir} in
    */batchd-services.*) ;;
    *) die "stop: ${dir} is not a folder made by test-services.sh start" ;;
  esac
  stop_redis "${dir}"
  stop_postgres "${dir}"
  rm -rf "${dir}"
  log "stopped and removed ${dir}"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  pg-stop) cmd_pg_stop "${2:-}" ;;
  pg-start) cmd_pg_start "${2:-}" ;;
  *)
    echo "usage: $0 start | stop [DIR] | pg-stop [DIR] | pg-start [DIR]" >&2
    exit 2
    ;;
esac
