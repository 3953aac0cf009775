"""The OpenAPI document (``/api/openapi.json``) says what the API really accepts, for the
engine's and the plugins' resources alike; the marshmallow schemas stay the one source.

flask-smorest and apispec document the plain fields; this module adds, in one place:

- HTTP Basic, which every operation requires (``rest.require_authentication``);
- fields whose value a schema loads in a method (``ma.fields.Method(..., deserialize=...)``):
  a field's ``metadata={OPENAPI_SCHEMA: SomeSchema}`` documents it as that schema (the key is
  :data:`ovirt_engine_host.api.common.OPENAPI_SCHEMA`; plugins, which do not import the engine,
  spell it ``"openapi_schema"``);
- ``required_any`` on a schema (a tuple of field-name groups: at least one of each group must be
  given) as ``anyOf`` of ``required``;
- oVirt's XML: a schema that names its element (``xml_element``, ``rest.BodyParser`` reads XML
  bodies for it) gets ``application/xml`` beside ``application/json`` in the request bodies and
  responses that use it, an ``xml`` name (``xml_collection`` for lists), and what oVirt's XSD
  says of its properties: attributes (``id``, ``href``, a CPU topology's ``sockets``…) and
  properties it has no element for ("JSON only").

``create_app`` installs these (:func:`spec_options`, :class:`OvirtOpenApiPlugin`, :func:`install`);
:mod:`ovirt_engine_host.openapi_document` writes the document of a throw-away app.
"""

from __future__ import annotations

import copy
from typing import Any

import marshmallow as ma
from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter

from ovirt_engine_host.api.common import OPENAPI_SCHEMA
from ovirt_engine_host.representation.schema import api_schema

XML_MEDIA_TYPE = "application/xml"
JSON_MEDIA_TYPE = "application/json"
JSON_ONLY = "JSON only: oVirt's XML schema has no such element."
SECURITY_SCHEME = "basic"

API_DESCRIPTION = (
    "Every request body is JSON or oVirt 3.6's XML (application/xml); send Accept: application/xml "
    "for XML answers. Text cannot hold what XML 1.0 cannot carry (control characters other than tab, "
    "newline and carriage return): it is refused (422) in JSON too."
)


def spec_options() -> dict[str, Any]:
    """``API_SPEC_OPTIONS``: every documented operation requires HTTP Basic (the documentation
    itself is public and not in the document)."""
    return {
        "info": {"description": API_DESCRIPTION},
        "components": {"securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "basic"}}},
        "security": [{SECURITY_SCHEME: []}],
    }


def _instance(schema: Any) -> ma.Schema | None:
    if isinstance(schema, type) and issubclass(schema, ma.Schema):
        return schema()
    return schema if isinstance(schema, ma.Schema) else None


def field_documented_by_schema(
    self: OpenAPIConverter, field: ma.fields.Field[Any], ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """apispec attribute function: a field whose metadata names ``OPENAPI_SCHEMA``."""
    schema = field.metadata.get(OPENAPI_SCHEMA)
    if schema is None:
        return {}
    resolve: Any = self.resolve_nested_schema  # untyped in apispec
    reference: dict[str, Any] = resolve(schema)
    return {"allOf": [reference]} if ret else reference


def _given(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """``name`` has a value, as ``RequiresAny`` checks it (an empty string is none)."""
    alternative: dict[str, Any] = {"required": [name]}
    if properties.get(name, {}).get("type") == "string":
        alternative["properties"] = {name: {"minLength": 1}}
    return alternative


class OvirtOpenApiPlugin(BasePlugin):
    """Runs after apispec's marshmallow plugin: components are JSON schemas, bodies references."""

    def __init__(self) -> None:
        self.xml_names: dict[str, tuple[str, str | None]] = {}
        """Component name -> (xml_element, xml_collection)."""

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        schema = _instance(kwargs.get("schema"))
        if schema is None:
            return {}
        extra: dict[str, Any] = {}
        properties = definition.get("properties", {})
        groups = getattr(schema, "required_any", ())
        alternatives = [{"anyOf": [_given(name_, properties) for name_ in group]} for group in groups]
        if len(alternatives) == 1:
            extra.update(alternatives[0])
        elif alternatives:
            extra["allOf"] = alternatives
        element = getattr(schema, "xml_element", None)
        if element:
            self.xml_names[name] = (element, getattr(schema, "xml_collection", None))
            extra["xml"] = {"name": element}
        return extra

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {})
            self._add_xml(body, request=True)
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict):
                    self._add_xml(response.get("content", {}), request=False)

    def _add_xml(self, content: dict[str, Any], request: bool) -> None:
        document = content.get(JSON_MEDIA_TYPE)
        if not document or XML_MEDIA_TYPE in content:
            return
        schema = document.get("schema", {})
        single = self._component(schema)
        if single is not None:
            content[XML_MEDIA_TYPE] = copy.deepcopy(document)
            self._follow_xsd(single, api_schema().element_type(self.xml_names[single][0]), set())
            return
        items = self._component(schema.get("items", {})) if schema.get("type") == "array" else None
        if items is not None and not request and self.xml_names[items][1]:
            listed = {**copy.deepcopy(schema), "xml": {"name": self.xml_names[items][1], "wrapped": True}}
            content[XML_MEDIA_TYPE] = {**copy.deepcopy(document), "schema": listed}

    def _follow_xsd(self, name: str, type_name: str, seen: set[tuple[str, str]]) -> None:
        """What oVirt's XSD says of a component's properties in XML: attributes (``id``,
        ``href``, a CPU topology's ``sockets``…) and properties it has no element for."""
        if (name, type_name) in seen:
            return
        seen.add((name, type_name))
        xsd = api_schema()
        complex_type = xsd.complex_type(type_name)
        for property_name, prop in self.spec.components.schemas[name].get("properties", {}).items():
            child = complex_type.children.get(property_name)
            target = _referenced(prop)
            if property_name in complex_type.attributes and target is None:
                prop["xml"] = {"attribute": True}
            elif child is not None and target is not None and xsd.is_complex(child.type_name):
                self._follow_xsd(target, child.type_name, seen)
            elif child is None and target is None and not prop.get("readOnly"):
                description = prop.get("description", "")
                if JSON_ONLY not in description:
                    prop["description"] = f"{description} {JSON_ONLY}".strip()

    def _component(self, schema: dict[str, Any]) -> str | None:
        reference = schema.get("$ref", "")
        name = reference.rpartition("/")[2]
        return name if reference.startswith("#/components/schemas/") and name in self.xml_names else None


def _referenced(prop: dict[str, Any]) -> str | None:
    """The component a property holds (``$ref``, an ``allOf`` of one, or an array's items)."""
    if prop.get("type") == "array":
        prop = prop.get("items", {})
    if len(prop.get("allOf", ())) == 1:
        prop = prop["allOf"][0]
    reference = str(prop.get("$ref", ""))
    return reference.rpartition("/")[2] if reference.startswith("#/components/schemas/") else None


def install(api: Any) -> None:
    """Before any blueprint is registered: formats and fields that apispec cannot know."""
    api.ma_plugin.converter.add_attribute_function(field_documented_by_schema)
    api.register_field(ma.fields.Url, "string", "uri")
