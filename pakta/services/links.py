"""Personal signing links: one unguessable link per employee per campaign."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased, defer, joinedload

from pakta import keys
from pakta.models import (
    Campaign,
    Employee,
    EmploymentType,
    IssuedCertificate,
    PactText,
    Signature,
    SigningLink,
    Unit,
    User,
    utcnow,
)


@dataclass(frozen=True)
class LinkRow:
    identity_number: str
    name: str
    unit_code: str
    unit_name: str
    position: str
    token: str


def token_for(link: SigningLink) -> str:
    return keys.signing_link_token(link.campaign_id, link.employee_id, link.version)


def _new_link(campaign: Campaign, employee_id: int, version: int, creator: User | None):
    link = SigningLink(
        campaign_id=campaign.id,
        employee_id=employee_id,
        version=version,
        created_by_id=creator.id if creator else None,
    )
    link.token_hash = keys.token_hash(token_for(link))
    return link


def active_links(session: Session, campaign: Campaign, unit_ids: set[int] | None):
    query = (
        select(SigningLink, Employee, Unit)
        .join(Employee, SigningLink.employee_id == Employee.id)
        .join(Unit, Employee.unit_id == Unit.id)
        .where(
            SigningLink.campaign_id == campaign.id,
            SigningLink.voided_at.is_(None),
            Employee.active,
        )
        .order_by(Unit.code, Employee.name)
    )
    if unit_ids is not None:
        query = query.where(Employee.unit_id.in_(unit_ids))
    return session.execute(query).all()


def ensure_links(
    session: Session, campaign: Campaign, unit_ids: set[int] | None, creator: User | None
) -> int:
    """Give every active employee in the units a link if they have none; returns how many."""
    employees = select(Employee.id).where(Employee.active)
    if unit_ids is not None:
        employees = employees.where(Employee.unit_id.in_(unit_ids))
    linked = select(SigningLink.employee_id).where(
        SigningLink.campaign_id == campaign.id, SigningLink.voided_at.is_(None)
    )
    missing = session.scalars(employees.where(Employee.id.not_in(linked))).all()
    # Employees whose links were all voided continue from their last version.
    versions = dict(
        session.execute(
            select(SigningLink.employee_id, func.max(SigningLink.version))
            .where(SigningLink.campaign_id == campaign.id, SigningLink.employee_id.in_(missing))
            .group_by(SigningLink.employee_id)
        ).all()
    )
    session.add_all(
        _new_link(campaign, employee_id, versions.get(employee_id, 0) + 1, creator)
        for employee_id in missing
    )
    session.flush()
    return len(missing)


def export_rows(
    session: Session, campaign: Campaign, unit_ids: set[int] | None, creator: User | None
) -> list[LinkRow]:
    """Every active employee's link in the units, creating the missing ones first."""
    ensure_links(session, campaign, unit_ids, creator)
    return [
        LinkRow(
            identity_number=employee.identity_number,
            name=employee.name,
            unit_code=unit.code,
            unit_name=unit.name,
            position=employee.position,
            token=token_for(link),
        )
        for link, employee, unit in active_links(session, campaign, unit_ids)
    ]


def regenerate(
    session: Session, campaign: Campaign, employee: Employee, creator: User | None
) -> str:
    """Void the employee's link and issue a new one; returns the new token."""
    current = session.scalars(
        select(SigningLink)
        .where(SigningLink.campaign_id == campaign.id, SigningLink.employee_id == employee.id)
        .order_by(SigningLink.version.desc())
    ).first()
    if current is not None and current.voided_at is None:
        current.voided_at = utcnow()
    link = _new_link(campaign, employee.id, (current.version if current else 0) + 1, creator)
    session.add(link)
    session.flush()
    return token_for(link)


def _active_link(token: str):
    return select(SigningLink).where(
        SigningLink.token_hash == keys.token_hash(token), SigningLink.voided_at.is_(None)
    )


def _well_formed(token: str) -> bool:
    return bool(token) and len(token) <= 64


def resolve(session: Session, token: str) -> SigningLink | None:
    """The active link for a token, or None (unknown, malformed or voided)."""
    if not _well_formed(token):
        return None
    return session.scalar(_active_link(token))


