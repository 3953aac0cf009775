"""The plugin's service layer for OpenStack volume providers and their authentication keys:
what the REST views call. Adding a provider, or changing its connection settings, checks Keystone
and Cinder first (a connection that made one authenticated request), then writes the provider
(with the Cinder v3 endpoint discovered from its URL) and, for an add, its ``cinder`` storage
domain in one transaction, so that a refusal leaves no row written or changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_cinder_plugin.cinder.connection import CinderConnection, CinderCredentials, connect
from ovirt_cinder_plugin.cinder.errors import (
    AuthenticationFailed,
    CinderError,
    CinderServerError,
    ServiceUnreachable,
    TokenRefused,
)
from ovirt_cinder_plugin.cinder.volume_types import (
    VolumeType,
    create_volume_type,
    delete_volume_type,
    get_volume_type,
    list_volume_types,
    update_volume_type,
)
from ovirt_cinder_plugin.db.models import AuthenticationKey, Provider, new_id
from ovirt_cinder_plugin.services.connections import ConnectionCache

LOG = logging.getLogger(__name__)

STORAGE_DOMAIN_TYPE = "cinder"
CONNECTION_FIELDS = {
    "url",
    "requires_authentication",
    "username",
    "password",
    "tenant_name",
    "authentication_url",
    "properties",
}


@dataclass
class ProviderRefused(Exception):
    """A request the plugin refuses: ``status`` is the HTTP status, ``message`` names the field."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def refusal_for(
    error: CinderError, requires_authentication: bool, brought: frozenset[str] = frozenset()
) -> ProviderRefused:
    """How an add or an update answers when the provider's settings do not work: 400 naming the
    field to change, or 502 when Keystone failed on its own or Cinder answered with a server
    error (a retry may succeed). Whatever answers at the URL, or nothing at all, is the URL's
    fault; an unreachable Keystone is the request's when the request brought its URL
    (``brought``: the fields the request sets), Keystone's own failure otherwise."""
    if isinstance(error, AuthenticationFailed):
        return ProviderRefused(400, f"authentication_url: {error}")
    if isinstance(error, ServiceUnreachable) and error.fields.get("service") == "Keystone":
        if "authentication_url" in brought:
            return ProviderRefused(400, f"authentication_url: {error}")
        return ProviderRefused(502, str(error))
    if isinstance(error, CinderServerError):
        return ProviderRefused(502, str(error))
    if isinstance(error, TokenRefused):
        if not requires_authentication:
            return ProviderRefused(
                400, f"requires_authentication: {error} (this Cinder wants a Keystone token: set it to true)"
            )
        return ProviderRefused(400, f"authentication_url: {error} (a token of a Keystone this Cinder does not trust)")
    return ProviderRefused(400, f"url: {error}")


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


