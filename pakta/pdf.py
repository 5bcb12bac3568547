"""HTML to PDF with WeasyPrint, never touching the network or files outside ``pakta/static``.

Print templates embed what they need as ``data:`` URIs (QR codes, signatures) or refer to the
app's static files by their URL (``/static/css/print.css``, or ``static_url(...)``). The URL
fetcher serves exactly those two and refuses everything else, so HTML that carries a
user-supplied value can never make the server fetch a URL (SSRF) or read a local file.
"""

import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "INTERNAL_BASE_URL",
    "STATIC_FOLDER",
    "STATIC_URL_PATH",
    "ResourceRefused",
    "SafeURLFetcher",
    "render_pdf",
    "safe_url_fetcher",
]

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
STATIC_URL_PATH = "/static/"
# Relative URLs resolve against this when the caller gives no base URL. The .invalid
# top-level domain never resolves (RFC 2606), and nothing under it is fetched anyway.
INTERNAL_BASE_URL = "https://pakta.invalid/"


class ResourceRefused(ValueError):
    """A PDF asked for a resource that is neither a data: URI nor a static file."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class SafeURLFetcher(URLFetcher):
    """Serves ``data:`` URIs and static files; raises ``ResourceRefused`` for anything else.

    Static files are URLs on the base URL's origin (or the internal one) whose path starts
    with ``/static/``; they are read from ``STATIC_FOLDER`` after resolving the path, so
    ``..``, encoded or not, and symbolic links cannot leave the folder.
    """

    def __init__(self, base_url: str | None = None, static_folder: Path = STATIC_FOLDER):
        super().__init__(allowed_protocols=("data",))
        self._origins = {_origin(INTERNAL_BASE_URL)}
        if base_url:
            self._origins.add(_origin(base_url))
        self._static_folder = static_folder.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return self._data(url)
        if scheme in ("http", "https"):
            return self._static_file(url)
        raise ResourceRefused(f"PDF resources must be data: URIs or static files, not {url!r}")

    def _data(self, url: str) -> URLFetcherResponse:
        try:
            response = DataHandler().data_open(Request(url))  # noqa: S310 (data: only)
        except ValueError as error:
            raise ResourceRefused(f"malformed data: URI ({error})") from error
        return URLFetcherResponse(url, response.read(), dict(response.headers))

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


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF for an HTML document; relative URLs resolve against ``base_url``."""
    base_url = base_url or INTERNAL_BASE_URL
    document = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher(base_url))
    return document.write_pdf(font_config=_font_config())
