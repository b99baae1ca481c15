"""Links of a listed date to its category's and partner's pages (publish.pages.links).

They are built once per run for each category and partner and then reused for every
listed date (``lru_cache`` over the ``Links`` of the run), so what a link depends on must
be part of what it is cached under: which pages exist, the language, the base URL. A
partner's link does not depend on the date's own link (``SourceRef.url``).
"""

from __future__ import annotations

from syncsvc.models import SourceRef
from syncsvc.publish.pages.links import Links

VHS = SourceRef("vhs", "VHS „Idstein“ & Umgebung", "https://vhs.example/kurs/1")


def test_a_partner_without_a_page_is_named_not_linked_also_after_a_linked_one():
    with_page = Links("https://wir.example", partners=frozenset({"vhs"}))
    without = Links("https://wir.example")
    assert 'href="https://wir.example/termine/partner/vhs.html"' in with_page.partner_link(VHS)
    assert without.partner_link(VHS) == "<bdi>VHS „Idstein“ &amp; Umgebung</bdi>"
    assert "href" in with_page.partner_link(VHS)  # the cached one is still the linked one


def test_a_link_is_the_same_for_every_date_and_in_the_page_s_language():
    links = Links("https://wir.example", partners=frozenset({"vhs"}), lang="en")
    other_date = SourceRef("vhs", VHS.name, "https://vhs.example/kurs/2")
    assert links.partner_link(VHS) == links.partner_link(other_date)
    assert "/en/termine/partner/vhs.html" in links.partner_link(VHS)
    german = Links("https://wir.example", partners=frozenset({"vhs"}))
    assert "Alle Termine von" in german.partner_link(VHS)
    assert "Alle Termine von" not in links.partner_link(VHS)


def test_a_category_is_linked_only_where_its_page_exists():
    with_page = Links("https://wir.example", categories=frozenset({"sprache"}))
    assert 'href="https://wir.example/termine/kategorie/sprache.html"' in \
        with_page.category_link("Sprache")
    assert Links("https://wir.example").category_link("Sprache") == "Sprache"
    assert Links("https://other.example", categories=frozenset({"sprache"})).category_link(
        "Sprache").count("https://other.example/") == 1
