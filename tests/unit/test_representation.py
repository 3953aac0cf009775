"""The XML representation: schema analysis, schema-valid output, safe and strict parsing,
content negotiation. Every document produced here is validated against the shipped XSD."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ovirt_engine_host import representation
from ovirt_engine_host.representation import (
    RepresentationError,
    Schema,
    XmlRejected,
    api_schema,
    from_xml,
    to_xml,
    to_xml_collection,
    wants_xml,
    xsd_bytes,
)

PACKAGED_XSD = Path(representation.__file__).resolve().parent / "api.xsd"
REFERENCE_XSD = Path("/work/shared/reference/ovirt-api-3.6/api.xsd")
PROVIDER_ID = "5b5d1dd2-7d8c-4d9b-8c5e-6f1d2a3b4c5d"
PROVIDER_HREF = f"/ovirt-engine/api/openstackvolumeproviders/{PROVIDER_ID}"
DC_ID = "00000001-0001-0001-0001-000000000001"
DC_HREF = f"/ovirt-engine/api/datacenters/{DC_ID}"

# Deliberately not in the XSD's order: the serializer must reorder.
PROVIDER: dict[str, Any] = {
    "data_center": {"id": DC_ID, "href": DC_HREF},
    "tenant_name": "services",
    "properties": {"property": [{"name": "volume_backend", "value": "ceph"}, {"value": "1", "name": "replicas"}]},
    "authentication_url": "http://keystone.example.com:35357/v2.0",
    "username": "cinder",
    "requires_authentication": True,
    "url": "http://cinder.example.com:8776",
    "description": "Cinder on Ceph in Zürich",
    "name": "cinder1",
    "href": PROVIDER_HREF,
    "id": PROVIDER_ID,
}
PROVIDER_XSD_ORDER = [
    "name",
    "description",
    "url",
    "requires_authentication",
    "username",
    "authentication_url",
    "properties",
    "tenant_name",
    "data_center",
]
# OpenStackProvider.tenant_name has minOccurs=1, so even a reference needs it to validate.
PROVIDER_REFERENCE = {"id": PROVIDER_ID, "href": PROVIDER_HREF, "tenant_name": "services"}


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PACKAGED_XSD)))


def assert_valid(xsd: etree.XMLSchema, document: bytes) -> etree._Element:
    root = etree.fromstring(document)
    assert xsd.validate(root), f"{xsd.error_log}\n{document.decode()}"
    return root


def child_tags(element: etree._Element) -> list[str]:
    return [str(child.tag) for child in element]


# --- the schema ------------------------------------------------------------------------------


def test_packaged_xsd_is_the_reference_byte_for_byte() -> None:
    if not REFERENCE_XSD.exists():
        pytest.skip("the oVirt 3.6 reference checkout is not on this machine")
    assert xsd_bytes() == REFERENCE_XSD.read_bytes()


def test_importing_the_package_does_not_load_the_schema() -> None:
    code = (
        "import ovirt_engine_host.representation as r, ovirt_engine_host.representation.xml;"
        "print(r.api_schema.cache_info().currsize)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


def test_schema_is_loaded_once() -> None:
    assert api_schema() is api_schema()


def test_inherited_children_come_base_first_in_xsd_order() -> None:
    provider = api_schema().complex_type("OpenStackVolumeProvider")
    assert list(provider.children) == [
        "actions",
        "name",
        "description",
        "comment",
        "creation_status",
        "link",
        "url",
        "requires_authentication",
        "username",
        "password",
        "authentication_url",
        "properties",
        "tenant_name",
        "data_center",
    ]
    assert list(provider.attributes) == ["href", "id"]
    assert provider.ancestry == (
        "OpenStackVolumeProvider",
        "OpenStackProvider",
        "ExternalProvider",
        "BaseResource",
        "ActionableResource",
    )


def test_children_carry_reference_type_and_cardinality() -> None:
    children = api_schema().complex_type("OpenStackVolumeProvider").children
    assert (children["data_center"].is_ref, children["data_center"].type_name) == (True, "DataCenter")
    assert (children["url"].is_ref, children["url"].type_name) == (False, "xs:string")
    assert children["requires_authentication"].type_name == "xs:boolean"
    assert children["tenant_name"].required
    assert not children["url"].required
    assert children["link"].repeated
    assert children["link"].max_occurs is None
    assert not children["properties"].repeated
    assert children["tenant_name"].declared_in == "OpenStackProvider"


def test_choice_and_groups_flatten_to_optional_children() -> None:
    storage = api_schema().complex_type("Storage")
    names = list(storage.children)
    # BaseStorageConnection group, then each branch of the choice, then host
    assert names.index("type") < names.index("path") < names.index("logical_unit") < names.index("portal")
    assert names[-1] == "host"
    assert not any(storage.children[name].required for name in ("path", "logical_unit", "portal"))


def test_simple_content_and_attribute_only_types() -> None:
    schema = api_schema()
    assert schema.complex_type("StorageManager").text_type == "xs:boolean"
    assert list(schema.complex_type("StorageManager").attributes) == ["priority"]
    version = schema.complex_type("Version")
    assert {"major", "minor", "build", "revision", "full_version"} <= set(version.attributes)
    assert "major" not in version.children
    assert schema.simple_type("StatisticUnit").enumeration[:2] == ("NONE", "PERCENT")


def test_collection_item_comes_from_the_schema() -> None:
    schema = api_schema()
    assert schema.collection_item("OpenStackVolumeProviders").name == "openstack_volume_provider"
    assert schema.collection_item("OpenstackVolumeAuthenticationKeys").name == "openstack_volume_authentication_key"
    with pytest.raises(RepresentationError, match="not a collection"):
        schema.collection_item("OpenStackVolumeProvider")


def test_every_complex_type_flattens_quickly() -> None:
    started = time.perf_counter()
    schema = Schema(etree.fromstring(xsd_bytes()))
    for name in schema.complex_type_names:
        schema.complex_type(name)
    assert len(schema.complex_type_names) > 300
    assert time.perf_counter() - started < 1.0


def test_unknown_names_are_programming_errors() -> None:
    with pytest.raises(RepresentationError, match="'no_such_element'"):
        api_schema().element_type("no_such_element")
    with pytest.raises(RepresentationError, match="NoSuchType"):
        api_schema().complex_type("NoSuchType")


# --- serializing -----------------------------------------------------------------------------


def test_provider_comes_out_in_xsd_order_and_validates(xsd: etree.XMLSchema) -> None:
    document = to_xml("openstack_volume_provider", PROVIDER)
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<openstack_volume_provider')
    root = assert_valid(xsd, document)
    assert child_tags(root) == PROVIDER_XSD_ORDER
    assert (root.get("id"), root.get("href")) == (PROVIDER_ID, PROVIDER_HREF)
    assert root.findtext("requires_authentication") == "true"
    assert root.findtext("description") == "Cinder on Ceph in Zürich"
    assert "Zürich".encode() in document
    assert [p.findtext("name") for p in root.iterfind("properties/property")] == ["volume_backend", "replicas"]
    assert [child_tags(p) for p in root.iterfind("properties/property")] == [["name", "value"], ["name", "value"]]
    data_center = root.find("data_center")
    assert data_center is not None
    assert (data_center.get("href"), data_center.get("id"), sorted(data_center.keys())) == (
        DC_HREF,
        DC_ID,
        ["href", "id"],
    )
    assert len(data_center) == 0


def test_none_values_are_left_out(xsd: etree.XMLSchema) -> None:
    root = assert_valid(xsd, to_xml("openstack_volume_provider", {**PROVIDER, "password": None, "comment": None}))
    assert root.find("password") is None
    assert root.find("comment") is None


def test_collection_validates(xsd: etree.XMLSchema) -> None:
    second = {**PROVIDER, "id": "other", "name": "cinder2", "requires_authentication": False}
    root = assert_valid(xsd, to_xml_collection("openstack_volume_providers", [PROVIDER, second]))
    assert root.tag == "openstack_volume_providers"
    assert [item.findtext("name") for item in root] == ["cinder1", "cinder2"]
    assert root[1].findtext("requires_authentication") == "false"


def test_empty_collection_validates(xsd: etree.XMLSchema) -> None:
    root = assert_valid(xsd, to_xml_collection("openstack_volume_providers", []))
    assert len(root) == 0


def test_volume_type_validates(xsd: etree.XMLSchema) -> None:
    volume_type = {
        "openstack_volume_provider": PROVIDER_REFERENCE,
        "properties": {"property": [{"name": "volume_backend_name", "value": "ceph"}]},
        "name": "ceph",
        "id": "c0ffee00-0000-0000-0000-000000000001",
        "href": f"{PROVIDER_HREF}/volumetypes/c0ffee00-0000-0000-0000-000000000001",
    }
    root = assert_valid(xsd, to_xml("openstack_volume_type", volume_type))
    assert child_tags(root) == ["name", "properties", "openstack_volume_provider"]


def test_a_bare_provider_reference_is_not_schema_valid(xsd: etree.XMLSchema) -> None:
    """oVirt itself emits ``<openstack_volume_provider id= href=/>`` references, which its own XSD
    rejects because OpenStackProvider.tenant_name is required; the converter does not hide that."""
    document = to_xml("openstack_volume_type", {"name": "ceph", "openstack_volume_provider": {"id": PROVIDER_ID}})
    assert not xsd.validate(etree.fromstring(document))
    assert "Missing child element" in str(xsd.error_log)
    completed = {"name": "ceph", "openstack_volume_provider": {"id": PROVIDER_ID, "tenant_name": "services"}}
    assert_valid(xsd, to_xml("openstack_volume_type", completed))


def test_authentication_key_validates(xsd: etree.XMLSchema) -> None:
    created = datetime.datetime(2016, 1, 22, 10, 30, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    key = {
        "openstack_volume_provider": PROVIDER_REFERENCE,
        "creation_date": created,
        "usage_type": "ceph",
        "uuid": "c50352a3-0700-48e9-9189-ed359c09bcf4",
        "id": "c50352a3-0700-48e9-9189-ed359c09bcf4",
    }
    root = assert_valid(xsd, to_xml("openstack_volume_authentication_key", key))
    assert child_tags(root) == ["uuid", "usage_type", "creation_date", "openstack_volume_provider"]
    assert root.findtext("creation_date") == "2016-01-22T10:30:05+02:00"


def test_data_center_validates(xsd: etree.XMLSchema) -> None:
    data_center = {
        "version": {"minor": 6, "major": 3},
        "status": {"state": "up"},
        "local": False,
        "storage_format": "v3",
        "description": "the lab",
        "name": "mydc",
        "id": DC_ID,
        "href": DC_HREF,
    }
    root = assert_valid(xsd, to_xml("data_center", data_center))
    assert child_tags(root) == ["name", "description", "local", "storage_format", "version", "status"]
    version = root.find("version")
    assert version is not None
    assert (version.get("major"), version.get("minor"), len(version)) == ("3", "6", 0)


def test_storage_domain_validates(xsd: etree.XMLSchema) -> None:
    domain = {
        "storage": {"type": "cinder"},
        "master": False,
        "type": "volume",
        "data_centers": {"data_center": [{"id": DC_ID, "href": DC_HREF}]},
        "available": 10 * 2**40,
        "name": "cinder1",
        "id": PROVIDER_ID,
    }
    root = assert_valid(xsd, to_xml("storage_domain", domain))
    assert child_tags(root) == ["name", "data_centers", "type", "master", "storage", "available"]
    assert root.findtext("available") == str(10 * 2**40)


def test_user_validates(xsd: etree.XMLSchema) -> None:
    root = assert_valid(xsd, to_xml("user", {"user_name": "admin@internal", "domain": {"name": "internal"}}))
    assert child_tags(root) == ["domain", "user_name"]


def test_simple_content_takes_a_scalar_or_value_key(xsd: etree.XMLSchema) -> None:
    assert_valid(xsd, to_xml("host", {"name": "h1", "storage_manager": True}))
    root = assert_valid(xsd, to_xml("host", {"name": "h1", "storage_manager": {"value": False, "priority": 5}}))
    manager = root.find("storage_manager")
    assert manager is not None
    assert (manager.text, manager.get("priority"), len(manager)) == ("false", "5", 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "x", "tenant": "t"},
            "openstack_volume_provider: 'tenant' not in the schema's OpenStackVolumeProvider",
        ),
        ({"data_center": {"nme": "x"}}, "openstack_volume_provider/data_center: 'nme' not in"),
        ({"requires_authentication": "true"}, "requires_authentication: xs:boolean needs a bool, got str"),
        ({"name": 5}, "openstack_volume_provider/name: xs:string needs text, got int"),
        ({"name": ["a"]}, "occurs at most once"),
        ({"link": {"rel": "x"}}, "takes a list"),
        ({"properties": {"property": [{"name": "a", "value": {"v": 1}}]}}, "needs a single value"),
        ({"data_center": "dc1"}, "DataCenter needs a mapping, got str"),
        ({"name": "bell\x07"}, "openstack_volume_provider/name:"),
    ],
)
def test_serializing_what_the_schema_does_not_allow_raises(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RepresentationError) as raised:
        to_xml("openstack_volume_provider", data)
    assert message in str(raised.value)
    assert not isinstance(raised.value, XmlRejected)


def test_negative_unsigned_and_unknown_element_raise() -> None:
    with pytest.raises(RepresentationError, match="cannot be negative"):
        to_xml("data_center", {"version": {"major": -1}})
    with pytest.raises(RepresentationError, match="'openstack_volume_providerz' is not a global element"):
        to_xml("openstack_volume_providerz", {})


# --- parsing ---------------------------------------------------------------------------------


def test_round_trip_of_the_provider() -> None:
    assert from_xml(to_xml("openstack_volume_provider", PROVIDER), "openstack_volume_provider") == PROVIDER


def test_round_trip_of_a_collection_keeps_lists() -> None:
    parsed = from_xml(to_xml_collection("openstack_volume_providers", [PROVIDER]), "openstack_volume_providers")
    assert parsed == {"openstack_volume_provider": [PROVIDER]}


def test_ovirt_provider_request_parses_in_any_order() -> None:
    body = b"""
