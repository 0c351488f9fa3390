"""What a translation must keep of its English: the template's fields, with their specs."""

from __future__ import annotations

import string
from collections import Counter


def fields(template: str) -> Counter[tuple[str, str | None, str | None]]:
    """Each ``{name!conversion:spec}`` of ``template``, counted (a field may come twice)."""
    return Counter((name, conversion, spec or None)
                   for _, name, spec, conversion in string.Formatter().parse(template)
                   if name is not None)
