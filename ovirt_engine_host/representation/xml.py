"""JSON-shaped dicts <-> oVirt 3.6 XML, one generic converter driven by ``api.xsd``.

oVirt's JSON uses the XML element names as keys, so a resource is one dict whichever way it
travels; only element order, attributes, repetition and value types differ, and the schema
(:mod:`.schema`) knows all of them. Serializing is strict, because a key the schema does not
have is a bug in the engine. Parsing is strict about names and values, because the body
comes from a client, and lenient about element order, as oVirt is.

Request bodies are parsed with defusedxml with DTDs forbidden outright: oVirt's API never
needs a DOCTYPE, and refusing it is the one defence against entity expansion ("billion
laughs") and external entities (local file disclosure, SSRF) that needs no further thought.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid
import xml.etree.ElementTree as StdElementTree
from collections.abc import Mapping, Sequence
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from .schema import SIMPLE_CONTENT_KEY, ComplexType, RepresentationError, SimpleType, api_schema

__all__ = [
    "JSON_MIMETYPE",
    "XML_MIMETYPES",
    "RepresentationError",
    "XmlRejected",
    "from_xml",
    "to_xml",
    "to_xml_collection",
    "to_xml_items",
    "wants_xml",
]

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
JSON_MIMETYPE = "application/json"
XML_MIMETYPES = ("application/xml", "text/xml")
_TRUE_TEXTS = frozenset({"true", "1"})
_FALSE_TEXTS = frozenset({"false", "0"})
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
MAX_DEPTH = 32
"""Deeper than any real request (the schema is recursive: user/domain/user/...); a client
nesting further would only be after the interpreter's recursion limit."""


class XmlRejected(RepresentationError):
    """A client's XML body is not acceptable; ``field`` is the element path at fault, if any."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


# --- serializing -----------------------------------------------------------------------------


def to_xml(element_name: str, data: Mapping[str, Any]) -> bytes:
    """``data`` as the global element ``element_name``: UTF-8, declared ``standalone="yes"`` like oVirt."""
    complex_type = api_schema().element_complex_type(element_name)
    root = etree.Element(element_name)
    _fill_complex(root, complex_type, data, element_name)
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)


def to_xml_collection(element_name: str, items: Sequence[Mapping[str, Any]]) -> bytes:
    """A plural element (``openstack_volume_providers``) holding ``items`` as its repeated item element,
    which the schema names (``openstack_volume_provider``)."""
    schema = api_schema()
    item = schema.collection_item(schema.element_type(element_name))
    return to_xml(element_name, {item.name: list(items)})


def to_xml_items(element_name: str, items: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Each of ``items`` as the item element of the plural ``element_name``, serialized as it
    appears inside :func:`to_xml_collection`'s document (indented one level, one per line
    group): a collection's document is its items' texts between ``<element_name>`` tags."""
    schema = api_schema()
    item = schema.collection_item(schema.element_type(element_name))
    complex_type = schema.complex_type(item.type_name)
    made = []
    for data in items:
        element = etree.Element(item.name)
        _fill_complex(element, complex_type, data, f"{element_name}/{item.name}")
        text = etree.tostring(element, encoding="UTF-8", pretty_print=True, with_tail=False)
        made.append(b"".join(b"  " + line for line in text.splitlines(keepends=True)))
    return made


def _fill_complex(element: etree._Element, complex_type: ComplexType, data: Any, path: str) -> None:
    """Attributes first, then children in the XSD's order, whatever the dict's order."""
    if not isinstance(data, Mapping):
        if complex_type.text_type is None:
            raise RepresentationError(f"{path}: {complex_type.name} needs a mapping, got {type(data).__name__}")
        data = {SIMPLE_CONTENT_KEY: data}
    _check_keys(complex_type, data, path)
    for name, attribute in complex_type.attributes.items():
        value = data.get(name)
        if value is not None:
            _set_attribute(element, name, value, api_schema().simple_type(attribute.type_name), f"{path}/@{name}")
    if complex_type.text_type is not None and data.get(SIMPLE_CONTENT_KEY) is not None:
        _set_text(element, data[SIMPLE_CONTENT_KEY], api_schema().simple_type(complex_type.text_type), path)
    for name, child in complex_type.children.items():
        value = data.get(name)
        if value is None:
            continue
        for occurrence in _occurrences(value, child.repeated, f"{path}/{name}"):
            _append(element, name, child.type_name, occurrence, f"{path}/{name}")