@dataclass(frozen=True)
class Opened:
    """An active link with everything the signer's pages show."""

    link: SigningLink
    campaign: Campaign
    employee: Employee
    # The employee's valid signature in the campaign, if any: after a revocation the
    # link offers signing again.
    signature: Signature | None
    certificate_issued: bool  # whether that signature's certificate is stored
    # Whether the employee has a revoked signature in the campaign: their page says so.
    revoked_before: bool = False


# Built once: every signing request runs it, and building the statement and its cache key
# cost more CPU than running it. The drawn PNG stays in the database (deferred): the
# signer's pages never show it.
_REVOKED = aliased(Signature)
_OPEN = (
    select(
        SigningLink,
        Signature,
        IssuedCertificate.id,
        # Whether the employee has a revoked signature in the campaign: their page says so.
        select(_REVOKED.id)
        .where(
            _REVOKED.campaign_id == SigningLink.campaign_id,
            _REVOKED.employee_id == SigningLink.employee_id,
            _REVOKED.revoked_at.is_not(None),
        )
        .exists(),
    )
    .where(SigningLink.token_hash == bindparam("token_hash"), SigningLink.voided_at.is_(None))
    .outerjoin(
        Signature,
        and_(
            Signature.campaign_id == SigningLink.campaign_id,
            Signature.employee_id == SigningLink.employee_id,
            Signature.is_valid,
        ),
    )
    .outerjoin(IssuedCertificate, IssuedCertificate.signature_id == Signature.id)
    .options(
        # A joined collection: one row per pact version (a handful), made unique below.
        joinedload(SigningLink.campaign).joinedload(Campaign.pact_versions),
        joinedload(SigningLink.employee).joinedload(Employee.unit),
        defer(Signature.signature_png),
    )
)


def open_link(session: Session, token: str) -> Opened | None:
    """``resolve`` and what the signing pages read, in one query: the campaign with its pact
    versions, the employee with their unit, the employee's signature if there is one and
    whether its certificate is stored (not the PDF itself)."""
    if not _well_formed(token):
        return None
    row = session.execute(_OPEN, {"token_hash": keys.token_hash(token)}).unique().first()
    if row is None:
        return None
    link, signature, certificate_id, was_revoked = row
    return Opened(
        link, link.campaign, link.employee, signature, certificate_id is not None, was_revoked
    )


# -- what a GET of a personal link shows, read as plain rows ---------------------------------


@dataclass(frozen=True)
class PactView:
    id: int
    sha256: str
    heading: str
    preamble: str
    points: list[str]
    legal_basis: list[str]


@dataclass(frozen=True)
class CampaignView:
    """The campaign as the signing pages read it (``Campaign``'s names, read only)."""

    id: int
    title: str
    issuing_authority: str
    opens_at: datetime
    closes_at: datetime
    pact: PactView

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True)
class UnitView:
    name: str


@dataclass(frozen=True)
class EmployeeView:
    id: int
    identity_number: str
    name: str
    position: str
    employment_type: EmploymentType
    active: bool
    unit_id: int
    unit: UnitView


@dataclass(frozen=True)
class SignatureView:
    id: int
    certificate_number: str
    signed_at: datetime
    signer_name: str
    unit_name: str


@dataclass(frozen=True)
class Shown:
    """An active link as its page shows it: ``Opened`` with read-only views in place of the
    mapped objects, for a GET that writes nothing."""

    campaign: CampaignView
    employee: EmployeeView
    signature: SignatureView | None
    certificate_issued: bool
    revoked_before: bool


