# shellcheck shell=bash
# libvirtd for qemu:///system (QEMU TCG guests: no KVM needed), run without systemd. A machine
# whose libvirtd already answers on qemu:///system is reused and never stopped by us.
# Debian 12 has the monolithic libvirtd. virtlogd is started too: a privileged libvirtd does
# not spawn it (our qemu.conf sends QEMU's console to a file, a reused one may not).

LIBVIRT_MODE_FILE=$RUN_DIR/libvirt.mode   # "own" or "machine"
QEMU_CONF=/etc/libvirt/qemu.conf
QEMU_CONF_MARK="# written by ovirt-cinder-plugin stack/up"

libvirt_answers() { timeout 10 virsh -c "$LIBVIRT_URI" list --name >/dev/null 2>&1; }

libvirt_up() {
  if running libvirtd && libvirt_answers; then log "libvirt: already up (ours)"; return 0; fi
  if ! running libvirtd && libvirt_answers; then
    echo machine >"$LIBVIRT_MODE_FILE"; log "libvirt: reusing the machine's libvirtd"; return 0
  fi
  echo own >"$LIBVIRT_MODE_FILE"
  mkdir -p "$LIBVIRT_DIR"
  # libvirt's QEMU driver resolves its built-in default account before it reads qemu.conf:
  # it must exist (libvirt-daemon-system would create it, but it drags systemd-sysv along).
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null \
    || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  libvirt_write_qemu_conf
  cat >"$ETC_DIR/libvirtd.conf" <<EOF
log_outputs = "3:file:$LOG_DIR/libvirtd.log"
auth_unix_rw = "none"
auth_unix_ro = "none"
EOF
  cat >"$ETC_DIR/virtlogd.conf" <<EOF
log_outputs = "3:file:$LOG_DIR/virtlogd.log"
EOF
  if ! running virtlogd; then
    virtlogd -d -f "$ETC_DIR/virtlogd.conf" -p "$RUN_DIR/virtlogd.pid" || die "libvirt: virtlogd did not start"
  fi
  libvirtd -d -f "$ETC_DIR/libvirtd.conf" -p "$RUN_DIR/libvirtd.pid" || die "libvirt: libvirtd did not start"
  # the first start on a machine probes QEMU's capabilities (~8 s); later ones use the cache
  wait_for 60 libvirtd libvirt_answers || die "libvirt: $LIBVIRT_URI does not answer (see $LOG_DIR/libvirtd.log)"
  log "libvirt: libvirtd answering on $LIBVIRT_URI"
}

# A privileged libvirtd reads its QEMU settings from /etc only. Without them QEMU runs as
# libvirt-qemu and, here, libvirtd probes QEMU's capabilities again at every call (7 s each; a
# domain start took 44 s instead of 0.2 s). An administrator's own qemu.conf is never replaced.
libvirt_write_qemu_conf() {
  if [ -e "$QEMU_CONF" ] && ! grep -qF "$QEMU_CONF_MARK" "$QEMU_CONF"; then
    log "libvirt: keeping the existing $QEMU_CONF"; return 0
  fi
  mkdir -p "$(dirname "$QEMU_CONF")"
  cat >"$QEMU_CONF" <<EOF
$QEMU_CONF_MARK
# QEMU as root, no per-image relabelling: the disks are RBD network disks, there are no
# image files to own. stdio_handler=file: QEMU's console log needs no virtlogd.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
EOF
}

libvirt_down() {
  if running libvirtd; then
    # QEMU processes outlive libvirtd: destroy the domains first.
    local dom
    for dom in $(timeout 10 virsh -c "$LIBVIRT_URI" list --name 2>/dev/null); do
      timeout 10 virsh -c "$LIBVIRT_URI" destroy "$dom" >/dev/null 2>&1 && log "libvirt: destroyed domain $dom"
    done
  fi
  stop_pid libvirtd 10
  stop_pid virtlogd 5
  rm -f "$LIBVIRT_MODE_FILE"
}

libvirt_status() {
  if libvirt_answers; then
    echo "libvirt    up    $LIBVIRT_URI ($(cat "$LIBVIRT_MODE_FILE" 2>/dev/null || echo machine))"
  else
    echo "libvirt    down"; return 1
  fi
}
