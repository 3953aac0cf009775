"""The command coordinator (oVirt's CoCo): asynchronous backend operations persisted as
commands, polled in batches by a poller in every engine process, resumed after a restart."""
