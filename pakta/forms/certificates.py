from wtforms import HiddenField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from pakta.forms.base import PaktaForm
from pakta.i18n import _l
from pakta.services.certificates.revocations import REASON_LABELS


class RevokeForm(PaktaForm):
    """Asked in two steps: the reason and note, then a page that names who loses what."""

    # The empty first choice: a reason is chosen on purpose, never by default.
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("Choose a reason…"))]
        + [SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validators=[DataRequired(message=_l("Choose a reason for the revocation."))],
    )
    note = TextAreaField(
        _l("Note"),
        description=_l("Required when the reason is 'other'."),
        validators=[Optional(), Length(max=2000)],
    )
    confirmed = HiddenField()
    submit = SubmitField(_l("Continue"))

    def validate_note(self, field) -> None:
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Say why in the note when the reason is 'other'."))

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class ReinstateForm(PaktaForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Reinstate the certificate"))
