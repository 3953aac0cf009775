# shellcheck shell=bash
# PostgreSQL for the engine's tests on a second database. A machine that already runs one on
# 127.0.0.1:$POSTGRES_PORT (trust auth for postgres, as this kind of machine does) is reused;
# otherwise a private cluster runs under the state directory as the postgres account.

POSTGRES_MODE_FILE=$RUN_DIR/postgres.mode   # "own" or "machine"
POSTGRES_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

postgres_answers() { pg_isready -q -h "$STACK_HOST" -p "$POSTGRES_PORT" && psql -h "$STACK_HOST" -p "$POSTGRES_PORT" -U postgres -Atc 'select 1' postgres >/dev/null 2>&1; }

postgres_up() {
  if postgres_answers; then
    [ -s "$POSTGRES_MODE_FILE" ] || echo machine >"$POSTGRES_MODE_FILE"
    log "postgres: answering on :$POSTGRES_PORT ($(cat "$POSTGRES_MODE_FILE"))"; return 0
  fi
  port_open "$POSTGRES_PORT" && die "postgres: :$POSTGRES_PORT answers but not as PostgreSQL with trust auth for postgres"
  [ -n "$POSTGRES_BIN" ] || die "postgres: no PostgreSQL server binaries (Debian package postgresql)"
  echo own >"$POSTGRES_MODE_FILE"
  local data=$DATA_DIR/postgres
  rm -rf "$data"; mkdir -p "$data"; chown postgres:postgres "$data"; chmod 700 "$data"
  runuser -u postgres -- "$POSTGRES_BIN/initdb" -D "$data" -U postgres --auth=trust >"$LOG_DIR/postgres-initdb.log" 2>&1 \
    || die "postgres: initdb (see $LOG_DIR/postgres-initdb.log)"
  touch "$LOG_DIR/postgres.log"; chown postgres "$LOG_DIR/postgres.log"
  runuser -u postgres -- "$POSTGRES_BIN/pg_ctl" -D "$data" -l "$LOG_DIR/postgres.log" -w \
    -o "-c listen_addresses=$STACK_HOST -c port=$POSTGRES_PORT -c unix_socket_directories=$data -c max_connections=300" start \
    >/dev/null || die "postgres: did not start (see $LOG_DIR/postgres.log)"
  head -1 "$data/postmaster.pid" >"$RUN_DIR/postgres.pid"
  log "postgres: private cluster on :$POSTGRES_PORT"
}

postgres_down() { stop_pid postgres 20; rm -f "$POSTGRES_MODE_FILE"; }

postgres_status() {
  if postgres_answers; then
    echo "postgres   up    $STACK_HOST:$POSTGRES_PORT ($(cat "$POSTGRES_MODE_FILE" 2>/dev/null || echo machine))"
  else
    echo "postgres   down"; return 1
  fi
}
