"""The engine's service layer: what the REST views call. Each module owns one kind of entity
(disks, VMs, hosts, users) and its rules; views stay thin, and the service layer validates
everything before it writes anything."""
