"""Make untrusted partner text safe to republish.

``clean_html`` keeps a small allow-list of tags (nh3, the Rust ammonia sanitizer);
``plain_text`` turns HTML or text into readable plain text without markup or control
characters; ``safe_url`` lets only http(s) links through; ``link_base`` is the base that
relative links resolve against: without user info, query and fragment, because a source
URL may carry credentials there (``https://user:pass@host/feed?token=…``) and an
``href=""`` would otherwise republish them. Those two live in ``config.urls`` (the parse
stage needs the base too, and may not import a later stage).

Plain text keeps things that merely look like markup to XML ("]]>", "</item>"): only
strings that contain real HTML (a known HTML tag, a comment) go through the HTML path.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from ..config.urls import BAD_CHARS, link_base, safe_url

__all__ = ["clean_html", "link_base", "looks_like_html", "one_line", "plain_text",
           "safe_url"]

ALLOWED_TAGS = {
    "p", "br", "a", "ul", "ol", "li", "strong", "em", "b", "i", "u", "blockquote",
    "h3", "h4", "h5", "h6", "code", "pre", "small", "sub", "sup", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# Elements dropped together with their content (never shown as text).
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "noscript", "object", "embed", "template", "svg",
    "math", "textarea", "select", "title", "head",
}
_BLOCK_TAGS = {
    "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
    "blockquote", "pre", "hr", "table", "dt", "dd", "section", "article", "header",
    "footer", "figure", "figcaption", "address", "details", "summary",
}
_HTMLISH = re.compile(
    r"<!--|<\s*/?\s*(?:a|abbr|address|article|b|big|blockquote|body|br|button|center|cite|"
    r"code|dd|del|details|div|dl|dt|em|embed|figure|font|footer|form|h[1-6]|head|header|hr|"
    r"html|i|iframe|img|input|ins|link|li|math|meta|noscript|object|ol|p|pre|s|script|"
    r"section|small|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|textarea|"
    r"th|thead|title|tr|tt|u|ul)(?=[\s/>])",
    re.IGNORECASE,
)
_BLOCK_MARK = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS)) + r")\s*/?>")
_HORIZONTAL_WS = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# Characters that must never reach a published text: C0/C1 controls (except \n, \t),
# surrogates, XML non-characters, bidi overrides (spoofing) and zero-width characters
# (U+200B–U+200D, U+2060, U+FEFF: invisible, they make equal titles differ).

_TEXT_CLEANER = nh3.Cleaner(
    tags=_BLOCK_TAGS, attributes={}, clean_content_tags=DROPPED_WITH_CONTENT,
    strip_comments=True, link_rel=None,
)
_HTML_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, clean_content_tags=DROPPED_WITH_CONTENT,
    strip_comments=True, link_rel="noopener nofollow", url_schemes=LINK_SCHEMES,
    url_relative="deny",
)


def looks_like_html(s: str) -> bool:
    """True when ``s`` contains a real HTML tag or comment (not just "<" or "</item>")."""
    return bool(_HTMLISH.search(s))


def clean_html(html_text: str, base_url: str = "") -> str:
    """Sanitize an HTML fragment with an allow-list; relative links resolve against
    ``base_url`` (http(s) only) or are dropped when there is none."""
    if not html_text or not html_text.strip():
        return ""
    text = BAD_CHARS.sub("", html_text)
    base = link_base(base_url)
    if base:
        cleaned = nh3.clean(
            text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
            clean_content_tags=DROPPED_WITH_CONTENT, strip_comments=True,
            link_rel="noopener nofollow", url_schemes=LINK_SCHEMES,
            url_relative=("rewrite_with_base", base),
        )
    else:
        cleaned = _HTML_CLEANER.clean(text)
    return cleaned.strip()


def plain_text(s: str) -> str:
    """HTML or text → readable plain text: no tags, entities decoded, blocks become
    newlines, no control characters except ``\\n``, whitespace collapsed, NFC."""
    if not s:
        return ""
    text = s
    for _ in range(2):  # a second round catches double-escaped markup ("&lt;b&gt;")
        if looks_like_html(text):
            text = _html_to_text(text)
        elif "&" in text:
            text = html.unescape(text)
        else:
            break
    return _tidy(text)


def one_line(s: str, max_len: int = 0) -> str:
    """``plain_text`` folded onto one line (titles, locations), optionally shortened."""
    text = " ".join(plain_text(s).split())
    if max_len and len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


def _html_to_text(s: str) -> str:
    marked = _BLOCK_MARK.sub("\n", _TEXT_CLEANER.clean(s))
    return html.unescape(marked)


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\t", " ").replace("\xa0", " ")
    text = BAD_CHARS.sub("", text)
    lines = (_HORIZONTAL_WS.sub(" ", line).strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
