"""What oVirt 3.6's REST schema (``api.xsd``) says about each element and type.

The XSD is the single source of truth for element order, cardinality and value types, so
nothing here is written by hand: the schema is parsed with lxml the first time it is needed
(never at import time, so importing the engine stays cheap) and every complexType is
flattened on first use and cached. Flattening means inheritance through ``xs:extension``
(base first, recursively), ``xs:group`` references, nested sequences and ``xs:choice``
become one ordered mapping of child elements, which is all a JSON <-> XML converter needs.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

XS_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
XSD_RESOURCE = "api.xsd"
BASE_COLLECTION_TYPE = "BaseResources"
SIMPLE_CONTENT_KEY = "value"
"""The key that holds an element's text when its type has simple content plus attributes
(JAXB's ``@XmlValue`` property, which is what oVirt's JSON calls it)."""

_XS = f"{{{XS_NAMESPACE}}}"
_PACKAGE = __name__.rpartition(".")[0]
_UNBOUNDED = "unbounded"
BOOLEAN_TYPES = frozenset({"xs:boolean"})
INTEGER_TYPES = frozenset(
    {
        "xs:byte",
        "xs:short",
        "xs:int",
        "xs:long",
        "xs:integer",
        "xs:unsignedByte",
        "xs:unsignedShort",
        "xs:unsignedInt",
        "xs:unsignedLong",
        "xs:nonNegativeInteger",
        "xs:positiveInteger",
    }
)
UNSIGNED_TYPES = frozenset(
    {"xs:unsignedByte", "xs:unsignedShort", "xs:unsignedInt", "xs:unsignedLong", "xs:nonNegativeInteger"}
)
DATETIME_TYPES = frozenset({"xs:dateTime"})
DECIMAL_TYPES = frozenset({"xs:decimal", "xs:double", "xs:float"})
STRING_TYPES = frozenset({"xs:string", "xs:normalizedString", "xs:token", "xs:anyURI"})
BUILTIN_TYPES = BOOLEAN_TYPES | INTEGER_TYPES | DATETIME_TYPES | DECIMAL_TYPES | STRING_TYPES


class RepresentationError(Exception):
    """The engine asked for something the schema does not have: a programming error."""


@dataclass(frozen=True)
class Occurs:
    """How often a particle may occur; ``maximum`` None means unbounded."""

    minimum: int = 1
    maximum: int | None = 1

    def __mul__(self, other: Occurs) -> Occurs:
        """Nesting multiplies: an optional group makes its members optional, a repeated one repeats them."""
        maximum = None if self.maximum is None or other.maximum is None else self.maximum * other.maximum
        return Occurs(self.minimum * other.minimum, maximum)

    def merged(self, other: Occurs) -> Occurs:
        """The loosest of both, for a name that the schema declares in two places (e.g. choice branches)."""
        maximum = None if self.maximum is None or other.maximum is None else max(self.maximum, other.maximum)
        return Occurs(min(self.minimum, other.minimum), maximum)


@dataclass(frozen=True)
class SimpleType:
    """A value type: an XSD built-in (``xs:int``) or a named restriction of one (an enum)."""

    name: str
    builtin: str
    enumeration: tuple[str, ...] = ()

    @property
    def is_boolean(self) -> bool:
        return self.builtin in BOOLEAN_TYPES

    @property
    def is_integer(self) -> bool:
        return self.builtin in INTEGER_TYPES

    @property
    def is_unsigned(self) -> bool:
        return self.builtin in UNSIGNED_TYPES

    @property
    def is_datetime(self) -> bool:
        return self.builtin in DATETIME_TYPES

    @property
    def is_decimal(self) -> bool:
        return self.builtin in DECIMAL_TYPES


@dataclass(frozen=True)
class ChildElement:
    """One child element of a complexType, as the converter needs it.

    ``is_ref`` tells a ``ref=`` to a global element (its type comes from that element) from a
    local ``name=``/``type=`` declaration; ``declared_in`` is the complexType whose content
    model declares it, which tells a collection's own item element from inherited ones.
    """

    name: str
    type_name: str
    is_ref: bool
    min_occurs: int
    max_occurs: int | None
    declared_in: str

    @property
    def repeated(self) -> bool:
        """Whether it is a list in JSON: it may occur more than once."""
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def required(self) -> bool:
        return self.min_occurs > 0


@dataclass(frozen=True)
class Attribute:
    """An XML attribute of a complexType; a plain key in JSON."""

    name: str
    type_name: str
    required: bool


@dataclass(frozen=True)
class ComplexType:
    """A complexType with everything it inherits, flattened.

    ``children`` is ordered as the XSD requires the elements to appear. ``text_type`` is the
    simple type of the element's own text for ``xs:simpleContent`` types, else None.
    ``ancestry`` lists the type itself followed by its bases, nearest first.
    """

    name: str
    children: Mapping[str, ChildElement]
    attributes: Mapping[str, Attribute]
    text_type: str | None
    ancestry: tuple[str, ...]

    def derives_from(self, type_name: str) -> bool:
        return type_name in self.ancestry


class Schema:
    """An index of one XSD's global declarations, answering questions per name (cached)."""

    def __init__(self, root: etree._Element) -> None:
        self._elements: dict[str, str] = {}
        self._complex_nodes: dict[str, etree._Element] = {}
        self._simple_nodes: dict[str, etree._Element] = {}
        self._group_nodes: dict[str, etree._Element] = {}
        self._complex_types: dict[str, ComplexType] = {}
        self._simple_types: dict[str, SimpleType] = {}
        self._index(root)

    def _index(self, root: etree._Element) -> None:
        """Only the schema's top level is read here; type bodies are analysed on demand."""
        for tag, node in _xs_children(root):
            name = node.get("name")
            if name is None:
                continue
            if tag == "element":
                self._elements[name] = _element_type(node)
            elif tag == "complexType":
                self._complex_nodes[name] = node
            elif tag == "simpleType":
                self._simple_nodes[name] = node
            elif tag == "group":
                self._group_nodes[name] = node

    @property
    def element_names(self) -> frozenset[str]:
        return frozenset(self._elements)

    @property
    def complex_type_names(self) -> frozenset[str]:
        return frozenset(self._complex_nodes)

    def element_type(self, element_name: str) -> str:
        """The type name of a global element, e.g. ``openstack_volume_provider`` -> ``OpenStackVolumeProvider``."""
        try:
            return self._elements[element_name]
        except KeyError:
            raise RepresentationError(f"{element_name!r} is not a global element of the oVirt schema") from None

    def is_complex(self, type_name: str) -> bool:
        return type_name in self._complex_nodes

    def element_complex_type(self, element_name: str) -> ComplexType:
        """The complexType of a global element; a simple-typed element is an error here."""
        type_name = self.element_type(element_name)
        if not self.is_complex(type_name):
            raise RepresentationError(f"element {element_name!r} has the simple type {type_name}, not a complexType")
        return self.complex_type(type_name)

    def simple_type(self, type_name: str) -> SimpleType:
        """A built-in type or a named ``xs:restriction`` (its enumeration values included)."""
        cached = self._simple_types.get(type_name)
        if cached is None:
            cached = self._simple_types[type_name] = self._build_simple_type(type_name)
        return cached

    def complex_type(self, type_name: str) -> ComplexType:
        """The flattened complexType (children in XSD order, inherited ones first)."""
        cached = self._complex_types.get(type_name)
        if cached is None:
            cached = self._complex_types[type_name] = self._build_complex_type(type_name)
        return cached

    def collection_item(self, type_name: str) -> ChildElement:
        """The repeated element a collection type (a BaseResources subtype) holds, e.g.
        OpenStackVolumeProviders -> ``openstack_volume_provider``."""
        collection = self.complex_type(type_name)
        if not collection.derives_from(BASE_COLLECTION_TYPE):
            raise RepresentationError(f"{type_name} is not a collection: it does not extend {BASE_COLLECTION_TYPE}")
        inherited = self.complex_type(BASE_COLLECTION_TYPE).children
        items = [child for child in collection.children.values() if child.repeated and child.name not in inherited]
        if len(items) != 1:
            names = ", ".join(child.name for child in items) or "none"
            raise RepresentationError(f"{type_name} does not have exactly one repeated item element ({names})")
        return items[0]

    def _build_simple_type(self, type_name: str) -> SimpleType:
        if type_name in BUILTIN_TYPES:
            return SimpleType(type_name, type_name)
        node = self._simple_nodes.get(type_name)
        if node is None:
            raise RepresentationError(f"{type_name!r} is neither an XSD built-in this converter knows nor a simpleType")
        restriction = _only_child(node, "restriction", type_name)
        base = self.simple_type(_qname(restriction, _required(restriction, "base")))
        values = tuple(_required(item, "value") for tag, item in _xs_children(restriction) if tag == "enumeration")
        return SimpleType(type_name, base.builtin, values or base.enumeration)

    def _build_complex_type(self, type_name: str) -> ComplexType:
        node = self._complex_nodes.get(type_name)
        if node is None:
            raise RepresentationError(f"{type_name!r} is not a complexType of the oVirt schema")
        builder = _TypeBuilder(type_name)
        for tag, part in _xs_children(node):
            if tag == "complexContent":
                self._add_derivation(builder, _only_child(part, "extension", type_name))
            elif tag == "simpleContent":
                self._add_simple_content(builder, _only_child(part, "extension", type_name))
            else:
                self._add_content(builder, tag, part)
        return builder.build()

    def _add_derivation(self, builder: _TypeBuilder, extension: etree._Element) -> None:
        """``xs:extension``: the base's content model comes first, then the extension's own."""
        builder.inherit(self.complex_type(_qname(extension, _required(extension, "base"))))
        for tag, part in _xs_children(extension):
            self._add_content(builder, tag, part)

    def _add_simple_content(self, builder: _TypeBuilder, extension: etree._Element) -> None:
        base = _qname(extension, _required(extension, "base"))
        if self.is_complex(base):
            builder.inherit(self.complex_type(base))
        else:
            builder.text_type = self.simple_type(base).name
        for tag, part in _xs_children(extension):
            self._add_content(builder, tag, part)

    def _add_content(self, builder: _TypeBuilder, tag: str, part: etree._Element) -> None:
        if tag == "attribute":
            builder.add_attribute(self._attribute(part))
        elif tag in ("sequence", "choice", "all", "group", "element"):
            for child in self._particle(tag, part, builder.name, Occurs()):
                builder.add_child(child)
        else:
            raise RepresentationError(f"{builder.name}: xs:{tag} is not supported by this converter")

    def _particle(self, tag: str, node: etree._Element, declared_in: str, outer: Occurs) -> Iterator[ChildElement]:
        """The elements a particle contributes, with its cardinality folded into theirs."""
        occurs = outer * _occurs(node)
        if tag == "element":
            yield self._child(node, declared_in, occurs)
            return
        if tag == "group":
            node = self._group(node, declared_in)
        members = [(member_tag, member) for member_tag, member in _xs_children(node)]
        if tag == "choice" and len(members) > 1:
            occurs = Occurs(0, occurs.maximum)  # each branch may be the one that is absent
        for member_tag, member in members:
            if member_tag in ("any", "anyAttribute"):
                raise RepresentationError(f"{declared_in}: xs:{member_tag} is not supported by this converter")
            yield from self._particle(member_tag, member, declared_in, occurs)

    def _group(self, reference: etree._Element, declared_in: str) -> etree._Element:
        name = _qname(reference, _required(reference, "ref"))
        try:
            return self._group_nodes[name]
        except KeyError:
            raise RepresentationError(f"{declared_in}: group {name!r} is not defined") from None

    def _child(self, node: etree._Element, declared_in: str, occurs: Occurs) -> ChildElement:
        reference = node.get("ref")
        if reference is not None:
            name = _qname(node, reference)
            type_name = self.element_type(name)
        else:
            name = _required(node, "name")
            type_name = _element_type(node)
        return ChildElement(name, type_name, reference is not None, occurs.minimum, occurs.maximum, declared_in)

    def _attribute(self, node: etree._Element) -> Attribute:
        type_name = _qname(node, _required(node, "type"))
        self.simple_type(type_name)  # fail early on an attribute type this converter cannot handle
        return Attribute(_required(node, "name"), type_name, node.get("use") == "required")


