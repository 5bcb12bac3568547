"""Campaigns and the text of the pact they ask people to sign.

The pact is a legal text in Bahasa Indonesia: it is content, not interface,
so it is stored as written and never passed through translation.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Campaign, PactText, Signature, utcnow
from pakta.services import logos

DEFAULT_HEADING = "PAKTA INTEGRITAS NETRALITAS ASN"

DEFAULT_PREAMBLE = (
    "Saya yang bertanda tangan di bawah ini, Pegawai Aparatur Sipil Negara (ASN) dan "
    "Non ASN, dengan ini menyatakan dengan sesungguhnya bahwa saya akan:"
)

DEFAULT_POINTS = [
    "Menjaga dan menegakkan prinsip netralitas Pegawai ASN dan Non ASN dalam melaksanakan "
    "fungsi pelayanan publik, baik sebelum, selama, maupun sesudah pelaksanaan Pemilihan.",
    "Menghindari konflik kepentingan, tidak melakukan praktik intimidasi dan ancaman kepada "
    "Pegawai ASN/Non ASN dan seluruh elemen masyarakat, serta tidak memihak kepada pasangan "
    "calon tertentu.",
    "Menggunakan media sosial secara bijak, tidak dipergunakan untuk kepentingan pasangan "
    "calon tertentu, tidak menyebarkan ujaran kebencian serta berita bohong (hoaks).",
    "Menolak politik uang dan segala jenis pemberian dalam bentuk apa pun.",
]

DEFAULT_LEGAL_BASIS = [
    "Keputusan Bersama Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 2 "
    "Tahun 2022, Menteri Dalam Negeri Nomor 800-5474 Tahun 2022, Kepala Badan Kepegawaian "
    "Negara Nomor 246 Tahun 2022, Ketua Komisi Aparatur Sipil Negara Nomor 30 Tahun 2022, dan "
    "Ketua Badan Pengawas Pemilihan Umum Nomor 1447.1/PM.01/K.1/09/2022 tentang Pedoman "
    "Pembinaan dan Pengawasan Netralitas Pegawai Aparatur Sipil Negara dalam Penyelenggaraan "
    "Pemilihan Umum dan Pemilihan.",
    "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara.",
    "Peraturan Pemerintah Nomor 94 Tahun 2021 tentang Disiplin Pegawai Negeri Sipil.",
]

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class CampaignError(ValueError):
    """A campaign request that cannot be carried out; str() is user-facing."""


@dataclass(frozen=True)
class PactContent:
    heading: str
    preamble: str
    points: list[str]
    legal_basis: list[str]


DEFAULT_PACT = PactContent(DEFAULT_HEADING, DEFAULT_PREAMBLE, DEFAULT_POINTS, DEFAULT_LEGAL_BASIS)


def canonical_pact_text(content: PactContent) -> str:
    """The exact text a signer is shown, in one stable form; its hash is the evidence."""
    lines = [content.heading.strip(), "", content.preamble.strip(), ""]
    lines += [f"{number}. {point.strip()}" for number, point in enumerate(content.points, 1)]
    lines += ["", "Dasar hukum:"]
    lines += [f"- {basis.strip()}" for basis in content.legal_basis]
    return "\n".join(lines) + "\n"


def pact_sha256(content: PactContent) -> str:
    return hashlib.sha256(canonical_pact_text(content).encode("utf-8")).hexdigest()


def _clean(content: PactContent) -> PactContent:
    points = [p.strip() for p in content.points if p and p.strip()]
    basis = [b.strip() for b in content.legal_basis if b and b.strip()]
    if not content.heading.strip():
        raise CampaignError(str(_l("The pact needs a heading.")))
    if not points:
        raise CampaignError(str(_l("The pact needs at least one point.")))
    if len(points) > 20:
        raise CampaignError(str(_l("The pact can have at most 20 points.")))
    return PactContent(content.heading.strip(), content.preamble.strip(), points, basis)


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise CampaignError(str(_l("Opening and closing times need a time zone.")))
    if closes_at <= opens_at:
        raise CampaignError(str(_l("The campaign must close after it opens.")))


def create_campaign(
    session: Session,
    *,
    slug: str,
    title: str,
    issuing_authority: str,
    place: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    official_name: str = "",
    official_title: str = "",
    pact: PactContent = DEFAULT_PACT,
) -> Campaign:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise CampaignError(
            str(_l("The slug may use only lowercase letters, digits and hyphens (3–64)."))
        )
    if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise CampaignError(
            str(_l("A campaign with slug {slug} already exists.")).format(slug=slug)
        )
    if not title.strip():
        raise CampaignError(str(_l("The campaign needs a title.")))
    opens_at = opens_at or utcnow()
    closes_at = closes_at or opens_at + timedelta(days=30)
    _check_window(opens_at, closes_at)
    campaign = Campaign(
        slug=slug,
        title=title.strip(),
        issuing_authority=issuing_authority.strip(),
        place=place.strip(),
        official_name=official_name.strip(),
        official_title=official_title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    session.add(campaign)
    _add_version(campaign, _clean(pact))
    session.flush()
    return campaign


def _add_version(campaign: Campaign, content: PactContent) -> PactText:
    version = PactText(
        version=len(campaign.pact_versions) + 1,
        heading=content.heading,
        preamble=content.preamble,
        points=list(content.points),
        legal_basis=list(content.legal_basis),
        sha256=pact_sha256(content),
    )
    campaign.pact_versions.append(version)
    return version


def has_signatures(session: Session, campaign: Campaign) -> bool:
    return session.scalar(select(exists().where(Signature.campaign_id == campaign.id))) or False


def update_pact(session: Session, campaign: Campaign, content: PactContent) -> PactText:
    """Record a new version of the text; refused once anyone has signed."""
    if has_signatures(session, campaign):
        raise CampaignError(
            str(_l("The pact text is frozen: people have already signed this campaign."))
        )
    content = _clean(content)
    if pact_sha256(content) == campaign.pact.sha256:
        return campaign.pact
    version = _add_version(campaign, content)
    session.flush()
    return version


def update_details(
    session: Session,
    campaign: Campaign,
    *,
    title: str,
    issuing_authority: str,
    place: str,
    official_name: str,
    official_title: str,
    opens_at: datetime,
    closes_at: datetime,
) -> None:
    _check_window(opens_at, closes_at)
    if not title.strip():
        raise CampaignError(str(_l("The campaign needs a title.")))
    campaign.title = title.strip()
    campaign.issuing_authority = issuing_authority.strip()
    campaign.place = place.strip()
    campaign.official_name = official_name.strip()
    campaign.official_title = official_title.strip()
    campaign.opens_at = opens_at
    campaign.closes_at = closes_at
    session.flush()


def set_logo(campaign: Campaign, data: bytes) -> None:
    """Store the authority's logo for certificates: a PNG or JPEG, re-encoded as PNG."""
    try:
        campaign.logo = logos.clean(data)
    except logos.LogoError as error:
        raise CampaignError(str(error)) from error
    campaign.logo_type = "image/png"


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.opens_at.desc())))


def get_campaign(session: Session, slug: str) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.slug == slug))


def current_campaign(session: Session, at: datetime | None = None) -> Campaign | None:
    """The campaign the public page shows: open now, else the next to open, else the last."""
    at = at or utcnow()
    open_now = session.scalar(
        select(Campaign)
        .where(Campaign.opens_at <= at, Campaign.closes_at > at)
        .order_by(Campaign.opens_at.desc())
    )
    if open_now:
        return open_now
    upcoming = session.scalar(
        select(Campaign).where(Campaign.opens_at > at).order_by(Campaign.opens_at)
    )
    return upcoming or session.scalar(select(Campaign).order_by(Campaign.closes_at.desc()))


def open_campaign(session: Session, at: datetime | None = None) -> Campaign | None:
    """The current campaign if it is open for signing now, else None."""
    at = at or utcnow()
    campaign = current_campaign(session, at)
    return campaign if campaign is not None and campaign.is_open(at) else None
