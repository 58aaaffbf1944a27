"""Distances in the clinic's unit (kilometres or miles).

RTR stores every distance in kilometres. A page shows a distance, and any distance written
into a text (the library's step labels quote the source's miles: "Walk 2 / run 3, 1.0 mi"), in
the unit the clinic chose, with one decimal.
"""

from __future__ import annotations

import re
from decimal import Decimal

KM_PER_MILE = Decimal("1.609344")
_NUMBER = r"\d+(?:\.\d+)?"
_WRITTEN = {
    unit: re.compile(rf"(?P<a>{_NUMBER})(?:\s*(?P<dash>[–-])\s*(?P<b>{_NUMBER}))?\s*{unit}\b")
    for unit in ("km", "mi")
}


def _converted(value: Decimal, *, to: str) -> Decimal:
    result = value / KM_PER_MILE if to == "mi" else value * KM_PER_MILE
    return result.quantize(Decimal("0.1"))


def distance(km: Decimal | float | int | None, unit: str = "km") -> str:
    """A distance kept in kilometres, said in `unit` ("5.0 km", "3.1 mi"); "" for none."""
    if km is None or km == "":
        return ""
    value = Decimal(str(km))
    if unit == "mi":
        return f"{_converted(value, to='mi')} mi"
    return f"{value.quantize(Decimal('0.1'))} km"


def in_unit(text: str, unit: str = "km") -> str:
    """The text with every distance written in the other unit said in `unit`."""
    other = "mi" if unit == "km" else "km"

    def said(match: re.Match[str]) -> str:
        first = _converted(Decimal(match["a"]), to=unit)
        if match["b"] is None:
            return f"{first} {unit}"
        return f"{first}{match['dash']}{_converted(Decimal(match['b']), to=unit)} {unit}"

    return _WRITTEN[other].sub(said, text or "")
