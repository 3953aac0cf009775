"""OpenStack volume providers and their authentication keys.

Secrets (the provider's password, a key's value) are stored only encrypted, by the engine's
secret box. The engine's tables are referenced by id; the foreign keys to them are created by
the migration, not declared here (the plugin's metadata does not include engine tables).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ovirt_engine_host.contract import NAMING_CONVENTION


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Provider(Base):
    __tablename__ = "cinder_providers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The URL as the administrator gave it (Cinder's root, /v3, /v3/{project_id}, or empty for the
    # catalog's volumev3 endpoint); shown back unchanged.
    url: Mapped[str] = mapped_column(String(2048))
    # The Cinder v3 endpoint that version discovery found from ``url`` when the provider was last
    # added or had its connection settings changed: where every request of the plugin goes. Empty
    # only for a provider stored before it was kept (found again from ``url`` at each connection).
    endpoint: Mapped[str] = mapped_column(String(2048), default="", server_default="")
    requires_authentication: Mapped[bool] = mapped_column(Boolean, default=False)
    username: Mapped[str] = mapped_column(String(255), default="")
    password_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    tenant_name: Mapped[str] = mapped_column(String(255), default="")
    authentication_url: Mapped[str] = mapped_column(String(2048), default="")
    properties: Mapped[str] = mapped_column(Text, default="{}")  # JSON object name -> value
    data_center_id: Mapped[str] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    keys: Mapped[list[AuthenticationKey]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", lazy="selectin"
    )


class AuthenticationKey(Base):
    __tablename__ = "cinder_authentication_keys"
    __table_args__ = (UniqueConstraint("provider_id", "uuid", name="uq_cinder_authentication_keys_provider_uuid"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    provider_id: Mapped[str] = mapped_column(ForeignKey("cinder_providers.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(Text, default="")
    usage_type: Mapped[str] = mapped_column(String(20), default="ceph")
    value_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    creation_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # views dump after their session closed: load the few rows involved eagerly
    provider: Mapped[Provider] = relationship(back_populates="keys", lazy="joined")
