"""Swagger UI's scripts and styles for the interactive docs at ``/api/docs``, served by the engine
itself from the ``swagger-ui-bundle`` package (a copy of the swagger-ui-dist files), so the page
works on a machine without internet.

flask-smorest renders the page and names each asset as ``OPENAPI_SWAGGER_UI_URL`` + file name;
this blueprint answers those names under ``/api/docs/``. Like the page and ``/api/openapi.json``
they need no authentication (``rest.PUBLIC_PATHS``). It is a plain Flask blueprint, not a REST
resource: it stays out of the OpenAPI document and out of the ``<api>`` document's links.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import flask
import flask_smorest
from swagger_ui_bundle import swagger_ui_path

SWAGGER_UI_URL = "/api/docs/"
"""``OPENAPI_SWAGGER_UI_URL``: where the page finds its assets (the prefix of ``assets``)."""

SWAGGER_UI_CONFIG: dict[str, Any] = {"validatorUrl": None}
"""``OPENAPI_SWAGGER_UI_CONFIG``. Without a ``validatorUrl`` Swagger UI shows a badge loaded from
swagger.io's online validator, sending it the address of our OpenAPI document."""

PAGE_ASSETS = ("swagger-ui.css", "swagger-ui-standalone-preset.js", "swagger-ui-bundle.js")
"""What flask-smorest's ``swagger_ui.html`` loads; their source maps are served too (a browser's
developer tools ask for them)."""

MIMETYPES = {".css": "text/css", ".js": "text/javascript", ".map": "application/json"}
SERVED = frozenset(PAGE_ASSETS) | {f"{name}.map" for name in PAGE_ASSETS}

assets = flask.Blueprint("docs_assets", __name__, url_prefix=SWAGGER_UI_URL.rstrip("/"))


@assets.get("/<string:name>")
def asset(name: str) -> flask.Response:
    """One of Swagger UI's files, or 404 for anything else the bundle holds (its demo page)."""
    if name not in SERVED:
        flask_smorest.abort(404, message=f"no documentation asset {name!r}")
    return flask.send_from_directory(str(swagger_ui_path), name, mimetype=MIMETYPES[PurePosixPath(name).suffix])