<openstack_volume_provider>
  <name>cinder1</name>
  <url>http://cinder.example.com:8776</url>
  <data_center><name>mydc</name></data_center>
  <requires_authentication>true</requires_authentication>
  <username>cinder</username>
  <password>mypass</password>
  <tenant_name>services</tenant_name>
  <authentication_url>http://keystone.example.com:35357/v2.0</authentication_url>
</openstack_volume_provider>
"""
    assert from_xml(body, "openstack_volume_provider") == {
        "name": "cinder1",
        "url": "http://cinder.example.com:8776",
        "data_center": {"name": "mydc"},
        "requires_authentication": True,
        "username": "cinder",
        "password": "mypass",
        "tenant_name": "services",
        "authentication_url": "http://keystone.example.com:35357/v2.0",
    }


def test_ovirt_authentication_key_request_parses() -> None:
    body = b"""
<openstack_volume_authentication_key>
  <description>my ceph secret</description>
  <uuid>c50352a3-0700-48e9-9189-ed359c09bcf4</uuid>
  <usage_type>ceph</usage_type>
  <value>AQAmxKFWmdTMORAAxAEmWGLR0YXgVWeJEAmyaw==</value>
</openstack_volume_authentication_key>
"""
    assert from_xml(body, "openstack_volume_authentication_key") == {
        "description": "my ceph secret",
        "uuid": "c50352a3-0700-48e9-9189-ed359c09bcf4",
        "usage_type": "ceph",
        "value": "AQAmxKFWmdTMORAAxAEmWGLR0YXgVWeJEAmyaw==",
    }


def test_values_are_typed_by_the_schema() -> None:
    body = b'<data_center id="dc"><local>0</local><version major="3" minor="6"/><name> padded </name></data_center>'
    assert from_xml(body, "data_center") == {
        "id": "dc",
        "local": False,
        "version": {"major": 3, "minor": 6},
        "name": " padded ",
    }


def test_properties_parse_to_the_shape_to_xml_takes() -> None:
    body = (
        b"<openstack_volume_provider><properties>"
        b"<property><name>a</name><value>1</value></property><property><name>b</name><value>2</value></property>"
        b"</properties><tenant_name>t</tenant_name></openstack_volume_provider>"
    )
    parsed = from_xml(body, "openstack_volume_provider")
    assert parsed["properties"] == {"property": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]}
    assert from_xml(to_xml("openstack_volume_provider", parsed), "openstack_volume_provider") == parsed


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<openstack_volume_provider><name>&lol4;</name></openstack_volume_provider>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE openstack_volume_provider [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<openstack_volume_provider><name>&xxe;</name></openstack_volume_provider>"""
EXTERNAL_DTD = b"""<!DOCTYPE openstack_volume_provider SYSTEM "http://127.0.0.1:9/evil.dtd">
<openstack_volume_provider><name>x</name></openstack_volume_provider>"""
BARE_DOCTYPE = b"<!DOCTYPE openstack_volume_provider><openstack_volume_provider/>"


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, BARE_DOCTYPE])
def test_dtds_and_entities_are_rejected(body: bytes) -> None:
    with pytest.raises(XmlRejected) as raised:
        from_xml(body, "openstack_volume_provider")
    assert str(raised.value) == "XML with a DTD or entities is not accepted"
    assert raised.value.field is None
    assert "root" not in str(raised.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<openstack_volume_provider><name>x</nam></openstack_volume_provider>", "malformed XML: mismatched tag"),
        (b"", "malformed XML: no element found"),
        (b"<openstack_volume_provider>", "malformed XML: no element found: line 1"),
    ],
)
def test_malformed_xml_is_rejected_with_the_parser_reason(body: bytes, message: str) -> None:
    with pytest.raises(XmlRejected) as raised:
        from_xml(body, "openstack_volume_provider")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_wrong_root_names_both() -> None:
    with pytest.raises(XmlRejected) as raised:
        from_xml(b"<data_center><name>x</name></data_center>", "openstack_volume_provider")
    assert str(raised.value) == "expected the root element <openstack_volume_provider>, got <data_center>"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b"<foo/>", "openstack_volume_provider/foo", "unknown element"),
        (b"<data_center><nme>x</nme></data_center>", "openstack_volume_provider/data_center/nme", "unknown element"),
        (b"<requires_authentication>yes</requires_authentication>", "openstack_volume_provider/requires_authentication",
         "'yes' is not a boolean (true or false)"),
        (b"<data_center><version major='three'/></data_center>", "openstack_volume_provider/data_center/version/@major",
         "'three' is not an integer"),
        (b"<name>a</name><name>b</name>", "openstack_volume_provider/name", "occurs more than once"),
        (b"<name><b>x</b></name>", "openstack_volume_provider/name", "holds a value, not the element <b>"),
        (b"<name lang='en'>x</name>", "openstack_volume_provider/name/@lang", "unknown attribute"),
        (b"stray<name>x</name>", "openstack_volume_provider", "unexpected text in an element that holds elements"),
    ],
)  # fmt: skip
def test_bad_content_is_rejected_naming_the_field(body: bytes, field: str, reason: str) -> None:
    with pytest.raises(XmlRejected) as raised:
        from_xml(b"<openstack_volume_provider>" + body + b"</openstack_volume_provider>", "openstack_volume_provider")
    assert raised.value.field == field
    assert raised.value.reason == reason
    assert str(raised.value) == f"{field}: {reason}"


