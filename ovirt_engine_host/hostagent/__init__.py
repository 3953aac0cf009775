"""The engine's host agent: what VDSM does on a hypervisor, through libvirt-python. It registers
the libvirt secrets the plugins list, builds a VM's domain XML with a placeholder drive per disk,
runs the VDSM hook scripts by VDSM's rules (they turn placeholders into real disks), and starts,
stops, plugs and unplugs in libvirt."""
