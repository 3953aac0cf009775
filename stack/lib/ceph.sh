# shellcheck shell=bash
# A one-node Ceph (Debian's Pacific 16.2): one mon, one memstore OSD (objects in RAM, no
# disks), one mgr (Cinder's RBD driver reads pool capacity through it; without it the pool
# looks 0 bytes big), cephx on, on 127.0.0.1. Pool `volumes` (application rbd) and the user
# client.cinder (profile rbd on that pool). Memstore keeps nothing across a restart, so a
# cold start always builds the cluster anew.

CEPH_CONF=$CEPH_DIR/ceph.conf
CEPH_RUN=$CEPH_DIR/run
CEPH_DAEMONS=(osd.0 mgr.x mon.a)   # stop order: an OSD whose mon is gone waits ~5 s for it
CEPH_CINDER_KEYRING=$CEPH_DIR/ceph.client.cinder.keyring
CEPH_ADMIN_KEYRING=$CEPH_DIR/ceph.client.admin.keyring

ceph_cli() { timeout 30 ceph -c "$CEPH_CONF" --connect-timeout 15 "$@"; }

# quietly CMD...: run CMD, show its output only when it fails.
quietly() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; die "'$*' failed"; }
}

ceph_pid() { [ -s "$CEPH_RUN/$1.pid" ] && cat "$CEPH_RUN/$1.pid"; }

ceph_healthy() {
  alive "$(ceph_pid mon.a)" && alive "$(ceph_pid osd.0)" \
    && timeout 8 rbd -c "$CEPH_CONF" --id cinder -p "$CEPH_POOL" ls >/dev/null 2>&1
}

ceph_write_conf() {
  local fsid=$1
  cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon initial members = a
mon host = [v2:$STACK_HOST:$CEPH_MON_V2_PORT,v1:$STACK_HOST:$CEPH_MON_PORT]
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $CEPH_DIR/ceph.\$name.keyring
run dir = $CEPH_RUN
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 2
mon data avail crit = 1
[mon]
# every pool/auth change waits for one paxos round: 0.1 s instead of 1 s halves start-up
paxos propose interval = 0.1
mon data = $CEPH_DIR/\$name
keyring = $CEPH_DIR/\$name/keyring
log file = $CEPH_DIR/log/\$name.log
pid file = $CEPH_RUN/\$name.pid
admin socket = $CEPH_RUN/\$name.asok
[osd]
osd objectstore = memstore
memstore device bytes = ${OVIRT_STACK_CEPH_OSD_BYTES:-4294967296}
osd op num shards = 2
osd op num threads per shard = 1
osd data = $CEPH_DIR/\$name
keyring = $CEPH_DIR/\$name/keyring
log file = $CEPH_DIR/log/\$name.log
pid file = $CEPH_RUN/\$name.pid
admin socket = $CEPH_RUN/\$name.asok
[mgr]
mgr initial modules = iostat
mgr data = $CEPH_DIR/\$name
keyring = $CEPH_DIR/\$name/keyring
log file = $CEPH_DIR/log/\$name.log
pid file = $CEPH_RUN/\$name.pid
admin socket = $CEPH_RUN/\$name.asok
[client]
admin socket =
log file = $LOG_DIR/ceph-client.log
EOF
}

ceph_up() {
  if ceph_healthy; then log "ceph: already up"; return 0; fi
  ceph_down >/dev/null 2>&1 || true     # a half-dead cluster: memstore lost its data anyway
  local p
  for p in "$CEPH_MON_PORT" "$CEPH_MON_V2_PORT"; do
    port_open "$p" && die "ceph: 127.0.0.1:$p is taken by a process this stack did not start"
  done
  rm -rf "$CEPH_DIR"
  mkdir -p "$CEPH_RUN" "$CEPH_DIR/log"
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  ceph_write_conf "$fsid"

  quietly ceph-authtool --create-keyring "$CEPH_DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *'
  quietly ceph-authtool --create-keyring "$CEPH_ADMIN_KEYRING" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *'
  quietly ceph-authtool "$CEPH_DIR/mon.keyring" --import-keyring "$CEPH_ADMIN_KEYRING"
  quietly monmaptool --create --fsid "$fsid" \
    --addv a "[v2:$STACK_HOST:$CEPH_MON_V2_PORT,v1:$STACK_HOST:$CEPH_MON_PORT]" "$CEPH_DIR/monmap"
  quietly ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/mon.keyring"
  quietly ceph-mon -c "$CEPH_CONF" -i a
  wait_for 30 "ceph mon" ceph_cli mon stat || die "ceph: the mon does not answer (see $CEPH_DIR/log)"
  log "ceph: mon up"

  mkdir -p "$CEPH_DIR/mgr.x"
  quietly ceph_cli auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
    -o "$CEPH_DIR/mgr.x/keyring"
  quietly ceph-mgr -c "$CEPH_CONF" -i x

  # An OSD by hand (no ceph-volume: memstore needs no device).
  local uuid key id
  uuid=$(cat /proc/sys/kernel/random/uuid)
  key=$(ceph-authtool --gen-print-key)
  id=$(echo "{\"cephx_secret\": \"$key\"}" | ceph_cli osd new "$uuid" -i -)
  [ "$id" = 0 ] || die "ceph: expected osd.0, got osd.$id"
  mkdir -p "$CEPH_DIR/osd.0"
  quietly ceph-authtool --create-keyring "$CEPH_DIR/osd.0/keyring" -n osd.0 --add-key "$key"
  quietly ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid"
  quietly ceph-osd -c "$CEPH_CONF" -i 0
  osd_up() { ceph_cli osd stat -f json | grep -q '"num_up_osds":1'; }
  wait_for 60 "ceph osd" osd_up || die "ceph: osd.0 did not come up (see $CEPH_DIR/log)"
  log "ceph: osd.0 up"

  quietly ceph_cli osd pool create "$CEPH_POOL" 8 8 replicated
  quietly ceph_cli osd pool application enable "$CEPH_POOL" rbd
  quietly ceph_cli auth get-or-create client.cinder mon 'profile rbd' \
    osd "profile rbd pool=$CEPH_POOL" mgr "profile rbd pool=$CEPH_POOL" -o "$CEPH_CINDER_KEYRING"
  # a write returns once the placement groups are active
  echo probe | quietly timeout 60 rados -c "$CEPH_CONF" -p "$CEPH_POOL" put stack-probe -
  quietly rados -c "$CEPH_CONF" -p "$CEPH_POOL" rm stack-probe
  mgr_active() { ceph_cli mgr stat | grep -q '"available": true'; }
  wait_for 60 "ceph mgr" mgr_active || die "ceph: the mgr did not become active (see $CEPH_DIR/log)"
  ceph_healthy || die "ceph: client.cinder cannot list pool $CEPH_POOL"
  log "ceph: pool '$CEPH_POOL' ready for client.cinder"
}

ceph_down() {
  local d pid i
  for d in "${CEPH_DAEMONS[@]}"; do
    pid=$(ceph_pid "$d") || continue
    # the PID file must still name a Ceph daemon: never signal a recycled PID
    if alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == ceph-* ]]; then
      kill -TERM "$pid"
      for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
      alive "$pid" && kill -KILL "$pid"
      log "stopped ceph $d (pid $pid)"
    fi
    rm -f "$CEPH_RUN/$d.pid"
  done
}

ceph_status() {
  if ceph_healthy; then
    echo "ceph       up    mon $STACK_HOST:$CEPH_MON_PORT (v2 $CEPH_MON_V2_PORT), pool $CEPH_POOL, conf $CEPH_CONF"
  else
    echo "ceph       down"
    return 1
  fi
}
