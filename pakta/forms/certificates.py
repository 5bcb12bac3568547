from wtforms import SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pakta.forms.base import PaktaForm
from pakta.i18n import _l
from pakta.services.certificates.revocations import REASON_LABELS


class RevokeForm(PaktaForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Revoke the certificate"))


class ReinstateForm(PaktaForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Reinstate the certificate"))
