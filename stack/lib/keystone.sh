# shellcheck shell=bash
# Keystone (PyPI `keystone`, pinned) under gunicorn on 127.0.0.1:$KEYSTONE_PORT, on MariaDB.
# Bootstrapped with an admin user and project; stack/py/register_keystone.py adds the
# `service` project, Cinder's service user and the volumev3 / block-storage endpoints.

KEYSTONE_URL=http://$STACK_HOST:$KEYSTONE_PORT/v3

keystone_answers() { curl -m 3 -sf -o /dev/null "$KEYSTONE_URL"; }

keystone_up() {
  if running keystone && keystone_answers; then log "keystone: already up"; return 0; fi
  stop_pid keystone 5
  port_open "$KEYSTONE_PORT" && die "keystone: :$KEYSTONE_PORT is taken by a process this stack did not start"
  local data=$DATA_DIR/keystone etc=$ETC_DIR/keystone venv=$VENV_DIR/keystone
  rm -rf "$data"; mkdir -p "$data/fernet" "$data/credential" "$etc" "$LOG_DIR/keystone"
  mariadb_fresh_database "$KEYSTONE_DB" ovirt_keystone "$(secret keystone-db)"
  cat >"$etc/keystone.conf" <<EOF
[DEFAULT]
log_dir = $LOG_DIR/keystone
[database]
connection = mysql+pymysql://ovirt_keystone:$(secret keystone-db)@$STACK_HOST:$MARIADB_PORT/$KEYSTONE_DB?charset=utf8
[token]
provider = fernet
[fernet_tokens]
key_repository = $data/fernet
[credential]
key_repository = $data/credential
EOF
  chmod 600 "$etc/keystone.conf"
  # oslo.config would parse gunicorn's command line: hand it an empty one.
  cat >"$etc/keystone_wsgi.py" <<EOF
import os, sys
sys.argv = sys.argv[:1]
os.environ["OS_KEYSTONE_CONFIG_FILES"] = "$etc/keystone.conf"
from keystone.wsgi.api import application  # noqa: E402,F401
EOF
  local manage=("$venv/bin/keystone-manage" --config-file "$etc/keystone.conf")
  {
    "${manage[@]}" db_sync &&
    "${manage[@]}" fernet_setup --keystone-user root --keystone-group root &&
    "${manage[@]}" credential_setup --keystone-user root --keystone-group root &&
    "${manage[@]}" bootstrap --bootstrap-password "$(secret keystone-admin)" \
      --bootstrap-region-id RegionOne \
      --bootstrap-admin-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" \
      --bootstrap-public-url "$KEYSTONE_URL/"
  } >"$LOG_DIR/keystone/manage.log" 2>&1 || die "keystone-manage (see $LOG_DIR/keystone/manage.log)"
  log "keystone: database and bootstrap done"
  nohup "$venv/bin/gunicorn" --chdir "$etc" --bind "$STACK_HOST:$KEYSTONE_PORT" --workers 1 \
    --threads 4 --no-control-socket --access-logfile "$LOG_DIR/keystone/access.log" \
    --error-logfile "$LOG_DIR/keystone/gunicorn.log" keystone_wsgi:application \
    >"$LOG_DIR/keystone/gunicorn.stdout" 2>&1 &
  echo $! >"$RUN_DIR/keystone.pid"
  wait_for 60 keystone keystone_answers || die "keystone: not answering (see $LOG_DIR/keystone)"
  log "keystone: answering on $KEYSTONE_URL"
  OS_AUTH_URL=$KEYSTONE_URL OS_PASSWORD=$(secret keystone-admin) \
  CINDER_SERVICE_PASSWORD=$(secret keystone-cinder) CINDER_URL=$(cinder_url) \
    "$(stack_python)" "$STACK_HOME/py/register_keystone.py" >"$LOG_DIR/keystone/register.log" 2>&1 \
    || die "keystone: registering Cinder (see $LOG_DIR/keystone/register.log)"
  log "keystone: Cinder's service user and endpoints registered"
}

keystone_down() { stop_pid keystone 10; }

keystone_status() {
  if keystone_answers; then echo "keystone   up    $KEYSTONE_URL"; else echo "keystone   down"; return 1; fi
}
