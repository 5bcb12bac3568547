"""What a hostile or merely unusual user types or uploads, as Hypothesis strategies."""

import base64
import io
import zipfile

from hypothesis import strategies as st

NAMES = [
    "Nur'aini",
    "Ma'ruf Amin",
    "Ni Luh Putu Ayu Déwi",
    "Cut Nyak Dhien",
    "R.A. Kartini, S.Pd.",
    "Dr. H. Ahmad, M.Si.",
    "I Gusti Ngurah Rai",
    "Zoë O'Brien-Ñúñez",
]
MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "</td></tr><b>bold</b>",
    "{{ 7*7 }}{% raw %}",
    "${7*7}",
    "<!--",
    '"; DROP TABLE employee; --',
    '=HYPERLINK("http://x")',
    "<style>@import url(file:///etc/passwd)</style>",
    "<link rel=stylesheet href=file:///etc/passwd>",
]
ODD = [
    "\u202eKIRI\u202c",  # right-to-left override
    "\u200f\u0645\u062d\u0645\u062f",  # right-to-left mark, Arabic
    "\u200b\u200c\u200d\ufeff",  # zero-width
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\ud7ff\ue000\U0010ffff",
    " " * 3,
    "9" * 300,
    "x" * 5000,
]

pieces = st.sampled_from(NAMES + MARKUP + ODD) | st.text(max_size=40)
hostile_text = st.lists(pieces, min_size=1, max_size=4).map("".join)


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["NIP", "Nama", "Jabatan", "Unit"])
    sheet.append(["198609262015051001", "Nur'aini", "<b>Staf</b>", "DINKES"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_of(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


CSV = b"NIP;Nama;Jabatan;Unit\n198609262015051001;Nur'aini;Staf;DINKES\n"
XLSX = _xlsx_bytes()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body onload=alert(1)>x</body></html>"
PNG_HEADER = b"\x89PNG\r\n\x1a\n"
UPLOADS = [
    CSV[: len(CSV) // 2],
    b"\xef\xbb\xbf" + CSV[:20],
    CSV.replace(b";", b"\x00"),
    XLSX[: len(XLSX) // 2],
    XLSX[:100],
    _zip_of("[Content_Types].xml", b"<Types"),
    SVG,
    HTML,
    PNG_HEADER + SVG,
    PNG_HEADER + b"\x00" * 30,
    b"%PDF-1.7\n" + b"\x00" * 50,
    b"",
]
hostile_file = st.sampled_from(UPLOADS) | st.binary(max_size=2000)
upload_names = st.sampled_from(
    [
        "roster.csv",
        "roster.xlsx",
        "logo.png",
        "logo.svg",
        "x.png.html",
        "../../etc/passwd",
        "a\x00.csv",
    ]
)

# What signature-pad.js sends: a data: URL, here carrying SVG, HTML or garbage as "PNG".
image_data_urls = st.tuples(
    st.sampled_from(["data:image/png;base64,", "data:image/svg+xml;base64,", "data:text/html,"]),
    hostile_file.map(lambda body: base64.b64encode(body).decode()),
).map("".join)