class _TypeBuilder:
    """Collects a complexType's flattened content model while its XSD definition is walked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.children: dict[str, ChildElement] = {}
        self.attributes: dict[str, Attribute] = {}
        self.text_type: str | None = None
        self.ancestry: tuple[str, ...] = (name,)

    def inherit(self, base: ComplexType) -> None:
        self.children.update(base.children)
        self.attributes.update(base.attributes)
        self.text_type = base.text_type
        self.ancestry = (self.name, *base.ancestry)

    def add_child(self, child: ChildElement) -> None:
        """A name declared twice (choice branches sharing a group) keeps its first position, loosest bounds."""
        known = self.children.get(child.name)
        if known is None:
            self.children[child.name] = child
            return
        if known.type_name != child.type_name:
            raise RepresentationError(
                f"{self.name}: element {child.name!r} is declared as both {known.type_name} and {child.type_name}"
            )
        occurs = Occurs(known.min_occurs, known.max_occurs).merged(Occurs(child.min_occurs, child.max_occurs))
        self.children[child.name] = ChildElement(
            known.name, known.type_name, known.is_ref, occurs.minimum, occurs.maximum, known.declared_in
        )

    def add_attribute(self, attribute: Attribute) -> None:
        self.attributes[attribute.name] = attribute

    def build(self) -> ComplexType:
        clashes = sorted(set(self.children) & set(self.attributes))
        if self.text_type is not None and SIMPLE_CONTENT_KEY in self.attributes:
            clashes.append(SIMPLE_CONTENT_KEY)
        if clashes:
            # JSON has one namespace of keys for both, so such a type could not round-trip.
            raise RepresentationError(f"{self.name}: {', '.join(clashes)} would be both an attribute and an element")
        return ComplexType(self.name, dict(self.children), dict(self.attributes), self.text_type, self.ancestry)


def _xs_children(node: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """The XSD children of a node by local name, skipping comments and ``xs:annotation`` (JAXB hints)."""
    for child in node:
        tag = child.tag
        if not isinstance(tag, str):  # comments and processing instructions
            continue
        if not tag.startswith(_XS):
            raise RepresentationError(f"unexpected {tag} in the schema at line {child.sourceline}")
        local = tag[len(_XS) :]
        if local != "annotation":
            yield local, child


def _only_child(node: etree._Element, expected: str, context: str) -> etree._Element:
    """The single derivation inside complexContent/simpleContent/simpleType; only what oVirt uses."""
    children = list(_xs_children(node))
    if len(children) != 1 or children[0][0] != expected:
        found = ", ".join(f"xs:{tag}" for tag, _ in children) or "nothing"
        raise RepresentationError(f"{context}: expected xs:{expected}, found {found}")
    return children[0][1]


def _required(node: etree._Element, attribute: str) -> str:
    value = node.get(attribute)
    if value is None:
        raise RepresentationError(f"schema line {node.sourceline}: missing {attribute}=")
    return value


def _element_type(node: etree._Element) -> str:
    """A declared element's type; anonymous (inline) types do not occur in oVirt's schema."""
    return _qname(node, _required(node, "type"))


def _qname(node: etree._Element, value: str) -> str:
    """Resolves a QName value: XSD built-ins become ``xs:name``, the schema's own (no target
    namespace) stay plain names, whatever prefix the document happens to use."""
    prefix, _, local = value.rpartition(":")
    if not prefix:
        return local
    if node.nsmap.get(prefix) != XS_NAMESPACE:
        raise RepresentationError(f"schema line {node.sourceline}: {value!r} is not in the XSD namespace")
    return f"xs:{local}"


def _occurs(node: etree._Element) -> Occurs:
    maximum = node.get("maxOccurs", "1")
    return Occurs(int(node.get("minOccurs", "1")), None if maximum == _UNBOUNDED else int(maximum))


def xsd_bytes() -> bytes:
    """The packaged copy of oVirt 3.6's ``api.xsd``."""
    return importlib.resources.files(_PACKAGE).joinpath(XSD_RESOURCE).read_bytes()


@functools.cache
def api_schema() -> Schema:
    """The oVirt REST schema, parsed on first use and shared afterwards.

    The XSD ships with the package, but it is still parsed without network access or entity
    expansion: there is no reason for a schema to need either.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    return Schema(etree.fromstring(xsd_bytes(), parser))
