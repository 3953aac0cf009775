"""The ``<api>`` document's links come from the application's URL rules: a plugin's collection
appears without the engine knowing it, a disabled plugin's disappears, and only what answers GET
at ``/api/<name>`` on a REST blueprint is a collection (on SQLite, no service; the real stack's
runs are in tests/integration/test_api_root.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy
from flask.views import MethodView

from tests.engine import build_engine

hookimpl = pluggy.HookimplMarker("ovirt_engine")


class WidgetViews(MethodView):
    def get(self) -> Any:
        """List widgets"""
        return []


class WidgetByIdViews(MethodView):
    def get(self, widget_id: str) -> Any:
        """Get a widget"""
        return {"id": widget_id}


class SignalViews(MethodView):
    def post(self) -> Any:
        """Send a signal (nothing to list)"""
        return "", 204


class WidgetsPlugin:
    """A plugin the engine has never heard of, with one collection and one POST-only resource."""

    @hookimpl
    def ovirt_engine_register_rest(self, api: Any, services: Any) -> None:
        widgets = services.Blueprint("widgets", __name__, url_prefix="/api/widgets", description="Widgets")
        widgets.route("")(WidgetViews)
        widgets.route("/<string:widget_id>")(WidgetByIdViews)
        signals = services.Blueprint("signals", __name__, url_prefix="/api/signals", description="Signals")
        signals.route("")(SignalViews)
        api.register_blueprint(widgets)
        api.register_blueprint(signals)


def rels(engine: Any) -> list[str]:
    answer = engine.request("GET", "/api")
    assert answer.status_code == 200, answer.json
    return [link["rel"] for link in answer.json["link"]]


def test_a_plugins_collection_is_linked_without_the_engine_knowing_it(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", extra_plugins=(WidgetsPlugin(),))
    found = rels(engine)
    assert "widgets" in found
    assert engine.request("GET", "/api/widgets").status_code == 200
    assert "signals" not in found  # answers no GET
    assert found == sorted(found)
    assert {"openstackvolumeproviders", "datacenters", "docs", "openapi.json"} & set(found) == {
        "openstackvolumeproviders",
        "datacenters",
    }  # the docs are no collection


def test_a_disabled_plugins_collections_are_not_linked(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", disabled_plugins=("cinder",))
    found = rels(engine)
    assert "openstackvolumeproviders" not in found
    assert {"datacenters", "disks", "hosts", "jobs", "storagedomains", "users", "vms"} <= set(found)
