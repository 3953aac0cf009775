"""``/api/storagedomains/{id}/disks;unregistered``: volumes a storage domain holds that the engine
does not know, and their registration."""
