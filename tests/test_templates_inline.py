"""Templates and HTML-building code keep to what the Content-Security-Policy allows
(pakta/headers.py: scripts and styles from the app's files only), so a new inline
script, style or event handler fails here rather than silently in the browser."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

# Rendered to PDF by WeasyPrint (pakta.services.certificates.issuing, .exports,
# .link_exports) and never sent to a browser: no CSP applies to them.
PRINT_ONLY = {"certificates/certificate.html", "rollups/recap.html", "links/slips.html"}

FORBIDDEN = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=\s*[\"'{]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def offences(text: str) -> list[str]:
    found = []
    for kind, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {kind}")
    return found


def browser_templates() -> list[str]:
    names = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))
    return [name for name in names if name not in PRINT_ONLY]


@pytest.mark.parametrize("name", browser_templates())
def test_a_page_template_has_no_inline_script_style_or_handler(name):
    assert offences((TEMPLATES / name).read_text(encoding="utf-8")) == []


def markup_builders() -> list[str]:
    """The modules that write HTML or SVG themselves (pakta.charts, pakta.qr)."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "pakta").rglob("*.py")
        if re.search(r"\bMarkup\b|<svg", path.read_text(encoding="utf-8"))
    )


def test_the_modules_that_build_markup_are_found():
    assert {"pakta/charts.py", "pakta/qr.py"} <= set(markup_builders())


@pytest.mark.parametrize("path", markup_builders())
def test_code_that_builds_html_or_svg_writes_no_inline_style_or_script(path):
    assert offences((ROOT / path).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<div style="color: red">',
        '<button onclick="go()">',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">',
    ],
)
def test_the_scan_catches_each_kind_of_inline_code(snippet):
    assert offences(snippet)


def test_the_scan_allows_script_files_and_json_data_blocks():
    assert offences('<script src="/static/js/kiosk.js" defer></script>') == []
    assert offences('<script type="application/json" id="keys">{}</script>') == []
