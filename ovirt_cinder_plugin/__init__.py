"""OpenStack Cinder volumes on Ceph RBD for an oVirt-style engine.

A pluggy plugin: the engine finds it through the entry point group ``ovirt_engine.plugins``
(name ``cinder``) and calls its hook implementations for storage domains of type ``cinder``.
The plugin never imports the engine; the two share only the pluggy project name.
"""
