"""oVirt's actions (``POST …/start``, ``…/activate``): an optional ``<action>`` body, and an
``<action>`` answer whose status says the action completed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import Reference


class ActionSchema(ma.Schema):
    xml_element = "action"

    host = ma.fields.Nested(Reference)
    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)


def completed() -> dict[str, Any]:
    return {"status": {"state": "complete"}}
