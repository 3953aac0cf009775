"""Large lists served from rows, each row's representation made once.

A 10 000-disk list spends most of its time making objects: ORM instances (~20 µs a row), then
marshmallow's dump (~50 µs), then the XML tree (~110 µs). Yet a row's JSON or XML depends on
nothing but the row's values (and the application's plugins, fixed for its life). So a view
returns a :class:`RowList`, a query's plain DBAPI rows (tuples: the cheapest thing a driver
makes), and the response is assembled from each row's representation, looked up by the row
itself in a per-application cache; only the rows never seen (new, or changed: another tuple)
are dumped, by the collection's own schema and the XSD-driven converter, exactly as any other
answer. A key is the whole row, so an entry is never stale, whichever process changed the row;
the cache only forgets (all of a kind at once) when it outgrows its bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app
from sqlalchemy import Select
from sqlalchemy.orm import Session

from ovirt_engine_host.representation import to_xml_items
from ovirt_engine_host.representation.xml import XML_DECLARATION

EXTENSION_KEY = "ovirt_engine_row_representations"
MAX_ENTRIES = 50_000
"""Cached representations per collection and format (~0.5-1 KiB each)."""


@dataclass
class RowList:
    """What a collection view returns for the fast path: its ``query`` (the columns its schema
    shows, filtered, ordered and limited), and ``item``, which makes the object the schema dumps
    from one row of the query (only for the rows whose representation is not cached)."""

    query: Select[*tuple[Any, ...]]
    item: Callable[[tuple[Any, ...]], Any]


def fetch(session: Session, query: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the DBAPI cursor hands them: no ``Row`` objects, no result
    processing (SQLite's booleans stay 0 and 1: the row's ``item`` maker converts them). The
    statement is executed as any other (its events see it, and its SQL comes from the engine's
    compiled cache: a filtered list's condition, ~50 subqueries, takes ~6 ms to compile)."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


class RepresentationCache:
    """Per application: (collection, format) -> {row: representation bytes}."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], dict[tuple[Any, ...], bytes]] = {}

    def table(self, collection: str, media: str) -> dict[tuple[Any, ...], bytes]:
        table = self._entries.setdefault((collection, media), {})
        if len(table) > MAX_ENTRIES:
            table.clear()
        return table


def cache() -> RepresentationCache:
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = current_app.extensions[EXTENSION_KEY] = RepresentationCache()
    return found


def render(rows: RowList, schema: Any, collection: str | None, xml: bool) -> Response:
    """The collection's answer, JSON or (when ``collection`` names the XML element) XML, in one
    statement: the representations of the rows never seen are made from the rows fetched."""
    media = "xml" if xml and collection else "json"
    table = cache().table(type(schema).__name__, media)
    session: Session = current_app.extensions["ovirt_engine"].session_factory()  # the engine's state
    with session:
        fetched = fetch(session, rows.query)
    missing = [row for row in dict.fromkeys(fetched) if row not in table]
    if missing:
        dumped = schema.dump([rows.item(row) for row in missing])
        if media == "xml":
            made = to_xml_items(str(collection), dumped)
        else:
            made = [json.dumps(item, sort_keys=True, separators=(",", ":")).encode() for item in dumped]
        table.update(zip(missing, made, strict=True))
    parts = [table[row] for row in fetched]
    if media == "json":
        return Response(b"[" + b",".join(parts) + b"]\n", mimetype="application/json")
    if not parts:
        return Response(XML_DECLARATION + f"<{collection}/>\n".encode(), mimetype="application/xml")
    body = b"".join((XML_DECLARATION, f"<{collection}>\n".encode(), *parts, f"</{collection}>\n".encode()))
    return Response(body, mimetype="application/xml")
