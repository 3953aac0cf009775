"""The engine's XML representation of REST resources, driven by oVirt 3.6's ``api.xsd``.

The REST API speaks JSON by default and XML on request. Both use oVirt's names (JSON keys
are the XML element names), so one generic converter, which learns element order,
attributes, repetition and value types from the schema shipped in this package, covers
every resource: :func:`to_xml` / :func:`to_xml_collection` render a JSON-shaped dict,
:func:`from_xml` parses a request body back into one, and :func:`wants_xml` decides which
of the two a request should get.
"""

from __future__ import annotations

from .schema import (
    Attribute,
    ChildElement,
    ComplexType,
    RepresentationError,
    Schema,
    SimpleType,
    api_schema,
    xsd_bytes,
)
from .xml import XmlRejected, from_xml, to_xml, to_xml_collection, to_xml_items, wants_xml

__all__ = [
    "Attribute",
    "ChildElement",
    "ComplexType",
    "RepresentationError",
    "Schema",
    "SimpleType",
    "XmlRejected",
    "api_schema",
    "from_xml",
    "to_xml",
    "to_xml_collection",
    "to_xml_items",
    "wants_xml",
    "xsd_bytes",
]
