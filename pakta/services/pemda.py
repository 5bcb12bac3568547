"""The Pemda's name and logo: the instance's settings, and what a document prints.

Admins set them at /admin/pengaturan; ``PAKTA_PEMDA_NAME`` and ``PAKTA_PEMDA_LOGO`` give
them where the settings leave them empty. A campaign's own authority and logo are more
specific, so they win over the Pemda's (``letterhead``): a campaign run by, say, the
Setda's election desk prints its own line, every other campaign prints the Pemda's.
Nothing here reads a request, so background workers print the same as the web.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Campaign, PemdaProfile, utcnow
from pakta.services import logos

__all__ = [
    "MAX_NAME_LENGTH",
    "Defaults",
    "Letterhead",
    "PemdaError",
    "Profile",
    "letterhead",
    "profile",
    "stored",
    "update",
]

MAX_NAME_LENGTH = 255
PROFILE_ID = 1


class PemdaError(ValueError):
    """A settings change that cannot be saved; str() is user-facing, ``field`` names the
    value at fault ("name" or "logo")."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Defaults:
    """What the environment gives: ``PAKTA_PEMDA_NAME``, and ``PAKTA_PEMDA_LOGO`` already
    read and cleaned when the configuration was loaded (pakta.config)."""

    name: str = ""
    logo: bytes | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "Defaults":
        return cls(name=(config.get("PEMDA_NAME") or "").strip(), logo=config.get("PEMDA_LOGO_PNG"))


@dataclass(frozen=True)
class Profile:
    """The Pemda as the instance knows it, and where each value comes from."""

    name: str
    logo: bytes | None  # PNG
    name_from_environment: bool
    logo_from_environment: bool


@dataclass(frozen=True)
class Letterhead:
    """Who a document says issued it: a name (never empty) and a PNG logo or None."""

    name: str
    logo: bytes | None


def stored(session: Session) -> PemdaProfile:
    """The settings row (made again should someone have deleted it)."""
    row = session.get(PemdaProfile, PROFILE_ID)
    if row is None:
        row = PemdaProfile(id=PROFILE_ID, name="")
        session.add(row)
        session.flush()
    return row


def profile(session: Session, defaults: Defaults) -> Profile:
    row = session.get(PemdaProfile, PROFILE_ID)
    name = row.name if row is not None else ""
    logo = row.logo if row is not None else None
    return Profile(
        name=name or defaults.name,
        logo=logo or defaults.logo,
        name_from_environment=not name and bool(defaults.name),
        logo_from_environment=not logo and defaults.logo is not None,
    )


def update(
    session: Session, *, name: str, logo: bytes | None = None, remove_logo: bool = False
) -> list[str]:
    """Save the name, and a new logo (checked by ``logos.clean``) or none; all or nothing.

    Returns the names of the fields that changed, for the audit trail. An empty name falls
    back to ``PAKTA_PEMDA_NAME``; so does a removed logo to ``PAKTA_PEMDA_LOGO``.
    """
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise PemdaError(
            str(_l("The name may be at most {count} characters.")).format(count=MAX_NAME_LENGTH),
            "name",
        )
    cleaned = None
    if logo is not None:
        try:
            cleaned = logos.clean(logo)
        except logos.LogoError as error:
            raise PemdaError(str(error), "logo") from error
    row = stored(session)
    changed = []
    if row.name != name:
        row.name = name
        changed.append("name")
    if cleaned is not None:
        row.logo = cleaned
        changed.append("logo")
    elif remove_logo and row.logo is not None:
        row.logo = None
        changed.append("logo")
    if changed:
        row.updated_at = utcnow()
    session.flush()
    return changed


# What a document names as its issuer when neither the campaign nor the settings name one.
FALLBACK_NAME = _l("Regional Government")


def _own_name(campaign: Campaign | None) -> str:
    """The campaign's own authority, empty when it leaves it to the Pemda. (Its logo is a
    deferred column: read only where a document prints it, never on the signing page.)"""
    return campaign.issuing_authority.strip() if campaign is not None else ""


def issuer_name(session: Session, campaign: Campaign | None, defaults: Defaults) -> str:
    """The name a page or message about ``campaign`` gives as its issuer, as ``letterhead``
    does; the settings are read only when the campaign names no authority of its own."""
    return _own_name(campaign) or profile(session, defaults).name or str(FALLBACK_NAME)


def letterhead(session: Session, campaign: Campaign | None, defaults: Defaults) -> Letterhead:
    """What a document about ``campaign`` (or about no campaign) prints as its issuer.

    The campaign's own authority and logo first, each on its own; then the Pemda's; a name
    the reader understands ("Pemerintah Daerah") when nothing at all is set.
    """
    own_name = _own_name(campaign)
    own_logo = campaign.logo if campaign is not None else None
    if own_name and own_logo:  # the campaign says it all: no need to read the settings
        return Letterhead(name=own_name, logo=own_logo)
    pemda = profile(session, defaults)
    return Letterhead(
        name=own_name or pemda.name or str(FALLBACK_NAME),
        logo=own_logo or pemda.logo,
    )
