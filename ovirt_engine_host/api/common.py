"""Pieces every engine resource uses: name validation, id/href, lookups that 404, the key that
documents a field loaded by a method in the OpenAPI document."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import flask_smorest
import marshmallow as ma
from sqlalchemy.orm import Session

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
MAX_BYTES = 2**63 - 1
"""The most a size in bytes (a disk's, a VM's memory) may be: what the engine's 64-bit columns
hold. A larger number is refused by the schema, before anything is written."""

OPENAPI_SCHEMA = "openapi_schema"
"""Field metadata key: the marshmallow schema (class or instance) that documents the field in the
OpenAPI document (:mod:`ovirt_engine_host.openapi`)."""

Model = TypeVar("Model")


def name_field(max_length: int, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=[
            ma.validate.Length(min=1, max=max_length),
            ma.validate.Regexp(NAME_PATTERN, error="only letters, digits, '_', '.' and '-' are allowed"),
        ],
        **kwargs,
    )


class ResourceSchema(ma.Schema):
    """oVirt's common attributes: ``id`` and ``href``; ``collection_path`` makes the href."""

    collection_path = "/api"
    id = ma.fields.String(dump_only=True)
    href = ma.fields.Method("make_href", dump_only=True)

    def make_href(self, obj: Any) -> str:
        return f"{self.collection_path}/{obj.id}"


class RequiresAny(ma.Schema):
    """At least one field of each ``required_any`` group has a value: validated here, and
    documented as the OpenAPI's ``anyOf`` (:mod:`ovirt_engine_host.openapi`)."""

    required_any: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @ma.validates_schema
    def one_of_each_group(self, data: dict[str, Any], **_: Any) -> None:
        for group in self.required_any:
            if not any(data.get(name) for name in group):
                raise ma.ValidationError("give the " + " or the ".join(group), group[0])


class Reference(RequiresAny):
    """A reference to another resource, by id or by name (oVirt accepts either)."""

    required_any = (("id", "name"),)

    id = ma.fields.String()
    name = ma.fields.String()
    href = ma.fields.String(load_only=True)


class DropsEmpty(ma.Schema):
    """Leaves out what has no value: oVirt omits absent elements rather than sending nulls."""

    @ma.post_dump
    def drop_empty(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None}


def get_or_404(session: Session, model: type[Model], resource_id: str, what: str) -> Model:
    found = session.get(model, resource_id)
    if found is None:
        flask_smorest.abort(404, message=f"{what} {resource_id} not found")
        raise AssertionError("abort raises")
    return found
