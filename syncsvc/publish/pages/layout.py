"""The shell every public page shares: one inline stylesheet, landmarks, footer links.

The stylesheet is inline (no request to anyone, no font, no CDN) and the same bytes on
every page, so the server's Content-Security-Policy allows exactly it by hash
(``CSP``) and forbids every script. Mobile first: one column that reads at 320 px, a
wider measure on desktops, ``prefers-color-scheme`` for dark mode, a print stylesheet that
drops navigation. Colours meet WCAG 2.1 AA contrast in both schemes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape

from ...i18n import SOURCE, Translator, direction, native_name, translator

STYLE = (
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#474747;--link:#0b4fa8;"
    "--line:#c9c9c9;--soft:#f2f4f7;--no-bg:#fde8e6;--no-fg:#8f1d12;--mv-bg:#fff1cc;"
    "--mv-fg:#5e3c00;--focus:#b84d00}"
    "@media (prefers-color-scheme:dark){:root{--bg:#141414;--fg:#ececec;--muted:#c8c8c8;"
    "--link:#9cc3ff;--line:#4a4a4a;--soft:#232629;--no-bg:#5a1812;--no-fg:#ffdcd6;"
    "--mv-bg:#473300;--mv-fg:#ffe9b0;--focus:#ffb26b}}"
    "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.55 system-ui,"
    "-apple-system,'Segoe UI',Roboto,sans-serif;overflow-wrap:break-word}"
    ".wrap{max-width:46rem;margin:0 auto;padding:0 1rem}"
    "header.site{border-bottom:1px solid var(--line);padding:.6rem 0}"
    "header.site a{font-weight:700;text-decoration:none}"
    "header.site nav ul{display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;list-style:none;"
    "margin:.3rem 0 0;padding:0}"
    "footer.site{border-top:1px solid var(--line);margin-top:3rem;padding:1rem 0 2rem;"
    "color:var(--muted)}footer.site ul{list-style:none;padding:0;display:flex;"
    "flex-wrap:wrap;gap:.2rem 1.2rem}"
    "a{color:var(--link);text-underline-offset:.15em}a:hover{text-decoration-thickness:2px}"
    "a:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px;"
    "border-radius:2px}"
    ".skip{position:absolute;inset-inline-start:-100vw;top:0}.skip:focus{"
    "inset-inline-start:.5rem;top:.5rem;"
    "background:var(--bg);padding:.4rem .6rem;z-index:2}"
    "h1{font-size:1.6rem;line-height:1.25;margin:1.2rem 0 .8rem}"
    "h2{font-size:1.25rem;line-height:1.3;margin:2rem 0 .5rem;padding-bottom:.2rem;"
    "border-bottom:1px solid var(--line)}h3{font-size:1.05rem;margin:1.2rem 0 .3rem}"
    "ul.events{list-style:none;margin:0;padding:0}ul.events>li{padding:.6rem 0;"
    "border-bottom:1px solid var(--line)}ul.events>li:last-child{border-bottom:0}"
    ".ev-title{font-weight:700;font-size:1.05em}.meta{color:var(--muted);margin:.1rem 0 0}"
    ".badge{display:inline-block;padding:0 .35em;border-radius:3px;font-weight:700;"
    "font-size:.92em}.no{background:var(--no-bg);color:var(--no-fg)}"
    ".mv{background:var(--mv-bg);color:var(--mv-fg)}"
    ".cancelled .ev-title a{text-decoration:line-through}"
    ".filters ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0;"
    "margin:.3rem 0}"
    ".box{background:var(--soft);border-radius:6px;padding:.6rem .9rem;margin:1rem 0}"
    ".action{display:inline-block;padding:.45rem .8rem;border:2px solid var(--link);"
    "border-radius:6px;font-weight:700;text-decoration:none;margin-block:.2rem;"
    "margin-inline:0 .4rem}"
    "dl.facts{margin:1rem 0}dl.facts dt{font-weight:700;margin-top:.6rem}"
    "dl.facts dd{margin:0}"
    "code,pre{font-family:ui-monospace,monospace;font-size:.92em;background:var(--soft);"
    "border-radius:4px}code{padding:0 .2em;overflow-wrap:anywhere}"
    "pre{padding:.6rem;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".table{overflow-x:auto}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid var(--line);padding:.3rem .4rem;text-align:start;"
    "vertical-align:top}"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
    "img{max-width:100%}nav.langs ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;"
    "list-style:none;margin:.3rem 0 0;padding:0;font-size:.95em}"
    "@media (min-width:48rem){body{font-size:1.125rem}h1{font-size:2rem}}"
    "@media print{:root{--bg:#fff;--fg:#000;--muted:#222;--link:#000}"
    "header.site nav,.filters,.skip,.action-row,footer.site{display:none}"
    "body{font-size:11pt}a{text-decoration:none}"
    "ul.events>li{break-inside:avoid}h2{break-after:avoid}"
    ".content a[href^='http']::after{content:' (' attr(href) ')';font-size:.85em}}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# No script-src: default-src 'none' forbids every script. A JSON-LD data block is not
# executed, so the policy does not apply to it (and it needs no exception).
CSP = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Site:
    """What every page's header and footer need (from settings; no secrets in here)."""

    name: str
    base: str  # base URL without trailing slash
    impressum_url: str = ""
    datenschutz_url: str = ""
    lang: str = SOURCE  # the page's language
    languages: tuple[str, ...] = (SOURCE,)  # every published language (language links)

    @property
    def prefix(self) -> str:
        """The language's folder: "" for German (its URLs are what they always were)."""
        return "" if self.lang == SOURCE else f"{self.lang}/"

    @property
    def home(self) -> str:
        """The start page of the page's language (German: /de/, since / may redirect)."""
        return f"{self.base}/{self.lang}/" if len(self.languages) > 1 else f"{self.base}/"

    @property
    def tr(self) -> Translator:
        return translator(self.lang)

    def in_lang(self, lang: str) -> Site:
        return Site(self.name, self.base, self.impressum_url, self.datenschutz_url, lang,
                    self.languages)


