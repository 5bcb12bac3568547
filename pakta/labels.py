"""The words people read for the codes Pakta stores: signing methods, audit actions and
the kinds of record an audit event is about.

Codes stay in the database and the exports (they are stable); pages show these labels.
tests/test_labels.py checks that every code the code base can produce has one.
"""

from pakta.i18n import _l
from pakta.models import RevocationAction, SignatureMethod

SIGNING_METHODS = {
    SignatureMethod.PERSONAL_LINK.value: _l("personal link"),
    SignatureMethod.KIOSK.value: _l("kiosk"),
    SignatureMethod.APEL.value: _l("apel (assembly QR code)"),
}

AUDIT_ACTIONS = {
    "apel.open": _l("opened apel mode"),
    "apel.close": _l("closed apel mode"),
    "auth.login": _l("signed in"),
    "auth.logout": _l("signed out"),
    "auth.change_password": _l("changed their password"),
    "auth.change_password_failed": _l("gave a wrong current password"),
    "auth.login_failed": _l("failed to sign in"),
    "auth.mfa_enrolled": _l("turned on two-step login"),
    "auth.recovery_codes_renewed": _l("made new recovery codes"),
    "auth.second_factor_failed": _l("gave a wrong two-step code"),
    "auth.sessions_ended": _l("signed out their other sessions"),
    "audit.export": _l("exported the audit trail"),
    "campaign.create": _l("created a campaign"),
    "campaign.update": _l("changed a campaign"),
    "campaign.update_pact": _l("changed the pact text"),
    "campaign.logo": _l("changed a campaign's logo"),
    "campaign.rollup_settings": _l("changed the rollup settings"),
    f"certificate.{RevocationAction.REVOKE.value}": _l("revoked a certificate"),
    f"certificate.{RevocationAction.REINSTATE.value}": _l("reinstated a certificate"),
    "certificates.export": _l("exported certificates"),
    "kiosk.leave_failed": _l("gave a wrong password to leave the kiosk"),
    "keys.init": _l("set up the signing keys"),
    "keys.rotate": _l("rotated the signing key"),
    "links.export": _l("exported signing links"),
    "mfa.rotate_key": _l("sealed the two-step login secrets under a new key"),
    "links.regenerate": _l("made a new signing link"),
    "privacy.purge": _l("purged old addresses and user agents"),
    "reminders.send": _l("sent reminders"),
    "roster.import": _l("imported the roster"),
    "rollups.export": _l("exported the rollup"),
    "settings.pemda": _l("changed the Pemda settings"),
    "tokens.create": _l("created an API token"),
    "tokens.revoke": _l("revoked an API token"),
    "units.import": _l("imported the units"),
    "user.create": _l("created a user"),
    "user.disable": _l("disabled a user"),
    "user.enable": _l("enabled a user"),
    "user.mfa_reset": _l("reset a user's two-step login"),
    "user.sessions_ended": _l("signed a user out everywhere"),
}

AUDIT_OBJECTS = {
    "apel_session": _l("apel session"),
    "api_token": _l("API token"),
    "audit": _l("audit trail"),
    "campaign": _l("campaign"),
    "employee": _l("employee"),
    "key": _l("key"),
    "pemda_profile": _l("Pemda settings"),
    "retention": _l("retention period"),
    "roster": _l("roster file"),
    "signature": _l("certificate"),
    "unit": _l("unit"),
    "units": _l("units file"),
    "user": _l("user"),
}


def _label(labels: dict, code: str | None) -> str:
    # An unknown code (from an older version, say) is still shown rather than hidden.
    if code is None:
        return ""
    label = labels.get(str(code))
    return str(label) if label is not None else str(code)


def signing_method(code: SignatureMethod | str | None) -> str:
    return _label(SIGNING_METHODS, code.value if isinstance(code, SignatureMethod) else code)


def audit_action(code: str | None) -> str:
    return _label(AUDIT_ACTIONS, code)


def audit_object(kind: str | None, identifier: str | None) -> str:
    """ "certificate PI26-…" rather than "signature PI26-…"."""
    return " ".join(part for part in (_label(AUDIT_OBJECTS, kind), identifier or "") if part)
