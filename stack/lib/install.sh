# shellcheck shell=bash
# Installs what the stack needs and is missing: Debian packages (Ceph, QEMU, libvirt,
# RabbitMQ, MariaDB) and the stack's own Python environments for Cinder and Keystone, pinned by
# constraints files. Idempotent: a second run only checks.

# Debian packages, grouped by what needs them. --no-install-recommends keeps the footprint at
# about a third; libvirt-daemon-system is left out on purpose (it pulls systemd-sysv).
APT_PACKAGES=(
  ceph-mon ceph-osd ceph-mgr ceph-common python3-rados python3-rbd
  qemu-system-x86 qemu-utils qemu-block-extra
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients python3-libvirt libxml2-utils
  rabbitmq-server mariadb-server mariadb-client
  postgresql
  python3-venv curl procps
)

# Debian's Ceph and libvirt bindings: C extensions built for /usr/bin/python3 (CPython 3.11).
DEBIAN_BINDINGS=(
  /usr/lib/python3/dist-packages/rados.cpython-311-x86_64-linux-gnu.so
  /usr/lib/python3/dist-packages/rbd.cpython-311-x86_64-linux-gnu.so
  /usr/lib/python3/dist-packages/libvirt.py
  /usr/lib/python3/dist-packages/libvirt_qemu.py
  /usr/lib/python3/dist-packages/libvirt_lxc.py
  /usr/lib/python3/dist-packages/libvirtmod.cpython-311-x86_64-linux-gnu.so
  /usr/lib/python3/dist-packages/libvirtmod_qemu.cpython-311-x86_64-linux-gnu.so
  /usr/lib/python3/dist-packages/libvirtmod_lxc.cpython-311-x86_64-linux-gnu.so
)

install_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  # apt-cache knows nothing before a first update on a fresh machine.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ] \
     || ! apt-cache show "${missing[0]}" >/dev/null 2>&1; then
    apt-get update -q >"$LOG_DIR/apt-update.log" 2>&1 || die "apt-get update (see $LOG_DIR/apt-update.log)"
  fi
  # No systemd here and policy-rc.d forbids starting services: nothing starts by itself, and
  # the stack starts its own daemons.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1 \
    || die "apt-get install (see $LOG_DIR/apt-install.log)"
  log "Debian packages installed"
}

# link_debian_bindings VENV: make Debian's rados/rbd/libvirt importable in VENV without
# --system-site-packages (which would leak Debian's older cryptography, six, ... into it): a
# directory holding only symlinks to those modules, put on sys.path by a .pth file.
link_debian_bindings() {
  local venv=$1 dir=$1/debian-bindings f site
  mkdir -p "$dir"
  for f in "${DEBIAN_BINDINGS[@]}"; do
    [ -e "$f" ] || die "missing $f (Debian package python3-rados/python3-rbd/python3-libvirt)"
    ln -sf "$f" "$dir/"
  done
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$dir" >"$site/debian_bindings.pth"
}

# make_venv NAME CONSTRAINTS PACKAGE...: (re)build venvs/NAME when its pins changed.
make_venv() {
  local name=$1 constraints=$2 venv=$VENV_DIR/$1 stamp
  shift 2
  stamp=$(cat "$constraints" <(printf '%s\n' "$@") | sha256sum | cut -c1-16)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  log "building the $name environment (pinned by $(basename "$constraints"))"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -c "$constraints" "$@" \
    >"$LOG_DIR/pip-$name.log" 2>&1 || die "pip install into $venv (see $LOG_DIR/pip-$name.log)"
  echo "$stamp" >"$venv/.stamp"
  log "$name environment ready"
}

install_stack() {
  install_apt_packages
  # Cinder runs on /usr/bin/python3: Debian's rados/rbd modules are built for it alone.
  # fixtures: the storage-less backend (cinder.tests.fake_driver) imports cinder's test helpers.
  make_venv cinder "$STACK_HOME/constraints-cinder.txt" \
    cinder python-cinderclient python-keystoneclient fixtures PyMySQL
  link_debian_bindings "$VENV_DIR/cinder"
  make_venv keystone "$STACK_HOME/constraints-keystone.txt" keystone PyMySQL gunicorn
}
