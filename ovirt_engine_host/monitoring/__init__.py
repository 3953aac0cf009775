"""The storage-domain monitor: a thread in every engine process, next to the command poller,
that keeps the engine's picture of each storage domain's backend current.

- :mod:`.leases`: which process works on a domain now (a conditional ``UPDATE`` of the domain's
  ``storage_domain_monitors`` row, as commands are leased), so that one process per period
  probes and reconciles a domain, whatever the number of engine processes on the database;
- :mod:`.status`: the domain's status (``active``, or ``inactive`` once its backend has not
  answered for a while) and capacity, from the plugin's ``ovirt_engine_domain_status``;
- :mod:`.reconcile`: the domain's disks against ONE volume list of its backend
  (``ovirt_engine_list_volumes``): vanished or failed volumes make disks ``illegal``, a volume
  resized outside the engine gives its disk its size, a failed volume that is fine again makes
  the disk ``ok`` again; nothing is ever deleted and a disk with an operation under way is
  left alone;
- :mod:`.monitor`: the thread. A backend that hangs delays only this thread, never the command
  poll cycle, which runs in its own.
"""
