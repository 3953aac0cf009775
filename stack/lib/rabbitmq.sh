# shellcheck shell=bash
# RabbitMQ for Cinder's RPC. A machine that already runs one on 127.0.0.1:$RABBIT_PORT
# (guest/guest, as this kind of machine does) is reused and never stopped by us; otherwise a
# private broker is started under the state directory and stopped by its PID file.

RABBIT_MODE_FILE=$RUN_DIR/rabbitmq.mode   # "own" or "machine"

rabbitmq_up() {
  if running rabbitmq-beam && port_open "$RABBIT_PORT"; then
    log "rabbitmq: already up (ours)"; return 0
  fi
  if ! running rabbitmq-beam && port_open "$RABBIT_PORT"; then
    echo machine >"$RABBIT_MODE_FILE"
    log "rabbitmq: reusing the machine's broker on :$RABBIT_PORT"; return 0
  fi
  echo own >"$RABBIT_MODE_FILE"
  local data=$DATA_DIR/rabbitmq etc=$ETC_DIR/rabbitmq
  rm -rf "$data"; mkdir -p "$data/mnesia" "$data/home" "$etc" "$LOG_DIR/rabbitmq"
  # Our own epmd in the foreground (so it has a PID), unless one already serves the machine.
  if ! port_open 4369; then
    nohup epmd -address "$STACK_HOST" -port 4369 >"$LOG_DIR/rabbitmq/epmd.log" 2>&1 &
    echo $! >"$RUN_DIR/epmd.pid"
  fi
  printf 'listeners.tcp.default = %s:%s\nloopback_users = none\n' "$STACK_HOST" "$RABBIT_PORT" >"$etc/rabbitmq.conf"
  : >"$etc/rabbitmq-env.conf"
  echo '[].' >"$etc/enabled_plugins"
  (
    export HOME=$data/home RABBITMQ_NODENAME=ovirtstack@localhost \
      RABBITMQ_NODE_IP_ADDRESS=$STACK_HOST RABBITMQ_NODE_PORT=$RABBIT_PORT \
      RABBITMQ_DIST_PORT=$((RABBIT_PORT + 20000)) ERL_EPMD_ADDRESS=$STACK_HOST \
      RABBITMQ_CONFIG_FILE=$etc/rabbitmq.conf RABBITMQ_CONF_ENV_FILE=$etc/rabbitmq-env.conf \
      RABBITMQ_ENABLED_PLUGINS_FILE=$etc/enabled_plugins RABBITMQ_MNESIA_BASE=$data/mnesia \
      RABBITMQ_LOG_BASE=$LOG_DIR/rabbitmq RABBITMQ_PID_FILE=$RUN_DIR/rabbitmq-beam.pid \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
    exec nohup /usr/lib/rabbitmq/bin/rabbitmq-server >"$LOG_DIR/rabbitmq/stdout.log" 2>&1
  ) &
  echo $! >"$RUN_DIR/rabbitmq-wrapper.pid"
}

rabbitmq_wait() {
  wait_for 60 rabbitmq port_open "$RABBIT_PORT" || die "rabbitmq: nothing on :$RABBIT_PORT (see $LOG_DIR/rabbitmq)"
  log "rabbitmq: listening on :$RABBIT_PORT ($(cat "$RABBIT_MODE_FILE"))"
}

rabbitmq_down() {
  stop_pid rabbitmq-beam 20
  stop_pid rabbitmq-wrapper 5
  stop_pid epmd 5
  rm -f "$RABBIT_MODE_FILE"
}

rabbitmq_status() {
  if port_open "$RABBIT_PORT"; then
    echo "rabbitmq   up    amqp://$STACK_HOST:$RABBIT_PORT ($(cat "$RABBIT_MODE_FILE" 2>/dev/null || echo machine))"
  else
    echo "rabbitmq   down"; return 1
  fi
}
