"""A partner's free-text LOCATION read as a place: name, street, postcode, town.

Partners write „Bürgerhaus, Löherplatz 1, 65510 Idstein“, „Café Löwenzahn, Idstein“ or
just „Rathaus“. Where a German street line („… 12a“) or a postcode („65510 Idstein“) is
found, schema.org gets a ``PostalAddress``; otherwise the text stays the place's name.
The map link is an OpenStreetMap *search* for the text — a link the reader may follow,
never a tile or request made by the page itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

_POSTCODE = re.compile(r"^(?:D-)?(\d{5})\s+(\S.*)$")
_STREET = re.compile(r"^\D.*\s\d+\s?[a-zA-Z]?(?:\s?[-–/]\s?\d+\s?[a-zA-Z]?)?$")
OSM_SEARCH = "https://www.openstreetmap.org/search"


@dataclass(frozen=True, slots=True)
class Place:
    text: str  # as the partner wrote it
    name: str = ""
    street: str = ""
    postcode: str = ""
    town: str = ""

    @property
    def parsed(self) -> bool:
        return bool(self.street or self.postcode)


def parse_place(text: str) -> Place:
    text = " ".join(text.split())
    parts = [p.strip() for p in text.split(",") if p.strip()]
    name, street, postcode, town = [], "", "", ""
    for part in parts:
        code = _POSTCODE.match(part)
        if code and not postcode:
            postcode, town = code.group(1), code.group(2)
        elif _STREET.match(part) and not street:
            street = part
        else:
            name.append(part)
    if not (street or postcode):
        return Place(text, name=text)
    return Place(text, ", ".join(name), street, postcode, town)


def map_link(text: str) -> str:
    """OpenStreetMap search for the place as written (empty text: no link)."""
    text = " ".join(text.split())
    return f"{OSM_SEARCH}?{urlencode({'query': text})}" if text else ""


def schema_place(place: Place) -> dict:
    """schema.org ``Place``; a ``PostalAddress`` only where the text parsed."""
    out: dict = {"@type": "Place", "name": place.name or place.text}
    if not place.parsed:
        out["address"] = place.text
        return out
    address: dict = {"@type": "PostalAddress", "addressCountry": "DE"}
    if place.street:
        address["streetAddress"] = place.street
    if place.postcode:
        address["postalCode"] = place.postcode
    if place.town:
        address["addressLocality"] = place.town
    out["address"] = address
    return out