class ProviderService:
    """``services`` is the engine's service facade (session_factory, secret_box, data_centers,
    storage_domains); ``connector`` opens Cinder connections (replaceable in unit tests)."""

    def __init__(self, services: Any, connector: Callable[[CinderCredentials], CinderConnection] = connect) -> None:
        self.services = services
        self.connect = connector
        self.connections = ConnectionCache(connector)

    def session(self) -> Session:
        session: Session = self.services.session_factory()
        return session

    # -- credentials --------------------------------------------------------------------
    def credentials(self, provider: Provider, url: str | None = None) -> CinderCredentials:
        """The provider's credentials; Cinder is looked for at ``url``, by default at the stored
        endpoint (at the provider's URL for a provider stored before endpoints were kept)."""
        where = (provider.endpoint or provider.url) if url is None else url
        properties = json.loads(provider.properties or "{}")
        password = ""
        if provider.password_encrypted:
            password = self.services.secret_box.decrypt(provider.password_encrypted)
        if not provider.requires_authentication:
            return CinderCredentials(url=where, project_name=provider.tenant_name or "admin")
        return CinderCredentials(
            url=where,
            auth_url=provider.authentication_url,
            username=provider.username,
            password=password,
            project_name=provider.tenant_name,
            user_domain_name=properties.get("user_domain_name", "Default"),
            project_domain_name=properties.get("project_domain_name", "Default"),
        )

    def check(self, provider: Provider, brought: frozenset[str] = frozenset()) -> CinderConnection:
        """Prove that the provider's settings work, as an add or an update must before writing:
        Keystone accepts the credentials, version discovery finds Cinder v3 from the provider's
        URL (as given, not the stored endpoint), and an authenticated request succeeds. Raises
        ProviderRefused (see :func:`refusal_for`; ``brought``: the fields the request sets)."""
        try:
            return self.connect(self.credentials(provider, url=provider.url))
        except CinderError as error:
            raise refusal_for(error, provider.requires_authentication, brought) from error

    def cached_connection(self, provider: Provider) -> CinderConnection:
        """The provider's open connection (raises the boundary's CinderError when it cannot
        connect: the disk operations keep their own error mapping)."""
        return self.connections.get(provider, lambda: self.credentials(provider))

    # -- volume types (live, from Cinder) -----------------------------------------------
    def volume_types(self, provider: Provider) -> list[VolumeType]:
        """Cinder's volume types, by name; the boundary's CinderError (with its ``status``) when
        Cinder cannot be reached or refuses."""
        return list_volume_types(self.cached_connection(provider))

    def volume_type(self, provider: Provider, volume_type_id: str) -> VolumeType:
        """One of Cinder's volume types, by id or name; VolumeTypeNotFound (404) when Cinder has
        none."""
        return get_volume_type(self.cached_connection(provider), volume_type_id)

    def add_volume_type(self, provider: Provider, data: dict[str, Any]) -> VolumeType:
        """A new Cinder volume type; ``data`` is checked by the schema already (name,
        description, ``properties`` as extra specs), so Cinder hears only a request it takes."""
        return create_volume_type(
            self.cached_connection(provider),
            name=data["name"],
            description=data.get("description", ""),
            extra_specs=data.get("properties", {}),
        )

    def update_volume_type(self, provider: Provider, volume_type_id: str, data: dict[str, Any]) -> VolumeType:
        """Change what ``data`` names; ``properties`` replace the type's extra specs."""
        if not data:
            raise ProviderRefused(400, "openstack_volume_type: give a name, a description or properties to change")
        return update_volume_type(
            self.cached_connection(provider),
            volume_type_id,
            name=data.get("name"),
            description=data.get("description"),
            extra_specs=data.get("properties"),
        )

    def remove_volume_type(self, provider: Provider, volume_type_id: str) -> None:
        """Delete a Cinder volume type (409 in Cinder's words while volumes use it)."""
        delete_volume_type(self.cached_connection(provider), volume_type_id)

    # -- providers ----------------------------------------------------------------------
    def get(self, session: Session, provider_id: str) -> Provider:
        provider = session.get(Provider, provider_id)
        if provider is None:
            raise ProviderRefused(404, f"OpenStack volume provider {provider_id} not found")
        return provider

    def list(self, session: Session) -> list[Provider]:
        return list(session.scalars(select(Provider).order_by(Provider.name)))

    def _name_taken(self, session: Session, name: str, except_id: str | None = None) -> bool:
        found = session.scalar(select(Provider).where(Provider.name == name))
        return found is not None and found.id != except_id

    def add(self, data: dict[str, Any]) -> Provider:
        reference = data.pop("data_center")
        data_center = self.services.data_centers.find(reference.get("id") or reference.get("name"))
        if data_center is None:
            raise ProviderRefused(400, f"data_center: no data center {reference.get('id') or reference.get('name')!r}")
        with self.session() as session:
            if self._name_taken(session, data["name"]):
                raise ProviderRefused(409, f"name: an OpenStack volume provider named {data['name']!r} exists")
            provider = Provider(id=new_id(), data_center_id=data_center.id)
            self._apply(provider, data)
            provider.endpoint = self.check(provider, frozenset(data)).endpoint
            # the engine writes its domain, in this transaction: both commit or neither does
            self.services.storage_domains.create(
                session,
                data_center_id=data_center.id,
                name=provider.name,
                type=STORAGE_DOMAIN_TYPE,
                backend_ref=provider.id,
                description=f"Cinder volumes of the OpenStack volume provider {provider.name}",
            )
            session.add(provider)
            self._commit(session, provider.name)
            LOG.info(
                "added OpenStack volume provider %s (%s) at %s, Cinder v3 at %s",
                provider.name,
                provider.id,
                provider.url or "the catalog's volumev3 endpoint",
                provider.endpoint,
            )
            return provider

    def update(self, provider_id: str, data: dict[str, Any]) -> Provider:
        if "data_center" in data:
            raise ProviderRefused(400, "data_center: a provider cannot move to another data center")
        with self.session() as session:
            provider = self.get(session, provider_id)
            if "name" in data and self._name_taken(session, data["name"], except_id=provider.id):
                raise ProviderRefused(409, f"name: an OpenStack volume provider named {data['name']!r} exists")
            # Nothing reaches the database before the check has passed: a refused update leaves
            # the row as it was (the session rolls the in-memory changes back when it closes).
            with session.no_autoflush:
                self._apply(provider, data)
                if CONNECTION_FIELDS & set(data):
                    provider.endpoint = self.check(provider, frozenset(data)).endpoint
            if "name" in data:
                domain = self.services.storage_domains.by_backend_ref(session, STORAGE_DOMAIN_TYPE, provider.id)
                if domain is not None:
                    self.services.storage_domains.rename(session, domain, provider.name)
            self._commit(session, provider.name)
            self.connections.forget(provider.id)
            return provider

    def remove(self, provider_id: str, force: bool) -> None:
        with self.session() as session:
            provider = self.get(session, provider_id)
            domain = self.services.storage_domains.by_backend_ref(session, STORAGE_DOMAIN_TYPE, provider.id)
            disks = self.services.disks_on_storage_domain(domain.id) if domain is not None else 0
            if disks and not force:
                raise ProviderRefused(409, f"the provider's storage domain still has {disks} disk(s); use force=true")
            session.delete(provider)
            session.flush()
            if domain is not None:
                self.services.storage_domains.remove(session, domain)
            session.commit()
            self.connections.forget(provider.id)
            LOG.info("removed OpenStack volume provider %s (%s)", provider.name, provider.id)

    def _apply(self, provider: Provider, data: dict[str, Any]) -> None:
        for field in (
            "name",
            "description",
            "url",
            "requires_authentication",
            "username",
            "tenant_name",
            "authentication_url",
        ):
            if field in data:
                setattr(provider, field, data[field])
        if "password" in data:
            provider.password_encrypted = (
                self.services.secret_box.encrypt(data["password"]) if data["password"] else None
            )
        if "properties" in data:
            provider.properties = json.dumps(data["properties"], sort_keys=True)
        if provider.requires_authentication:
            missing = [
                f
                for f, v in (
                    ("username", provider.username),
                    ("password", provider.password_encrypted),
                    ("tenant_name", provider.tenant_name),
                    ("authentication_url", provider.authentication_url),
                )
                if not v
            ]
            if missing:
                raise ProviderRefused(400, f"{missing[0]}: required when requires_authentication is true")
        elif not provider.url:
            raise ProviderRefused(
                400, "url: required when requires_authentication is false (only Keystone's catalog can name Cinder)"
            )
        else:
            # without Keystone, Cinder's noauth mode takes the user and the project in HTTP
            # headers, which carry Latin-1 text only
            for field in ("username", "tenant_name"):
                value = getattr(provider, field) or ""
                if not _latin1(value):
                    raise ProviderRefused(
                        400, f"{field}: without authentication it travels in an HTTP header: Latin-1 text only"
                    )

    @staticmethod
    def _commit(session: Session, name: str) -> None:
        try:
            session.commit()
        except IntegrityError as error:
            session.rollback()
            raise ProviderRefused(409, f"name: {name!r} is taken (by a provider or a storage domain)") from error

    # -- authentication keys ------------------------------------------------------------
    def add_key(self, provider_id: str, data: dict[str, Any]) -> AuthenticationKey:
        with self.session() as session:
            provider = self.get(session, provider_id)
            if any(k.uuid == data["uuid"] for k in provider.keys):
                raise ProviderRefused(409, f"uuid: the provider already has a key {data['uuid']}")
            key = AuthenticationKey(
                provider=provider,
                uuid=data["uuid"],
                description=data.get("description", ""),
                usage_type=data["usage_type"],
                value_encrypted=self.services.secret_box.encrypt(data["value"]),
            )
            session.add(key)
            session.commit()
            self._keys_changed(provider.data_center_id)
            return key

    def get_key(self, session: Session, provider_id: str, key_id: str) -> AuthenticationKey:
        key = session.get(AuthenticationKey, key_id)
        if key is None or key.provider_id != provider_id:
            raise ProviderRefused(404, f"authentication key {key_id} not found")
        return key

    def update_key(self, provider_id: str, key_id: str, data: dict[str, Any]) -> AuthenticationKey:
        with self.session() as session:
            key = self.get_key(session, provider_id, key_id)
            if "uuid" in data and data["uuid"] != key.uuid:
                raise ProviderRefused(400, "uuid: the uuid of a key cannot change; add a new key")
            if "description" in data:
                key.description = data["description"]
            if "usage_type" in data:
                key.usage_type = data["usage_type"]
            if "value" in data:
                key.value_encrypted = self.services.secret_box.encrypt(data["value"])
            session.commit()
            self._keys_changed(key.provider.data_center_id)
            return key

    def remove_key(self, provider_id: str, key_id: str) -> None:
        with self.session() as session:
            key = self.get_key(session, provider_id, key_id)
            data_center_id = key.provider.data_center_id
            session.delete(key)
            session.commit()
        self._keys_changed(data_center_id)

    def _keys_changed(self, data_center_id: str) -> None:
        """Active hosts get the new keys now."""
        self.services.host_secrets_changed(data_center_id)
