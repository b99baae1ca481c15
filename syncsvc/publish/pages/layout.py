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
from dataclasses import dataclass
from html import escape

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
    ".skip{position:absolute;left:-100vw;top:0}.skip:focus{left:.5rem;top:.5rem;"
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
    "border-radius:6px;font-weight:700;text-decoration:none;margin:.2rem .4rem .2rem 0}"
    "dl.facts{margin:1rem 0}dl.facts dt{font-weight:700;margin-top:.6rem}"
    "dl.facts dd{margin:0}"
    "code,pre{font-family:ui-monospace,monospace;font-size:.92em;background:var(--soft);"
    "border-radius:4px}code{padding:0 .2em;overflow-wrap:anywhere}"
    "pre{padding:.6rem;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".table{overflow-x:auto}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid var(--line);padding:.3rem .4rem;text-align:left;"
    "vertical-align:top}"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
    "img{max-width:100%}"
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


def site_of(settings) -> Site:
    return Site(settings.name, settings.base_url.rstrip("/"),
                getattr(settings, "impressum_url", ""), getattr(settings, "datenschutz_url", ""))


def page(site: Site, title: str, body: str, *, head: str = "", canonical: str = "") -> str:
    """A whole HTML document; ``body`` is already escaped HTML for inside <main>."""
    link = f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else ""
    return (
        "<!doctype html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n{link}<style>{STYLE}</style>\n{head}</head>\n"
        "<body>\n<a class=\"skip\" href=\"#inhalt\">Zum Inhalt springen</a>\n"
        f"{header(site)}\n<main id=\"inhalt\" class=\"wrap content\">\n{body}\n</main>\n"
        f"{footer(site)}\n</body>\n</html>\n"
    )


def header(site: Site) -> str:
    return (
        "<header class=\"site\"><div class=\"wrap\">"
        f"<a href=\"{escape(site.base)}/\">{escape(site.name)}</a>\n"
        "<nav aria-label=\"Hauptnavigation\"><ul>"
        f"<li><a href=\"{escape(site.base)}/\">Startseite</a></li>"
        f"<li><a href=\"{escape(site.base)}/termine/\">Alle Termine</a></li>"
        f"<li><a href=\"{escape(site.base)}/termine/abonnieren.html\">Kalender abonnieren</a>"
        "</li></ul></nav></div></header>"
    )


def footer(site: Site) -> str:
    links = []
    if site.impressum_url:
        links.append(f"<li><a href=\"{escape(site.impressum_url)}\">Impressum</a></li>")
    if site.datenschutz_url:
        links.append(f"<li><a href=\"{escape(site.datenschutz_url)}\">Datenschutz</a></li>")
    items = f"<ul>{''.join(links)}</ul>" if links else ""
    return (f"<footer class=\"site\"><div class=\"wrap\"><p>{escape(site.name)} – Termine der "
            f"Partner im Netzwerk</p>{items}</div></footer>")
