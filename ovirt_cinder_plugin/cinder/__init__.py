"""The plugin's one boundary to OpenStack Cinder.

python-cinderclient on a keystoneauth1 session (Keystone v3, or no auth); cinderclient and
keystoneauth errors are translated here into :mod:`ovirt_cinder_plugin.cinder.errors`, and only
plain dataclasses leave this package.
"""
