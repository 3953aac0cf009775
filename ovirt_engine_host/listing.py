"""oVirt's ``max`` and ``search`` query parameters, taken by every collection.

``search`` is a useful subset of oVirt's search language: conditions ``field=value`` (or
``field!=value``) joined by ``and``, a value being a word or a double-quoted text, ``*`` matching
any run of characters; the match ignores case, as oVirt's does. Which fields a collection offers
is the collection's: an engine collection filters in SQL (:func:`apply`, columns it names), any
other one (a plugin's, a list made in Python) by attributes of the items it returns
(:func:`filter_items`, the response schema's ``search_fields``). ``max`` keeps the first that
many items of the collection's stable order. What cannot be understood is a 400 naming the
parameter: a query the engine cannot answer exactly is not answered approximately.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g
from sqlalchemy import ColumnElement, Select, and_, func, not_
from sqlalchemy.orm import QueryableAttribute

from ovirt_engine_host.errors import Refused

MAX_LIMIT = 2**31 - 1
"""The largest ``max`` a request may give: more than any collection holds, and what every
database's ``LIMIT`` takes."""

Row = TypeVar("Row")
Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
Columns = Mapping[str, ColumnElement[Any] | QueryableAttribute[Any]]
DEFAULT_SEARCH_FIELDS = {"name": "name"}
"""What a collection's items are searched by when its schema names nothing else."""
_TOKEN = re.compile(r'\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<op>!=|=)|(?P<word>[^\s=!"]+))')
_ESCAPE = "\\"


@dataclass(frozen=True)
class Condition:
    field: str
    pattern: str
    negated: bool = False

    def like(self) -> str:
        """The pattern as SQL ``LIKE`` text (``*`` is ``%``; ``%``, ``_`` and ``\\`` literal)."""
        escaped = re.sub(r"([%_\\])", r"\\\1", self.pattern.lower())
        return escaped.replace("*", "%")

    def regex(self) -> re.Pattern[str]:
        return re.compile(".*".join(re.escape(part) for part in self.pattern.lower().split("*")), re.DOTALL)


@dataclass(frozen=True)
class Listing:
    """What a request asks of a collection: at most ``max`` items matching every condition."""

    max: int | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def fields(self) -> set[str]:
        return {condition.field for condition in self.conditions}

    def check_fields(self, offered: Iterable[str]) -> None:
        offered = sorted(offered)
        unknown = sorted(self.fields - set(offered))
        if unknown:
            taken = ", ".join(offered)
            raise Refused(400, f"search: this collection cannot be searched by {', '.join(unknown)} (it takes {taken})")


def parse_search(text: str) -> tuple[Condition, ...]:
    """``name=vm* and status=up`` as conditions; :class:`Refused` (400, naming ``search``)."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise Refused(400, f"search: cannot parse {text!r} at {text[position:]!r}")
        kind = found.lastgroup or "word"
        value = found.group(kind)
        if kind == "quoted":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = found.end()
        while position < len(text) and text[position].isspace():
            position += 1
    conditions: list[Condition] = []
    index = 0
    while index < len(tokens):
        if conditions:
            kind, word = tokens[index]
            if kind != "word" or word.lower() != "and":
                hint = " ('and' only: 'or' and brackets are not supported)" if word.lower() == "or" else ""
                raise Refused(400, f"search: expected 'and' before {word!r}{hint}")
            index += 1
        part = tokens[index : index + 3]
        if len(part) < 3 or part[0][0] != "word" or part[1][0] != "op" or part[2][0] == "op":
            shown = " ".join(value for _, value in tokens[index : index + 3]) or "(nothing)"
            raise Refused(400, f"search: expected field=value, got {shown!r}")
        conditions.append(Condition(part[0][1].lower(), part[2][1], negated=part[1][1] == "!="))
        index += 3
    return tuple(conditions)


def parse(arguments: Mapping[str, str]) -> Listing:
    """The ``max`` and ``search`` of a request's query string."""
    maximum: int | None = None
    raw_max = arguments.get("max")
    if raw_max not in (None, ""):
        try:
            maximum = int(str(raw_max))
        except ValueError:
            raise Refused(400, f"max: {raw_max!r} is not a whole number") from None
        if maximum < 0:
            maximum = None  # oVirt: max=-1 is no limit
        elif maximum > MAX_LIMIT:  # found by the fuzzer: the database's LIMIT is a 64-bit integer
            raise Refused(400, f"max: at most {MAX_LIMIT} (or -1 for no limit), not {maximum}")
    search = arguments.get("search") or ""
    return Listing(maximum, parse_search(search) if search.strip() else ())


def apply(query: Query, listing: Listing, columns: Columns) -> Query:
    """``query`` cut down in SQL: a condition per search field (``columns`` says which column
    each searchable field is), and ``max`` as a ``LIMIT``. The query's ``ORDER BY`` must be a
    stable one (ending on a unique column) for ``max`` to mean the same items every time."""
    listing.check_fields(columns)
    for condition in listing.conditions:
        column = columns[condition.field]
        matches = func.lower(column).like(condition.like(), escape=_ESCAPE)
        query = query.where(and_(column.is_not(None), not_(matches)) if condition.negated else matches)
    if listing.max is not None:
        query = query.limit(listing.max)
    return query


def attribute_getter(path: str) -> Callable[[Any], Any]:
    """``status`` or ``storage_domain.name``: attributes of an object, or keys of a dict; a
    ``{"state": ...}`` value (oVirt's status) is its state."""
    parts = path.split(".")

    def get(item: Any) -> Any:
        value = item
        for part in parts:
            value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
            if value is None:
                return None
        return value.get("state") if isinstance(value, Mapping) else value

    return get


def filter_items(items: Iterable[Row], listing: Listing, fields: Mapping[str, str]) -> list[Row]:
    """The Python side of :func:`apply`, for a collection made in Python (its order kept)."""
    listing.check_fields(fields)
    getters = [(condition, attribute_getter(fields[condition.field])) for condition in listing.conditions]
    kept = []
    for item in items:
        if all(_matches(condition, get(item)) for condition, get in getters):
            kept.append(item)
            if listing.max is not None and len(kept) >= listing.max:
                break
    return kept if listing.max != 0 else []


def _matches(condition: Condition, value: Any) -> bool:
    if value is None:
        return False
    found = condition.regex().fullmatch(str(value).lower()) is not None
    return found != condition.negated


def requested() -> Listing:
    """The listing the current request asks for (the collection's view wrapper parsed it)."""
    found = g.get("ovirt_listing")
    return found if isinstance(found, Listing) else Listing()


def in_sql(query: Query, columns: Columns) -> Query:
    """:func:`apply` with the current request's listing; the view wrapper then filters nothing
    more in Python."""
    g.ovirt_listing_applied = True
    return apply(query, requested(), columns)
