"""The plugin's service layer: providers and their keys, disk operations, host access (Cinder
attachments and libvirt secrets), quota; what the hook implementations and the REST views call,
over the Cinder boundary (:mod:`ovirt_cinder_plugin.cinder`)."""