def _check_keys(complex_type: ComplexType, data: Mapping[str, Any], path: str) -> None:
    known = complex_type.children.keys() | complex_type.attributes.keys()
    if complex_type.text_type is not None:
        known |= {SIMPLE_CONTENT_KEY}
    unknown = [key for key in data if key not in known]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise RepresentationError(f"{path}: {names} not in the schema's {complex_type.name}")


def _occurrences(value: Any, repeated: bool, path: str) -> Sequence[Any]:
    """A repeated element is a list in JSON, a single one never is: mixing them up is a bug."""
    is_list = isinstance(value, list | tuple)
    if repeated and not is_list:
        raise RepresentationError(f"{path}: may repeat, so it takes a list, got {type(value).__name__}")
    if not repeated and is_list:
        raise RepresentationError(f"{path}: occurs at most once, so it cannot take a list")
    return [item for item in value if item is not None] if is_list else [value]


def _append(parent: etree._Element, name: str, type_name: str, value: Any, path: str) -> None:
    element = etree.SubElement(parent, name)
    schema = api_schema()
    if schema.is_complex(type_name):
        _fill_complex(element, schema.complex_type(type_name), value, path)
    else:
        _set_text(element, value, schema.simple_type(type_name), path)


def _set_attribute(element: etree._Element, name: str, value: Any, simple_type: SimpleType, path: str) -> None:
    try:
        element.set(name, _text(value, simple_type, path))
    except ValueError as error:  # lxml refuses control characters that XML 1.0 cannot carry
        raise RepresentationError(f"{path}: {error}") from None


def _set_text(element: etree._Element, value: Any, simple_type: SimpleType, path: str) -> None:
    try:
        element.text = _text(value, simple_type, path)
    except ValueError as error:  # lxml refuses control characters that XML 1.0 cannot carry
        raise RepresentationError(f"{path}: {error}") from None


def _text(value: Any, simple_type: SimpleType, path: str) -> str:
    """The XSD lexical form of a Python value, refusing values of the wrong kind."""
    if isinstance(value, Mapping | list | tuple):
        raise RepresentationError(f"{path}: {simple_type.name} needs a single value, got {type(value).__name__}")
    if simple_type.is_boolean:
        return _boolean_text(value, path)
    if simple_type.is_integer:
        return _integer_text(value, simple_type, path)
    if simple_type.is_datetime and isinstance(value, datetime.datetime):
        return value.isoformat()
    if simple_type.is_decimal and isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return str(value)
    return _string_text(value, simple_type, path)


def _boolean_text(value: Any, path: str) -> str:
    if not isinstance(value, bool):
        raise RepresentationError(f"{path}: xs:boolean needs a bool, got {type(value).__name__}")
    return "true" if value else "false"


