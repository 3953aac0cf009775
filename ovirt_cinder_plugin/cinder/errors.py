"""The exceptions of the Cinder boundary: one hierarchy, each with a message template.

Every class also says how the engine should answer: ``status`` is the HTTP status of the engine's
reply, ``transient`` whether trying again later may succeed (the network, or a Cinder that answered
with a server error) as opposed to a refusal that will be repeated as long as nothing changes.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CinderError(Exception):
    """Base of every error the Cinder boundary raises."""

    template: ClassVar[str] = "Cinder request failed: {cause}"
    # For a stored provider, a Cinder that fails is a bad gateway, not the client's fault.
    status: ClassVar[int] = 502
    transient: ClassVar[bool] = False

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        super().__init__(self.template.format(**fields))


class AuthenticationFailed(CinderError):
    """Keystone refused the credentials."""

    template = "authentication failed: Keystone at {auth_url} refused the credentials of user {username!r}"


class ServiceUnreachable(CinderError):
    """Nothing usable answered at a URL (refused, timed out, not Keystone/Cinder)."""

    template = "cannot reach {service} at {url}: {cause}"
    transient = True


class CinderServerError(CinderError):
    """Cinder (or Keystone) answered with a 5xx: its own failure, possibly gone on the next try."""

    template = "{service} at {url} failed: {cause}"
    transient = True


class UnsupportedApi(CinderError):
    """The server does not speak the Cinder v3 API with the microversions the plugin needs."""

    template = "Cinder at {url} does not support the API the plugin needs: {cause}"


class NoCinderApi(UnsupportedApi):
    """Version discovery found no Cinder v3 API at (or from) a URL; ``found`` says what answered."""

    template = "no Cinder v3 API at {url} (found: {found})"


class TokenRefused(CinderError):
    """Cinder answered 401: it does not accept the provider's token (a Keystone it does not trust,
    or no token at all for a provider without authentication)."""

    template = "Cinder at {url} refused the provider's token: {cause}"


class CinderRefused(CinderError):
    """Cinder answered a request with a 4xx: it will refuse it again until the request changes."""

    template = "Cinder refused the request: {cause}"
    status = 400


class QuotaExceeded(CinderRefused):
    """A project quota forbids the request: ours (checked beforehand) or Cinder's own (HTTP 413).

    The message names the quota and the numbers.
    """

    template = "{message}"
    status = 409


class VolumeInUse(CinderRefused):
    """Cinder will not delete the volume in its present state (snapshots, attachments, busy)."""

    template = "Cinder refused to delete volume {volume_id}: {cause}"
    status = 409


class SizeNotRepresentable(CinderRefused):
    """A size in bytes that no Cinder volume can have."""

    template = "{field}: Cinder volumes are sized in whole GiB; {size} bytes is not a positive multiple of 1073741824"
    status = 400


class VolumeTypeUnknown(CinderRefused):
    """The requested volume type does not exist (or is not visible to the provider's project)."""

    template = "openstack_volume_type: Cinder has no volume type {volume_type!r}"
    status = 400


class VolumeTypeNotFound(CinderRefused):
    """Cinder has no volume type of that id (or hides it from the provider's project)."""

    template = "Cinder has no volume type {volume_type_id}"
    status = 404


class VolumeTypeExists(CinderRefused):
    """Cinder already has a volume type of that name (names are unique in Cinder)."""

    template = "name: Cinder has a volume type named {name!r} already"
    status = 409


class VolumeTypeInUse(CinderRefused):
    """Cinder keeps a volume type as it is while volumes use it: no deletion, no change of its
    extra specs. ``cause`` is Cinder's own message."""

    template = "Cinder refused to {action} volume type {volume_type}: {cause}"
    status = 409


class VolumeTypesForbidden(CinderRefused):
    """Cinder's policy does not let the provider's user manage volume types (an admin's right):
    the engine's administrator may, the provider's account may not."""

    template = "Cinder does not let the provider's user manage volume types: {cause}"
    status = 409


class RetypeRefused(CinderRefused):
    """Cinder refused to change a volume's type; ``cause`` is its reason. The volume is as it was."""

    template = "openstack_volume_type: Cinder refused to retype volume {volume_id} to {volume_type!r}: {cause}"
    status = 409


class SnapshotInUse(CinderRefused):
    """Cinder will not delete the snapshot: a volume made from it still depends on it."""

    template = "Cinder refused to delete snapshot {snapshot_id}: {cause}"
    status = 409


class SecretMissing(CinderError):
    """Cinder names a libvirt secret the provider holds no authentication key for."""

    status = 409
    template = (
        "the volume's connection needs the libvirt secret {uuid} (Cinder's rbd_secret_uuid): add an "
        "authentication key with that uuid to the OpenStack volume provider {provider}"
    )
