"""The schemas of ``/api``, named after oVirt 3.6's XML elements: what the views load and dump, and
what the OpenAPI document shows."""

from __future__ import annotations

import re

import marshmallow as ma

VERSION_PARTS = ("major", "minor", "build", "revision")


COLLECTION_RULE = re.compile(r"/api/(?P<name>[A-Za-z0-9_-]+)/?")


VENDOR = "ovirt-cinder-plugin project"


DISTRIBUTION = "ovirt-cinder-plugin"


class LinkSchema(ma.Schema):
    rel = ma.fields.String(dump_only=True)
    href = ma.fields.String(dump_only=True)


class VersionSchema(ma.Schema):
    major = ma.fields.Integer(dump_only=True)
    minor = ma.fields.Integer(dump_only=True)
    build = ma.fields.Integer(dump_only=True)
    revision = ma.fields.Integer(dump_only=True)


class ProductInfoSchema(ma.Schema):
    name = ma.fields.String(dump_only=True)
    vendor = ma.fields.String(dump_only=True)
    version = ma.fields.Nested(VersionSchema, dump_only=True)
    full_version = ma.fields.String(dump_only=True)


class CountsSchema(ma.Schema):
    """oVirt's ``ApiSummary`` item: a collection's ``total`` and, where it means something, ``active``."""

    total = ma.fields.Integer(dump_only=True)
    active = ma.fields.Integer(dump_only=True)


class UserCountsSchema(ma.Schema):
    total = ma.fields.Integer(dump_only=True)


class SummarySchema(ma.Schema):
    vms = ma.fields.Nested(CountsSchema, dump_only=True, metadata={"description": "active: every VM not down"})
    hosts = ma.fields.Nested(CountsSchema, dump_only=True, metadata={"description": "active: hosts up"})
    users = ma.fields.Nested(UserCountsSchema, dump_only=True)
    storage_domains = ma.fields.Nested(
        CountsSchema, dump_only=True, metadata={"description": "active: storage domains active"}
    )


class ApiSchema(ma.Schema):
    xml_element = "api"

    link = ma.fields.List(ma.fields.Nested(LinkSchema), dump_only=True)
    product_info = ma.fields.Nested(ProductInfoSchema, dump_only=True)
    summary = ma.fields.Nested(SummarySchema, dump_only=True)
    time = ma.fields.AwareDateTime(dump_only=True)