def _integer_text(value: Any, simple_type: SimpleType, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RepresentationError(f"{path}: {simple_type.name} needs an int, got {type(value).__name__}")
    if simple_type.is_unsigned and value < 0:
        raise RepresentationError(f"{path}: {simple_type.name} cannot be negative ({value})")
    return str(value)


def _string_text(value: Any, simple_type: SimpleType, path: str) -> str:
    """Text as is; UUIDs and enum members are spelled the way the engine stores them."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, uuid.UUID):
        value = str(value)
    if not isinstance(value, str):
        raise RepresentationError(f"{path}: {simple_type.name} needs text, got {type(value).__name__}")
    if simple_type.enumeration and value not in simple_type.enumeration:
        raise RepresentationError(f"{path}: {value!r} is not one of {', '.join(simple_type.enumeration)}")
    return value


# --- parsing ---------------------------------------------------------------------------------


def from_xml(body: bytes, expected_element: str) -> dict[str, Any]:
    """A client's XML body as the JSON-shaped dict ``to_xml`` takes, or :class:`XmlRejected`.

    Booleans and integers become ``bool``/``int``, everything else stays text (dates too:
    the caller knows which fields it wants parsed further); repeated elements are lists.
    """
    complex_type = api_schema().element_complex_type(expected_element)  # before the body: a bug, not a 400
    root = _parse(body)
    if root.tag != expected_element:
        raise XmlRejected(f"expected the root element <{expected_element}>, got <{root.tag}>")
    return _read_complex(root, complex_type, expected_element)


def _parse(body: bytes) -> StdElementTree.Element:
    """defusedxml's parser, with every DTD refused before anything in it is acted on."""
    try:
        root: StdElementTree.Element = defused_fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise XmlRejected("XML with a DTD or entities is not accepted") from None
    except StdElementTree.ParseError as error:
        raise XmlRejected(f"malformed XML: {error}") from None
    return root


def _read_complex(element: StdElementTree.Element, complex_type: ComplexType, path: str) -> dict[str, Any]:
    result = _read_attributes(element, complex_type, path)
    text = element.text or ""
    if complex_type.text_type is not None and len(element) == 0:
        result[SIMPLE_CONTENT_KEY] = _value(text, api_schema().simple_type(complex_type.text_type), path)
    elif text.strip():
        raise XmlRejected("unexpected text in an element that holds elements", path)
    for child in element:
        child_path = f"{path}/{child.tag}"
        if child_path.count("/") >= MAX_DEPTH:
            raise XmlRejected(f"nested more than {MAX_DEPTH} elements deep", path)
        spec = complex_type.children.get(child.tag)
        if spec is None:
            raise XmlRejected("unknown element", child_path)
        if (child.tail or "").strip():
            raise XmlRejected("unexpected text after the element", child_path)
        value = _read(child, spec.type_name, child_path)
        if spec.repeated:
            result.setdefault(child.tag, []).append(value)
        elif child.tag in result:
            raise XmlRejected("occurs more than once", child_path)
        else:
            result[child.tag] = value
    return result


def _read_attributes(element: StdElementTree.Element, complex_type: ComplexType, path: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, text in element.attrib.items():
        attribute = complex_type.attributes.get(name)
        if attribute is None:
            raise XmlRejected("unknown attribute", f"{path}/@{name}")
        result[name] = _value(text, api_schema().simple_type(attribute.type_name), f"{path}/@{name}")
    return result


def _read(element: StdElementTree.Element, type_name: str, path: str) -> Any:
    schema = api_schema()
    if schema.is_complex(type_name):
        return _read_complex(element, schema.complex_type(type_name), path)
    if len(element):
        raise XmlRejected(f"holds a value, not the element <{element[0].tag}>", path)
    if element.attrib:
        raise XmlRejected("unknown attribute", f"{path}/@{next(iter(element.attrib))}")
    return _value(element.text or "", schema.simple_type(type_name), path)


def _value(text: str, simple_type: SimpleType, path: str) -> Any:
    """Typed per the XSD: booleans and integers as Python values, all else as the text sent."""
    if simple_type.is_boolean:
        return _boolean_value(text, path)
    if simple_type.is_integer:
        return _integer_value(text, simple_type, path)
    if simple_type.enumeration and text not in simple_type.enumeration:
        raise XmlRejected(f"{text!r} is not one of {', '.join(simple_type.enumeration)}", path)
    return text


def _boolean_value(text: str, path: str) -> bool:
    word = text.strip()
    if word in _TRUE_TEXTS:
        return True
    if word in _FALSE_TEXTS:
        return False
    raise XmlRejected(f"{text!r} is not a boolean (true or false)", path)


def _integer_value(text: str, simple_type: SimpleType, path: str) -> int:
    word = text.strip()
    if not _INTEGER_TEXT.fullmatch(word):
        raise XmlRejected(f"{text!r} is not an integer", path)
    value = int(word)
    if simple_type.is_unsigned and value < 0:
        raise XmlRejected(f"{value} is negative", path)
    return value


# --- content negotiation ---------------------------------------------------------------------


def wants_xml(accept_header: str | None, content_type: str | None = None) -> bool:
    """Whether to answer in XML. JSON is the default; XML when the Accept header prefers it
    over JSON, or when Accept expresses no preference between them (absent, ``*/*``, neither
    listed) and the client itself sent XML."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    json_first = accept.best_match([JSON_MIMETYPE, *XML_MIMETYPES])
    xml_first = accept.best_match([*XML_MIMETYPES, JSON_MIMETYPE])
    if json_first is not None and json_first == xml_first:  # a real preference, either way
        return json_first in XML_MIMETYPES
    return _is_xml(content_type)


def _is_xml(content_type: str | None) -> bool:
    if not content_type:
        return False
    mimetype, _options = parse_options_header(content_type)
    return mimetype.lower() in XML_MIMETYPES
