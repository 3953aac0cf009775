# shellcheck shell=bash
# Shared by every stack/ command: where the stack lives, how it logs, how it tracks the
# processes it started (PID files only: we never stop anything by name), and its ports.
#
# Everything the stack writes lives under one state directory, $STACK_DIR (default: .stack/
# at the repository root, ignored by git). Override with OVIRT_STACK_DIR.

STACK_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$STACK_HOME/.." && pwd)
STACK_DIR=${OVIRT_STACK_DIR:-$REPO_ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)

RUN_DIR=$STACK_DIR/run          # PID files of what we started, sockets
LOG_DIR=$STACK_DIR/log          # every service's logs
ETC_DIR=$STACK_DIR/etc          # generated configuration
DATA_DIR=$STACK_DIR/data        # service data (Ceph, MariaDB, RabbitMQ, Keystone keys)
VENV_DIR=$STACK_DIR/venvs       # the stack's own Python environments (never the project's .venv)
SECRETS_DIR=$STACK_DIR/secrets  # generated passwords, mode 0700
CEPH_DIR=$DATA_DIR/ceph
LIBVIRT_DIR=$STACK_DIR/libvirt

# Ports (loopback only). Override any of them through the environment; the ports a stack/up
# used are remembered in ports.env, so later commands find the same stack without them.
PORTS_FILE=$STACK_DIR/ports.env
# shellcheck source=/dev/null
[ -f "$PORTS_FILE" ] && source "$PORTS_FILE"
STACK_HOST=127.0.0.1
CEPH_MON_PORT=${OVIRT_STACK_CEPH_MON_PORT:-6789}
CEPH_MON_V2_PORT=${OVIRT_STACK_CEPH_MON_V2_PORT:-3300}
RABBIT_PORT=${OVIRT_STACK_RABBIT_PORT:-5672}
MARIADB_PORT=${OVIRT_STACK_MARIADB_PORT:-3306}
KEYSTONE_PORT=${OVIRT_STACK_KEYSTONE_PORT:-5000}
CINDER_PORT=${OVIRT_STACK_CINDER_PORT:-8776}
POSTGRES_PORT=${OVIRT_STACK_POSTGRES_PORT:-5432}

# Names the tests and the engine see.
CEPH_POOL=volumes
CINDER_HOST=ovirtstack
CINDER_DB=ovirt_stack_cinder
KEYSTONE_DB=ovirt_stack_keystone
VOLUME_TYPE_RBD=rbd
VOLUME_TYPE_FAKE=fake
CINDER_RBD_SECRET_UUID=${OVIRT_STACK_RBD_SECRET_UUID:-5b2f1c0e-3c1d-4c56-9a52-6f7f5d0a1c01}
LIBVIRT_URI=qemu:///system

mkdir -p "$RUN_DIR" "$LOG_DIR" "$ETC_DIR" "$DATA_DIR" "$VENV_DIR"
mkdir -p -m 0700 "$SECRETS_DIR"

STACK_T0=${STACK_T0:-$EPOCHREALTIME}
export STACK_T0

log() { printf '[stack %6.1fs] %s\n' "$(elapsed)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
elapsed() { awk -v a="$STACK_T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }

# A process is alive when it exists and is not a zombie (daemons re-parented to PID 1 are
# reaped only seconds after they exit).
alive() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

pid_of() { [ -s "$RUN_DIR/$1.pid" ] && cat "$RUN_DIR/$1.pid"; }

# running NAME: the process recorded in run/NAME.pid is alive.
running() { alive "$(pid_of "$1")"; }

port_open() { (exec 3<>"/dev/tcp/$STACK_HOST/$1") 2>/dev/null; }

wait_for() {  # wait_for SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# stop_pid NAME [SECONDS]: TERM the process of run/NAME.pid (and, after it, its direct
# children that outlive it), KILL after SECONDS (default 15), then forget the PID file.
stop_pid() {
  local name=$1 grace=${2:-15} pid kids p i
  pid=$(pid_of "$name") || { rm -f "$RUN_DIR/$name.pid"; return 0; }
  if alive "$pid"; then
    kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < grace * 5; i++)); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then log "$name ($pid) ignored SIGTERM for ${grace}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
    for p in $kids; do
      for ((i = 0; i < 25; i++)); do alive "$p" || break; sleep 0.2; done
      alive "$p" && kill -KILL "$p" 2>/dev/null
    done
    log "stopped $name (pid $pid${kids:+, children ${kids% }})"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# secret NAME: a generated password kept in secrets/NAME (created on first use).
secret() {
  local f=$SECRETS_DIR/$1
  if [ ! -s "$f" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$f")
  fi
  cat "$f"
}

save_ports() {
  local name
  : >"$PORTS_FILE"
  for name in CEPH_MON CEPH_MON_V2 RABBIT MARIADB KEYSTONE CINDER POSTGRES; do
    local var=${name}_PORT
    printf 'export OVIRT_STACK_%s_PORT=${OVIRT_STACK_%s_PORT:-%s}\n' "$name" "$name" "${!var}" >>"$PORTS_FILE"
  done
}

stack_python() { echo "$VENV_DIR/cinder/bin/python"; }
