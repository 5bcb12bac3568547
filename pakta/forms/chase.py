from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class ReminderForm(PaktaForm):
    """Sending reminder emails is confirmed with a tick, so a stray click sends nothing."""

    confirm = BooleanField(
        _l("Yes, email their personal link to each person listed who has an email address"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Send reminder emails"))
