"""The plugin's one boundary to OpenStack Cinder.

python-cinderclient on a keystoneauth1 session (Keystone v3, or no auth), talking to the v3
endpoint that keystoneauth's version discovery finds. Every public function of this package is
decorated with :func:`ovirt_cinder_plugin.cinder.calls.boundary`, which translates cinderclient
and keystoneauth errors into :mod:`ovirt_cinder_plugin.cinder.errors`; only plain dataclasses and
our exceptions leave this package.
"""
