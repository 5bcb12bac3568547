import os
import socket
import threading
import urllib.request
from io import BytesIO

import pytest
import qrcode
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint.urls import URLFetcher

from pakta import pdf
from pakta.qr import qr_data_uri, qr_png, qr_svg


def first_page(document: bytes):
    return PdfFileReader(BytesIO(document)).root["/Pages"]["/Kids"][0]


@pytest.fixture
def network_calls(monkeypatch) -> list:
    """Every way out of the process WeasyPrint could take; each records the call.

    Recording rather than raising: WeasyPrint catches a fetcher's exceptions and renders on.
    """
    calls = []

    def refuse(name):
        def call(*args, **kwargs):
            calls.append((name, args))
            raise OSError(f"test: {name} must not be called")

        return call

    monkeypatch.setattr(URLFetcher, "fetch", refuse("URLFetcher.fetch"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse("OpenerDirector.open"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    return calls


@pytest.fixture
def fetched(monkeypatch) -> list:
    """The URLs WeasyPrint asked the safe fetcher for, with what became of each."""
    asked = []
    fetch = pdf.SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = fetch(self, url, headers)
        except pdf.ResourceRefused:
            asked.append((url, "refused"))
            raise
        asked.append((url, "served"))
        return response

    monkeypatch.setattr(pdf.SafeURLFetcher, "fetch", spy)
    return asked


def test_remote_images_and_stylesheets_are_refused_without_touching_the_network(
    network_calls, fetched
):
    html = (
        '<link rel="stylesheet" href="http://example.com/a.css">'
        '<p>Pakta</p><img src="https://example.com/x.png">'
    )
    document = pdf.render_pdf(html)
    assert document.startswith(b"%PDF")
    assert network_calls == []
    assert ("http://example.com/a.css", "refused") in fetched
    assert ("https://example.com/x.png", "refused") in fetched


def test_a_base_url_does_not_make_its_own_pages_fetchable(network_calls, fetched):
    html = '<img src="/s/secret-token"><img src="/static/img/favicon.svg">'
    pdf.render_pdf(html, base_url="https://pakta.example.go.id")
    assert network_calls == []
    assert fetched == [
        ("https://pakta.example.go.id/s/secret-token", "refused"),
        ("https://pakta.example.go.id/static/img/favicon.svg", "served"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/x.png",
        "http://example.com/a.css",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/file",
        "file:///etc/passwd",
        f"file://{pdf.STATIC_FOLDER}/css/app.css",
        "https://example.com/static/css/app.css",
        "https://pakta.invalid/s/token",
        "https://pakta.invalid/static/missing.css",
        "https://pakta.invalid/static/%2e%2e/pdf.py",
        "https://pakta.invalid/static/..%2f..%2fpyproject.toml",
        "https://pakta.invalid/static//etc/passwd",
        "https://pakta.invalid/static/%00",
        "https://pakta.invalid/_resources/logo.png",
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses_anything_but_data_and_static_files(network_calls, url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.safe_url_fetcher(url)
    assert network_calls == []


def test_the_fetcher_serves_data_uris_and_static_files():
    image = pdf.safe_url_fetcher(qr_data_uri("https://pakta.example.go.id/s/abc"))
    assert image.content_type == "image/png"
    assert image.read().startswith(b"\x89PNG")
    css = pdf.safe_url_fetcher("https://pakta.invalid/static/css/app.css?v=0123abcd")
    assert css.content_type == "text/css"
    assert css.read() == (pdf.STATIC_FOLDER / "css" / "app.css").read_bytes()


def test_a_data_image_renders_into_the_pdf(network_calls):
    document = pdf.render_pdf(f'<img src="{qr_data_uri("hello")}" style="width: 3cm">')
    assert document.startswith(b"%PDF")
    assert first_page(document)["/Resources"]["/XObject"]
    assert network_calls == []


def test_qr_codes_come_as_an_svg_element_a_png_and_a_data_uri():
    svg = qr_svg("https://pakta.example.go.id/s/abc")
    assert svg.startswith("<svg") and "<path" in svg and 'id="' not in svg
    assert qr_png("x").startswith(b"\x89PNG")
    assert qr_data_uri("x").startswith("data:image/png;base64,")


def test_resources_are_served_to_their_own_document_only(network_calls, fetched):
    png = qr_png("https://pakta.example.go.id/s/abc", box_size=1)
    html = f'<img src="{pdf.resource_url("qr.png")}"><img src="{pdf.resource_url("other.png")}">'
    document = pdf.render_pdf(html, resources={"qr.png": (png, "image/png")})
    assert len(first_page(document)["/Resources"]["/XObject"]) == 1
    assert fetched == [
        ("https://pakta.invalid/_resources/qr.png", "served"),
        ("https://pakta.invalid/_resources/other.png", "refused"),
    ]
    with pytest.raises(pdf.ResourceRefused):
        pdf.safe_url_fetcher(pdf.resource_url("qr.png"))
    assert network_calls == []


def test_a_static_stylesheet_is_parsed_once_per_thread_and_again_when_it_changes(
    tmp_path, monkeypatch
):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "print.css"
    sheet.write_text("p { color: red }")
    monkeypatch.setattr(pdf, "STATIC_FOLDER", tmp_path)
    monkeypatch.setattr(pdf._local, "stylesheets", {}, raising=False)
    first = pdf.stylesheet("css/print.css")
    assert pdf.stylesheet("css/print.css") is first
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(pdf.stylesheet("css/print.css")))
    thread.start()
    thread.join()
    assert elsewhere[0] is not first
    sheet.write_text("p { color: blue }")
    os.utime(sheet, ns=(sheet.stat().st_mtime_ns + 10**9,) * 2)
    assert pdf.stylesheet("css/print.css") is not first
    with pytest.raises(pdf.ResourceRefused):
        pdf.stylesheet("../pdf.py")


def test_named_stylesheets_override_weasyprints_defaults_but_not_the_documents_own_rules(
    tmp_path, monkeypatch
):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.css").write_text("h1, h2 { bookmark-level: none }")
    monkeypatch.setattr(pdf, "STATIC_FOLDER", tmp_path)
    monkeypatch.setattr(pdf._local, "stylesheets", {}, raising=False)

    def bookmarks(html: str, stylesheets=()) -> list[str]:
        root = PdfFileReader(BytesIO(pdf.render_pdf(html, stylesheets=stylesheets))).root
        titles, entry = [], root["/Outlines"]["/First"] if "/Outlines" in root else None
        while entry is not None:
            titles.append(str(entry["/Title"]))
            following = entry.get("/Next")  # a reference, or None after the last
            entry = following.get_object() if following is not None else None
        return titles

    html = "<style>h2 { bookmark-level: 1 }</style><h1>Pakta</h1><h2>Sertifikat</h2>"
    # WeasyPrint's HTML5 defaults make every heading a bookmark.
    assert bookmarks(html) == ["Pakta", "Sertifikat"]
    assert bookmarks(html, ["css/print.css"]) == ["Sertifikat"]


# -- QR codes -------------------------------------------------------------------------------


def test_qr_codes_use_the_pinned_mask_instead_of_trying_all_eight(monkeypatch):
    def refuse(self):
        raise AssertionError("qrcode tried every mask")

    monkeypatch.setattr(qrcode.QRCode, "best_mask_pattern", refuse)
    url = "https://pakta.example.go.id/v/" + "AQTpqTM0UEkyNi0w5FgwLTdKUTcM" * 6
    assert qr_png(url).startswith(b"\x89PNG")
    assert qr_svg(url).startswith("<svg")
