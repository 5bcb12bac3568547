import secrets

from wtforms import HiddenField, PasswordField, SearchField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


def new_submission_id() -> str:
    return secrets.token_urlsafe(18)


class SignForm(PaktaForm):
    # The drawn signature as a data: URL written by signature-pad.js.
    signature = HiddenField(validators=[Optional(), Length(max=300_000)])
    # Chosen when the form is shown; a resent or retried form carries the same one.
    submission_id = HiddenField(
        default=new_submission_id,
        validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")],
    )
    typed_name = StringField(
        _l("Type your full name as written above"),
        validators=[Optional(), Length(max=255)],
    )
    submit = SubmitField(_l("Sign the pact"))


class KioskSearchForm(PaktaForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Your name or NIP"), validators=[Optional(), Length(max=100)])


class KioskStartForm(PaktaForm):
    submit = SubmitField(_l("Start kiosk mode"))


class KioskExitForm(PaktaForm):
    password = PasswordField(_l("Operator password"), validators=[DataRequired()])
    submit = SubmitField(_l("Leave kiosk mode"))