_LINKS, _CAMPAIGNS, _PACTS = SigningLink.__table__, Campaign.__table__, PactText.__table__
_EMPLOYEES, _UNITS, _SIGNATURES = Employee.__table__, Unit.__table__, Signature.__table__
_CERTIFICATES, _REVOKED_ROWS = IssuedCertificate.__table__, _SIGNATURES.alias("revoked")
_NEWER_PACTS = _PACTS.alias("newest_pact")
# Built once, columns of the tables rather than mapped entities: the signing page and the
# done page are two of a signature's three requests, and loading six mapped objects (and a
# collection made unique) cost more CPU than the query. The same rows as ``_OPEN``; the
# current pact is the campaign's newest version, as ``Campaign.pact``.
_SHOW = (
    select(
        _CAMPAIGNS.c.id.label("campaign_id"),
        _CAMPAIGNS.c.title,
        _CAMPAIGNS.c.issuing_authority,
        _CAMPAIGNS.c.opens_at,
        _CAMPAIGNS.c.closes_at,
        _PACTS.c.id.label("pact_id"),
        _PACTS.c.sha256,
        _PACTS.c.heading,
        _PACTS.c.preamble,
        _PACTS.c.points,
        _PACTS.c.legal_basis,
        _EMPLOYEES.c.id.label("employee_id"),
        _EMPLOYEES.c.identity_number,
        _EMPLOYEES.c.name,
        _EMPLOYEES.c.position,
        _EMPLOYEES.c.employment_type,
        _EMPLOYEES.c.active,
        _EMPLOYEES.c.unit_id,
        _UNITS.c.name.label("unit"),
        _SIGNATURES.c.id.label("signature_id"),
        _SIGNATURES.c.certificate_number,
        _SIGNATURES.c.signed_at,
        _SIGNATURES.c.signer_name,
        _SIGNATURES.c.unit_name,
        _CERTIFICATES.c.id.label("certificate_id"),
        select(_REVOKED_ROWS.c.id)
        .where(
            _REVOKED_ROWS.c.campaign_id == _LINKS.c.campaign_id,
            _REVOKED_ROWS.c.employee_id == _LINKS.c.employee_id,
            _REVOKED_ROWS.c.revoked_at.is_not(None),
        )
        .exists()
        .label("revoked_before"),
    )
    .select_from(_LINKS)
    .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _LINKS.c.campaign_id)
    .join(
        _PACTS,
        and_(
            _PACTS.c.campaign_id == _CAMPAIGNS.c.id,
            _PACTS.c.version
            == select(func.max(_NEWER_PACTS.c.version))
            .where(_NEWER_PACTS.c.campaign_id == _CAMPAIGNS.c.id)
            .scalar_subquery(),
        ),
    )
    .join(_EMPLOYEES, _EMPLOYEES.c.id == _LINKS.c.employee_id)
    .join(_UNITS, _UNITS.c.id == _EMPLOYEES.c.unit_id)
    .outerjoin(
        _SIGNATURES,
        and_(
            _SIGNATURES.c.campaign_id == _LINKS.c.campaign_id,
            _SIGNATURES.c.employee_id == _LINKS.c.employee_id,
            _SIGNATURES.c.revoked_at.is_(None),
        ),
    )
    .outerjoin(_CERTIFICATES, _CERTIFICATES.c.signature_id == _SIGNATURES.c.id)
    .where(_LINKS.c.token_hash == bindparam("token_hash"), _LINKS.c.voided_at.is_(None))
)


def show_link(session: Session, token: str) -> Shown | None:
    """``open_link`` for a page that only shows: the same link, campaign, current pact,
    employee, unit, valid signature and certificate, in one statement of plain rows."""
    if not _well_formed(token):
        return None
    row = session.connection().execute(_SHOW, {"token_hash": keys.token_hash(token)}).first()
    if row is None:
        return None
    campaign = CampaignView(
        row.campaign_id,
        row.title,
        row.issuing_authority,
        row.opens_at,
        row.closes_at,
        PactView(row.pact_id, row.sha256, row.heading, row.preamble, row.points, row.legal_basis),
    )
    employee = EmployeeView(
        row.employee_id,
        row.identity_number,
        row.name,
        row.position,
        row.employment_type,
        row.active,
        row.unit_id,
        UnitView(row.unit),
    )
    signature = None
    if row.signature_id is not None:
        signature = SignatureView(
            row.signature_id,
            row.certificate_number,
            row.signed_at,
            row.signer_name,
            row.unit_name,
        )
    return Shown(
        campaign, employee, signature, row.certificate_id is not None, bool(row.revoked_before)
    )
