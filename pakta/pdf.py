"""HTML to PDF with WeasyPrint, never touching the network or files outside ``pakta/static``.

Print templates embed what they need as ``data:`` URIs (QR codes, signatures) or refer to the
app's static files by their URL (``/static/css/print.css``, or ``static_url(...)``). The URL
fetcher serves exactly those two and refuses everything else, so HTML that carries a
user-supplied value can never make the server fetch a URL (SSRF) or read a local file.

A template rendered again and again (a certificate) can spare WeasyPrint work in two ways,
both through its documented API: ``render_pdf(..., stylesheets=[...])`` parses a static
stylesheet once per thread and hands it to ``write_pdf(stylesheets=...)``; and
``render_pdf(..., resources={...})`` hands over images as bytes, at ``resource_url(name)``,
instead of as ``data:`` URIs that the HTML parser reads character by character and the
fetcher decodes again (a logo's URI is most of a certificate's HTML).
"""

import mimetypes
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "INTERNAL_BASE_URL",
    "STATIC_FOLDER",
    "STATIC_URL_PATH",
    "ResourceRefused",
    "SafeURLFetcher",
    "render_pdf",
    "resource_url",
    "safe_url_fetcher",
    "stylesheet",
]

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
STATIC_URL_PATH = "/static/"
# Relative URLs resolve against this when the caller gives no base URL. The .invalid
# top-level domain never resolves (RFC 2606), and nothing under it is fetched anyway.
INTERNAL_BASE_URL = "https://pakta.invalid/"
RESOURCE_URL = INTERNAL_BASE_URL + "_resources/"

Resources = Mapping[str, tuple[bytes, str]]  # name: (content, media type)


class ResourceRefused(ValueError):
    """A PDF asked for a resource that is neither a data: URI nor a static file."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class SafeURLFetcher(URLFetcher):
    """Serves ``data:`` URIs, static files and the caller's ``resources``; raises
    ``ResourceRefused`` for anything else.

    Static files are URLs on the base URL's origin (or the internal one) whose path starts
    with ``/static/``; they are read from ``STATIC_FOLDER`` after resolving the path, so
    ``..``, encoded or not, and symbolic links cannot leave the folder. Resources are the
    bytes given for this document, at ``resource_url(name)`` (on the internal origin).
    """

    def __init__(
        self,
        base_url: str | None = None,
        static_folder: Path = STATIC_FOLDER,
        resources: Resources | None = None,
    ):
        super().__init__(allowed_protocols=("data",))
        self._resources = dict(resources or {})
        self._origins = {_origin(INTERNAL_BASE_URL)}
        if base_url:
            self._origins.add(_origin(base_url))
        self._static_folder = static_folder.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return self._data(url)
        if url.startswith(RESOURCE_URL):
            return self._resource(url)
        if scheme in ("http", "https"):
            return self._static_file(url)
        raise ResourceRefused(f"PDF resources must be data: URIs or static files, not {url!r}")

    def _data(self, url: str) -> URLFetcherResponse:
        try:
            response = DataHandler().data_open(Request(url))  # noqa: S310 (data: only)
        except ValueError as error:
            raise ResourceRefused(f"malformed data: URI ({error})") from error
        return URLFetcherResponse(url, response.read(), dict(response.headers))

    def _resource(self, url: str) -> URLFetcherResponse:
        found = self._resources.get(url[len(RESOURCE_URL) :])
        if found is None:
            raise ResourceRefused(f"no resource for {url!r}")
        content, media_type = found
        return URLFetcherResponse(url, content, {"Content-Type": media_type})

    def _static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if _origin(url) not in self._origins or not parts.path.startswith(STATIC_URL_PATH):
            raise ResourceRefused(f"PDF resources are never fetched from the network: {url!r}")
        relative = unquote(parts.path[len(STATIC_URL_PATH) :])
        try:
            path = (self._static_folder / relative).resolve()
            found = path.is_relative_to(self._static_folder) and path.is_file()
        except (OSError, ValueError):  # a NUL byte, a name too long
            found = False
        if not found:
            raise ResourceRefused(f"no static file for {url!r}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})


def resource_url(name: str) -> str:
    """Where a document finds the resource ``name`` given to ``render_pdf``."""
    return RESOURCE_URL + name


def safe_url_fetcher(url: str) -> URLFetcherResponse:
    """The fetcher ``render_pdf`` uses when it has no base URL (for tests and one-off use)."""
    return SafeURLFetcher().fetch(url)


_local = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread: building it costs about as much as a small PDF.

    Per thread because Pango's font maps are not meant to be shared between threads
    (a web request and the background certificate worker may render at once).
    """
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def stylesheet(name: str) -> CSS:
    """The static stylesheet ``name`` (``"css/certificate.css"``), parsed once per thread.

    Parsed again when the file changes. Kept per thread with the thread's font configuration,
    which a stylesheet's ``@font-face`` rules would register fonts with.
    """
    path = (STATIC_FOLDER / name).resolve()
    if not path.is_relative_to(STATIC_FOLDER):
        raise ResourceRefused(f"no static stylesheet {name!r}")
    changed = path.stat().st_mtime_ns
    kept = _local.__dict__.setdefault("stylesheets", {})
    if name not in kept or kept[name][0] != changed:
        base_url = INTERNAL_BASE_URL + STATIC_URL_PATH.lstrip("/") + name
        css = CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=base_url,
            url_fetcher=SafeURLFetcher(),
            font_config=_font_config(),
        )
        kept[name] = (changed, css)
    return kept[name][1]


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (),
    resources: Resources | None = None,
    pdf_version: str | None = None,
) -> bytes:
    """The PDF for an HTML document; relative URLs resolve against ``base_url``.

    ``stylesheets`` names static files (see ``stylesheet``) that style the document after
    its own ``<style>`` and ``<link>`` elements, with the cascade's user origin: they
    override WeasyPrint's HTML5 defaults and yield to the document's own rules.
    ``resources`` maps names to ``(bytes, media type)``, which the document finds at
    ``resource_url(name)``. ``pdf_version`` is WeasyPrint's (default 1.7).
    """
    base_url = base_url or INTERNAL_BASE_URL
    fetcher = SafeURLFetcher(base_url, resources=resources)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(
        font_config=_font_config(),
        stylesheets=[stylesheet(name) for name in stylesheets],
        pdf_version=pdf_version,
    )
