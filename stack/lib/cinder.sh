# shellcheck shell=bash
# OpenStack Cinder (PyPI `cinder`, pinned): cinder-api, cinder-scheduler, cinder-volume on
# 127.0.0.1:$CINDER_PORT, Keystone auth, RPC over RabbitMQ, database on MariaDB. Two backends:
#   rbd   the RBD driver on Ceph pool `volumes` as client.cinder (volume type `rbd`)
#   fake  cinder.tests.fake_driver: no storage at all, for fast bookkeeping tests (type `fake`)
# Ceph's memstore forgets everything on a restart, so a cold start also starts Cinder's
# database anew: it never names volumes that no longer exist.

cinder_url() { echo "http://$STACK_HOST:$CINDER_PORT/v3"; }

cinder_answers() { curl -m 3 -s -o /dev/null "http://$STACK_HOST:$CINDER_PORT/"; }

cinder_all_running() { running cinder-api && running cinder-scheduler && running cinder-volume; }

cinder_write_conf() {
  local etc=$ETC_DIR/cinder venv=$VENV_DIR/cinder
  mkdir -p "$etc" "$DATA_DIR/cinder/lock" "$LOG_DIR/cinder"
  cp "$venv/etc/cinder/api-paste.ini" "$venv/etc/cinder/rootwrap.conf" \
     "$venv/etc/cinder/resource_filters.json" "$etc/"
  sed -i "s#^disable_by_file_path = .*#disable_by_file_path = $DATA_DIR/cinder/healthcheck_disable#" \
    "$etc/api-paste.ini"
  cat >"$etc/cinder.conf" <<EOF
[DEFAULT]
host = $CINDER_HOST
my_ip = $STACK_HOST
state_path = $DATA_DIR/cinder
log_dir = $LOG_DIR/cinder
auth_strategy = keystone
transport_url = rabbit://guest:guest@$STACK_HOST:$RABBIT_PORT/
control_exchange = ovirt_stack_cinder
api_paste_config = $etc/api-paste.ini
rootwrap_config = $etc/rootwrap.conf
resource_query_filters_file = $etc/resource_filters.json
osapi_volume_listen = $STACK_HOST
osapi_volume_listen_port = $CINDER_PORT
osapi_volume_workers = 1
graceful_shutdown_timeout = 10
enabled_backends = $VOLUME_TYPE_FAKE,$VOLUME_TYPE_RBD
default_volume_type = __DEFAULT__
quota_volumes = 1000
quota_snapshots = 1000
quota_gigabytes = 100000
# the scheduler hears each backend's capabilities every 10 s instead of 60 s
backend_stats_polling_interval = 10
periodic_interval = 10

[database]
connection = mysql+pymysql://ovirt_cinder:$(secret cinder-db)@$STACK_HOST:$MARIADB_PORT/$CINDER_DB?charset=utf8
max_pool_size = 10
max_overflow = 20

[oslo_concurrency]
lock_path = $DATA_DIR/cinder/lock

[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 0

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
username = cinder
password = $(secret keystone-cinder)
project_name = service
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = true

[$VOLUME_TYPE_FAKE]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = $VOLUME_TYPE_FAKE

[$VOLUME_TYPE_RBD]
volume_driver = cinder.volume.drivers.rbd.RBDDriver
volume_backend_name = $VOLUME_TYPE_RBD
rbd_pool = $CEPH_POOL
rbd_user = cinder
rbd_ceph_conf = $CEPH_CONF
rbd_secret_uuid = $CINDER_RBD_SECRET_UUID
rbd_flatten_volume_from_snapshot = false
rbd_max_clone_depth = 5
rbd_store_chunk_size = 4
rados_connect_timeout = 10
report_discard_supported = true
# The OSD keeps 4 GiB in RAM; RBD images are thin and the tests and benchmarks write nothing,
# so let the scheduler place hundreds of 1 GiB volumes (the default ratio 20 stops near 70).
max_over_subscription_ratio = 1000
EOF
  chmod 600 "$etc/cinder.conf"
}

cinder_up() {
  if cinder_all_running && cinder_answers; then log "cinder: already up"; return 0; fi
  cinder_down >/dev/null 2>&1
  port_open "$CINDER_PORT" && die "cinder: :$CINDER_PORT is taken by a process this stack did not start"
  rm -rf "$DATA_DIR/cinder" "$LOG_DIR/cinder"
  cinder_write_conf
  mariadb_fresh_database "$CINDER_DB" ovirt_cinder "$(secret cinder-db)"
  local venv=$VENV_DIR/cinder conf=$ETC_DIR/cinder/cinder.conf s
  "$venv/bin/cinder-manage" --config-file "$conf" db sync >"$LOG_DIR/cinder/db-sync.log" 2>&1 \
    || die "cinder: db sync (see $LOG_DIR/cinder/db-sync.log)"
  log "cinder: database ready"
  for s in scheduler volume api; do cinder_start_service "$s"; done
}

# Starts one Cinder service on the existing configuration and database.
cinder_start_service() {
  local s=$1
  nohup "$VENV_DIR/cinder/bin/cinder-$s" --config-file "$ETC_DIR/cinder/cinder.conf" \
    >>"$LOG_DIR/cinder/$s.stdout" 2>&1 9>&- &
  echo $! >"$RUN_DIR/cinder-$s.pid"
}

# Waits until the API answers, the scheduler knows both backends' pools, and the volume types
# exist (creates before that fail with "No valid backend").
cinder_wait() {
  wait_for 90 cinder-api cinder_answers || die "cinder: the API does not answer (see $LOG_DIR/cinder)"
  OS_AUTH_URL=$KEYSTONE_URL OS_PASSWORD=$(secret keystone-admin) \
    "$(stack_python)" "$STACK_HOME/py/cinder_ready.py" "$VOLUME_TYPE_FAKE" "$VOLUME_TYPE_RBD" \
    >"$LOG_DIR/cinder/ready.log" 2>&1 || die "cinder: backends not ready (see $LOG_DIR/cinder/ready.log)"
  log "cinder: API $(cinder_url), backends and volume types '$VOLUME_TYPE_FAKE', '$VOLUME_TYPE_RBD' ready"
}

cinder_down() {
  local s jobs=()
  for s in api volume scheduler; do stop_pid "cinder-$s" 20 & jobs+=($!); done
  wait "${jobs[@]}"   # only these: the daemons started by this shell are its children too
}

cinder_status() {
  if cinder_all_running && cinder_answers; then
    echo "cinder     up    $(cinder_url) (api, scheduler, volume; types $VOLUME_TYPE_RBD, $VOLUME_TYPE_FAKE)"
  else
    echo "cinder     down"; return 1
  fi
}
