# shellcheck shell=bash
# libvirtd for qemu:///system (QEMU TCG guests: no KVM needed), run without systemd. A machine
# whose libvirtd already answers on qemu:///system is reused and never stopped by us.
# Debian 12 has the monolithic libvirtd. virtlogd is started too: a privileged libvirtd does
# not spawn it, and QEMU's console output goes through it.

LIBVIRT_MODE_FILE=$RUN_DIR/libvirt.mode   # "own" or "machine"

libvirt_answers() { timeout 10 virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1; }

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
