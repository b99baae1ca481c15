"""HTML sanitizing, plain text and URL filtering of untrusted partner content."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.normalize.sanitize import ALLOWED_TAGS, clean_html, one_line, plain_text, safe_url

HOSTILE = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
    '<iframe src="https://evil.example/"></iframe>',
    '<img src=x onerror="alert(1)">',
    '<p onmouseover="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<style>body{display:none}</style>',
    '<svg><script>alert(1)</script></svg>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=x></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<!--<script>alert(1)</script>-->',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
]
FORBIDDEN = re.compile(
    r"<\s*(script|iframe|style|svg|object|embed|form|input|img|math)|\son\w+\s*=|javascript:|data:"
    r"|style=", re.IGNORECASE)


@pytest.mark.parametrize("payload", HOSTILE)
def test_clean_html_removes_active_content(payload):
    cleaned = clean_html(f"<p>Vorher</p>{payload}<p>Nachher</p>", "https://partner.example/")
    assert not FORBIDDEN.search(cleaned), cleaned
    assert "Vorher" in cleaned


def test_clean_html_keeps_the_allow_list_and_marks_links():
    html = ('<h3>Programm</h3><p><strong>Fett</strong> <em>kursiv</em><br>Zeile</p>'
            '<ul><li>Eins</li></ul><ol><li>Zwei</li></ol><blockquote>Zitat</blockquote>'
            '<a href="https://partner.example/x" target="_blank">Link</a>'
            '<a href="mailto:info@partner.example">Mail</a>')
    cleaned = clean_html(html)
    for tag in ("<h3>", "<strong>", "<em>", "<br>", "<ul>", "<ol>", "<li>", "<blockquote>"):
        assert tag in cleaned
    assert ('<a href="https://partner.example/x" rel="noopener nofollow">Link</a>' in cleaned)
    assert 'href="mailto:info@partner.example"' in cleaned
    assert "target=" not in cleaned


def test_clean_html_resolves_relative_links_against_base_or_drops_them():
    html = '<a href="/kontakt">K</a> <a href="plan.pdf">P</a>'
    with_base = clean_html(html, "https://partner.example/aktuelles/meldung")
    assert 'href="https://partner.example/kontakt"' in with_base
    assert 'href="https://partner.example/aktuelles/plan.pdf"' in with_base
    without_base = clean_html(html)
    assert "href" not in without_base and "K" in without_base
    assert "href" not in clean_html(html, "javascript:alert(1)")


def test_clean_html_keeps_umlauts_and_german_quotes():
    assert clean_html("<p>„Grüße“ aus Idstein – ß</p>") == "<p>„Grüße“ aus Idstein – ß</p>"


def test_plain_text_turns_blocks_into_lines_and_decodes_entities():
    html = "<h3>Titel</h3><p>Erste&nbsp;Zeile<br/>zweite   Zeile</p><ul><li>a &amp; b</li></ul>"
    assert plain_text(html) == "Titel\n\nErste Zeile\nzweite Zeile\n\na & b"


def test_plain_text_drops_script_content_and_control_characters():
    assert plain_text("Hallo<script>alert(1)</script> Welt\x00\x07\x1b") == "Hallo Welt"
    assert plain_text("a\u202eb\ufeffc") == "abc"  # bidi override and BOM


def test_plain_text_keeps_xml_breakers_as_text():
    assert plain_text("Vortrag ]]> und </item> <item> danach") == (
        "Vortrag ]]> und </item> <item> danach")
    assert plain_text("Kinder < 6 Jahre & Eltern > 18") == "Kinder < 6 Jahre & Eltern > 18"


def test_plain_text_strips_double_escaped_markup():
    assert plain_text("&lt;b&gt;fett&lt;/b&gt; &amp;amp; mehr") == "fett & mehr"


def test_one_line_flattens_crlf_injection():
    title = one_line("Treffen\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Eingeschleust")
    assert title == "Treffen END:VEVENT BEGIN:VEVENT SUMMARY:Eingeschleust"
    assert one_line("x" * 50, max_len=10) == "xxxxxxxxx…"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://partner.example/a?b=1#c", "https://partner.example/a?b=1#c"),
    ("HTTP://Partner.example/", "http://Partner.example/"),
    ("  https://partner.example/x  ", "https://partner.example/x"),
    ("https://user:secret@partner.example/x", "https://partner.example/x"),
    ("javascript:alert(1)", ""),
    ("data:text/html,hi", ""),
    ("mailto:info@partner.example", ""),
    ("ftp://partner.example/", ""),
    ("/relative/path", ""),
    ("//partner.example/x", ""),
    ("http:///nohost", ""),
    ("https://partner.example/a b", ""),
    ("https://[::1", ""),
    ("", ""),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_plain_text_never_emits_control_characters(s):
    out = plain_text(s)
    assert not _CONTROL.search(out)
    assert "\n" not in one_line(s) and "\r" not in one_line(s)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    list("<>/=\"' :;&#abcdefhijlmnoprstvx") + ["script", "javascript", "onerror", "iframe",
                                                "href", "data", "svg", "style", "!--"]),
    max_size=60).map("".join))
def test_clean_html_never_emits_active_content(s):
    cleaned = clean_html(s, "https://partner.example/")
    collector = _TagCollector()
    collector.feed(cleaned)
    collector.close()
    for tag, attrs in collector.seen:
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert not name.startswith("on")
            if name == "href":
                assert (value or "").startswith(("https://", "http://", "mailto:"))


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_do_not_survive_into_titles(char):
    assert one_line(f"Som{char}mer{char}fest") == "Sommerfest"
