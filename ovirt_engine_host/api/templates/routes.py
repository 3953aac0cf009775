"""``/api/templates``: list, add (``<template><name/><vm id|name/></template>``: the VM's disks
copied, the template ``locked`` until they are ``ok``), get, remove (with its disks; waits, or
``;async``: 202 with the job), and a template's ``disks``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.disks.schemas import DeleteArgs, DiskSchema
from ovirt_engine_host.api.jobs.schemas import removal_answer
from ovirt_engine_host.api.shared import owner_id, split_matrix
from ovirt_engine_host.api.templates.schemas import TemplateSchema
from ovirt_engine_host.authorization import BODY, require_permitted, visible_only
from ovirt_engine_host.db.models import Template
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.templates import TemplateService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("templates", __name__, url_prefix="/api/templates", description="Templates")


def service() -> TemplateService:
    return TemplateService(engine_state())


@blp.route("")
class TemplateViews(MethodView):
    @blp.action("read", "template")
    @blp.response(200, TemplateSchema(many=True))
    def get(self) -> Any:
        """List templates"""
        with db_session() as session:
            query = visible_only(select(Template), "template").order_by(Template.name, Template.id)
            return session.scalars(listing.in_sql(query, {"name": Template.name, "status": Template.status})).all()

    @blp.action("create_template", "vm", by=BODY)
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    @blp.alt_response(409, description="The VM is not down, image_locked, in a preview, or a disk is not ok")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a template: the VM's disks copied (the template locked until they are)"""
        vm = data.pop("vm")
        with db_session() as session:
            require_permitted(session, "vm", vm, "create_template", "vm")
        return service().create(data, vm, owner_id())


@blp.route("/<string:template_id>")
class TemplateByIdViews(MethodView):
    @blp.action("read", "template", by="template_id")
    @blp.response(200, TemplateSchema)
    def get(self, template_id: str) -> Any:
        """Get a template"""
        template_id, _ = split_matrix(template_id)
        with db_session() as session:
            return TemplateService.get(session, template_id)

    @blp.action("delete_template", "template", by="template_id")
    @blp.arguments(DeleteArgs, location="query")
    @blp.response(204)
    @blp.alt_response(202, description="Accepted: the job removing the template's disks")
    @blp.alt_response(409, description="A VM made from the template exists")
    def delete(self, args: dict[str, Any], template_id: str) -> Any:
        """Remove a template with its disks"""
        template_id, matrix = split_matrix(template_id)
        return removal_answer(
            service().remove(template_id, not (args["asynchronous"] or "async" in matrix), owner_id())
        )


@blp.route("/<string:template_id>/disks")
class TemplateDiskViews(MethodView):
    @blp.action("read", "template", by="template_id")
    @blp.response(200, DiskSchema(many=True))
    def get(self, template_id: str) -> Any:
        """List a template's disks"""
        with db_session() as session:
            return TemplateService.disks(session, TemplateService.get(session, template_id))
