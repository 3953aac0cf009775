# shellcheck shell=bash
# Loads every part of the stack, in dependency order.
_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for _part in common install ceph rabbitmq mariadb keystone cinder libvirt postgres; do
  # shellcheck source=/dev/null
  source "$_here/$_part.sh"
done
unset _here _part