def site_of(settings, lang: str = SOURCE) -> Site:
    return Site(settings.name, settings.base_url.rstrip("/"),
                getattr(settings, "impressum_url", ""), getattr(settings, "datenschutz_url", ""),
                lang, tuple(getattr(settings, "languages", (SOURCE,))))


def lang_attrs(text_lang: str, page_lang: str) -> str:
    """``lang``/``dir`` for a text in another language than its page (screen readers read
    it in its own voice, bidi lays a German title out left-to-right on an Arabic page)."""
    if text_lang == page_lang:
        return ""
    return f" lang=\"{escape(text_lang)}\" dir=\"{direction(text_lang)}\""


def page(site: Site, title: str, body: str, *, head: str = "", canonical: str = "",
         here: str | None = None) -> str:
    """A whole HTML document; ``body`` is already escaped HTML for inside <main>.
    ``here``: the page's path inside a language's folder ("" = start page), for the
    language links; by default taken from ``canonical``."""
    return "".join(page_chunks(site, title, (body,), head=head, canonical=canonical,
                               here=here))


def page_chunks(site: Site, title: str, body: Iterable[str], *, head: str = "",
                canonical: str = "", here: str | None = None) -> Iterator[str]:
    """``page`` in pieces: the shell around ``body``'s chunks, each chunk as it comes, so
    a listing of every upcoming date (64 MB of HTML at 1,000 partners) is never one
    string, nor copied whole by the f-strings and the encoding around it."""
    _ = site.tr.gettext
    link = f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else ""
    if here is None:
        here = canonical.removeprefix(f"{site.base}/{site.prefix}")
    rtl = " dir=\"rtl\"" if site.tr.direction == "rtl" else ""
    skip = _("Zum Inhalt springen")
    yield (
        f"<!doctype html>\n<html lang=\"{escape(site.lang)}\"{rtl}>\n"
        "<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n{link}{alternates(site, here)}"
        f"<style>{STYLE}</style>\n{head}</head>\n"
        f"<body>\n<a class=\"skip\" href=\"#inhalt\">{escape(skip)}</a>\n"
        f"{header(site, here)}\n<main id=\"inhalt\" class=\"wrap content\">\n"
    )
    yield from body
    yield f"\n</main>\n{footer(site)}\n</body>\n</html>\n"


def lang_url(site: Site, lang: str, here: str) -> str:
    """The same page in ``lang``: every language has its own stable URL."""
    if lang == SOURCE:
        return f"{site.base}/{here}" if here else f"{site.base}/de/"
    return f"{site.base}/{lang}/{here}"


def alternates(site: Site, here: str) -> str:
    if len(site.languages) < 2:
        return ""
    return "".join(f"<link rel=\"alternate\" hreflang=\"{escape(lang)}\" "
                   f"href=\"{escape(lang_url(site, lang, here))}\">\n"
                   for lang in site.languages)


def language_links(site: Site, here: str) -> str:
    if len(site.languages) < 2:
        return ""
    items = []
    for lang in site.languages:
        current = " aria-current=\"true\"" if lang == site.lang else ""
        items.append(f"<li><a href=\"{escape(lang_url(site, lang, here))}\" "
                     f"hreflang=\"{escape(lang)}\"{lang_attrs(lang, site.lang)}{current}>"
                     f"{escape(native_name(lang))}</a></li>")
    label = site.tr.gettext("Sprache")
    return (f"<nav class=\"langs\" aria-label=\"{escape(label)}\">"
            f"<ul>{''.join(items)}</ul></nav>")


def header(site: Site, here: str = "") -> str:
    _ = site.tr.gettext
    home = escape(site.home)
    pages = escape(f"{site.base}/{site.prefix}termine/")
    nav, start, dates = _("Hauptnavigation"), _("Startseite"), _("Alle Termine")
    subscribe = _("Kalender abonnieren")
    return (
        "<header class=\"site\"><div class=\"wrap\">"
        f"<a href=\"{home}\">{escape(site.name)}</a>\n"
        f"<nav aria-label=\"{escape(nav)}\"><ul>"
        f"<li><a href=\"{home}\">{escape(start)}</a></li>"
        f"<li><a href=\"{pages}\">{escape(dates)}</a></li>"
        f"<li><a href=\"{pages}abonnieren.html\">{escape(subscribe)}</a>"
        f"</li></ul></nav>{language_links(site, here)}</div></header>"
    )


def footer(site: Site) -> str:
    _ = site.tr.gettext
    links = []
    if site.impressum_url:
        text = _("Impressum")
        links.append(f"<li><a href=\"{escape(site.impressum_url)}\">{escape(text)}</a></li>")
    if site.datenschutz_url:
        text = _("Datenschutz")
        links.append(f"<li><a href=\"{escape(site.datenschutz_url)}\">{escape(text)}</a></li>")
    items = f"<ul>{''.join(links)}</ul>" if links else ""
    text = _("{name} – Termine der Partner im Netzwerk").format(name=site.name)
    return (f"<footer class=\"site\"><div class=\"wrap\"><p>{escape(text)}</p>{items}</div>"
            "</footer>")
