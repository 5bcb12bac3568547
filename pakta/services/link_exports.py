"""Personal links handed out as a spreadsheet (CSV) or as printed slips with QR codes (PDF).

Both take the rows of ``links.export_rows`` and the public ``base_url``, so they never read
the app's configuration. The PDF is rendered from ``templates/links/slips.html`` here,
rather than in each caller, so the admin view and ``pakta links export`` cannot drift apart;
that needs an app context (for the template and its translations), as any caller has.
"""

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from pakta.pdf import render_pdf
from pakta.qr import qr_data_uri
from pakta.services.identity import mask_identity
from pakta.services.links import LinkRow
from pakta.services.spreadsheet import csv_bytes

__all__ = ["CSV_HEADER", "SLIPS_PER_PAGE", "Slip", "link_url", "links_csv", "links_pdf", "slips"]

CSV_HEADER = ("nip", "nama", "unit", "link")
SLIPS_PER_PAGE = 8  # 2 columns x 4 rows on A4; the template lays them out


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def links_csv(rows: list[LinkRow], base_url: str) -> bytes:
    """UTF-8 with a BOM so Excel reads the names right; cells that would run as formulas are
    prefixed with an apostrophe (``spreadsheet.neutralize``)."""
    return csv_bytes(
        CSV_HEADER,
        (
            (row.identity_number, row.name, row.unit_name, link_url(base_url, row.token))
            for row in rows
        ),
    )


@dataclass(frozen=True)
class Slip:
    name: str
    position: str
    unit_name: str
    masked_identity: str
    url: str
    qr: str  # a PNG data: URI, one pixel a module


def slips(rows: list[LinkRow], base_url: str) -> list[Slip]:
    """What each printed slip shows. The number is masked: slips get left on desks."""
    result = []
    for row in rows:
        url = link_url(base_url, row.token)
        result.append(
            Slip(
                name=row.name,
                position=row.position,
                unit_name=row.unit_name,
                masked_identity=mask_identity(row.identity_number),
                url=url,
                qr=qr_data_uri(url),
            )
        )
    return result


def links_pdf(
    rows: list[LinkRow],
    base_url: str,
    *,
    campaign_title: str,
    issuing_authority: str,
    locale: str | None = None,
) -> bytes:
    """A4 pages of eight slips to cut apart along the dashed lines.

    ``locale`` forces the slips' language (they are read by employees, not by whoever
    exports them); by default the current one.
    """
    context = {
        "slips": slips(rows, base_url),
        "per_page": SLIPS_PER_PAGE,
        "campaign_title": campaign_title,
        "issuing_authority": issuing_authority,
    }
    if locale:
        with force_locale(locale):
            html = render_template("links/slips.html", **context)
    else:
        html = render_template("links/slips.html", **context)
    return render_pdf(html)
