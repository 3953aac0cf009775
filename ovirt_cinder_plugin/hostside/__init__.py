"""What runs on a hypervisor: the VDSM hooks that turn Cinder disks into Ceph RBD network disks.

A hypervisor has neither Flask nor SQLAlchemy nor lxml, so this package imports ONLY the Python
standard library (``tests/unit/test_vdsm_hook_scripts.py`` proves it in an isolated interpreter),
and keeps its imports few: the hook scripts start a Python process for every VM start.

- :mod:`.rbd_disks` — the custom property ``ovirt_cinder_disks`` and the pure XML rewrite.
- :mod:`.hook` — VDSM's hook protocol: ``before_vm_start_main()``, ``before_disk_hotplug_main()``.
- :mod:`.install` — ``ovirt-cinder-vdsm-hooks install``: copies the hook scripts into VDSM.

This file imports nothing, so that importing one of those modules costs only that module.
"""
