"""What text XML 1.0 can carry: the REST layer refuses what it cannot (``rest``), and whatever
the engine writes for XML answers spells it out (the audit log's descriptions, ``access.audit``).

Standard library only, so that any layer may use it."""

from __future__ import annotations

import re

NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters that XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/FFFF)."""


def xml_safe(text: str) -> str:
    """Text for an XML answer: what XML cannot carry is spelled as a Python escape (``\\x1f``)."""
    return NOT_IN_XML.sub(lambda found: repr(found.group())[1:-1], text)
