# shellcheck shell=bash
# MariaDB for Cinder and Keystone. A machine that already runs one on 127.0.0.1:$MARIADB_PORT
# (root without a password, as this kind of machine does) is reused: the stack only adds its
# own databases and users to it. Otherwise a private server runs under the state directory.
# Cinder under eventlet opens many pooled connections: the server gets a high
# max_connections and cinder.conf bounds its pools (100 creates in a row hit 200 otherwise).

MARIADB_MODE_FILE=$RUN_DIR/mariadb.mode   # "own" or "machine"
MARIADB_MAX_CONNECTIONS=2000

mdb() {  # mdb SQL...: run SQL as the server's root
  if [ "$(cat "$MARIADB_MODE_FILE" 2>/dev/null)" = own ]; then
    mariadb --socket="$RUN_DIR/mysqld.sock" -uroot "$@"
  else
    mariadb -h "$STACK_HOST" -P "$MARIADB_PORT" -uroot "$@"
  fi
}

mariadb_up() {
  if running mariadbd && port_open "$MARIADB_PORT"; then
    log "mariadb: already up (ours)"
  elif port_open "$MARIADB_PORT"; then
    echo machine >"$MARIADB_MODE_FILE"
    mdb -e 'select 1' >/dev/null 2>&1 \
      || die "mariadb: :$MARIADB_PORT answers but root without a password is refused; stop it or set OVIRT_STACK_MARIADB_PORT"
    log "mariadb: reusing the machine's server on :$MARIADB_PORT"
  else
    echo own >"$MARIADB_MODE_FILE"
    local data=$DATA_DIR/mysql
    rm -rf "$data"; mkdir -p "$data"
    cat >"$ETC_DIR/my.cnf" <<EOF
[mysqld]
user = root
datadir = $data
socket = $RUN_DIR/mysqld.sock
pid-file = $RUN_DIR/mysqld-self.pid
log-error = $LOG_DIR/mariadb.err
bind-address = $STACK_HOST
port = $MARIADB_PORT
skip-name-resolve
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
performance_schema = off
max_connections = $MARIADB_MAX_CONNECTIONS
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
EOF
    mariadb-install-db --defaults-file="$ETC_DIR/my.cnf" --auth-root-authentication-method=normal \
      --skip-test-db >"$LOG_DIR/mariadb-install.log" 2>&1 || die "mariadb-install-db (see $LOG_DIR/mariadb-install.log)"
    nohup mariadbd --defaults-file="$ETC_DIR/my.cnf" >"$LOG_DIR/mariadb.stdout" 2>&1 &
    echo $! >"$RUN_DIR/mariadbd.pid"
    wait_for 30 mariadb mdb -e 'select 1' || die "mariadb: did not start (see $LOG_DIR/mariadb.err)"
    log "mariadb: private server on :$MARIADB_PORT"
  fi
  if [ "$(mdb -N -e 'select @@max_connections')" -lt "$MARIADB_MAX_CONNECTIONS" ]; then
    mdb -e "SET GLOBAL max_connections = $MARIADB_MAX_CONNECTIONS"
  fi
}

# mariadb_fresh_database NAME USER PASSWORD: an empty database NAME owned by USER.
mariadb_fresh_database() {
  local name=$1 user=$2 password=$3
  mdb <<EOF
DROP DATABASE IF EXISTS \`$name\`;
CREATE DATABASE \`$name\`;
CREATE USER IF NOT EXISTS '$user'@'$STACK_HOST' IDENTIFIED BY '$password';
ALTER USER '$user'@'$STACK_HOST' IDENTIFIED BY '$password';
GRANT ALL ON \`$name\`.* TO '$user'@'$STACK_HOST';
EOF
}

mariadb_down() {
  stop_pid mariadbd 30
  rm -f "$MARIADB_MODE_FILE" "$RUN_DIR/mysqld-self.pid"
}

mariadb_status() {
  if port_open "$MARIADB_PORT"; then
    echo "mariadb    up    $STACK_HOST:$MARIADB_PORT ($(cat "$MARIADB_MODE_FILE" 2>/dev/null || echo machine))"
  else
    echo "mariadb    down"; return 1
  fi
}
