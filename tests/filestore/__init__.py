"""``filestore``: a second, tiny storage plugin that lives in the tests, to prove that the engine
knows no backend: its disks are raw files in a directory, it registers its own storage-domain
type, disk rules, REST resource and VDSM hook scripts, and it is installed through an entry point
of its own (:func:`tests.filestore.install.installed`) like any third-party plugin."""