def test_deep_nesting_is_rejected_before_recursion_runs_out() -> None:
    body = b"<user>" + b"<domain><user>" * 600 + b"</user></domain>" * 600 + b"</user>"
    with pytest.raises(XmlRejected) as raised:
        from_xml(body, "user")
    assert raised.value.reason == "nested more than 32 elements deep"
    shallow = b"<user><domain><user><domain><name>d</name></domain></user></domain></user>"
    assert from_xml(shallow, "user") == {"domain": {"user": {"domain": {"name": "d"}}}}


def test_unknown_expected_element_is_a_programming_error() -> None:
    with pytest.raises(RepresentationError) as raised:
        from_xml(b"<x/>", "no_such_element")
    assert not isinstance(raised.value, XmlRejected)


# --- content negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "expected"),
    [
        ("application/xml", None, True),
        ("text/xml", None, True),
        ("application/json", None, False),
        ("*/*", None, False),
        (None, None, False),
        ("", None, False),
        ("application/xml;q=0.5, application/json", None, False),
        ("application/json;q=0.5, application/xml", None, True),
        ("application/json", "application/xml", False),
        ("application/xml", "application/json", True),
        (None, "application/xml", True),
        (None, "text/xml; charset=utf-8", True),
        (None, "application/json", False),
        ("*/*", "application/xml", True),
        ("text/html", "application/xml", True),
        ("text/html", None, False),
    ],
)
def test_wants_xml(accept: str | None, content_type: str | None, expected: bool) -> None:
    assert wants_xml(accept, content_type) is expected
