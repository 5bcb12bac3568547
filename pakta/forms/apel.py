"""Forms of apel mode: opening and closing it, and the signer's identity check."""

from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class ApelOpenForm(PaktaForm):
    # Choices are the user's units; the view checks the scope itself as well.
    unit = SelectField(_l("Unit (with its sub-units)"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Open apel mode"))


class ApelCloseForm(PaktaForm):
    submit = SubmitField(_l("Close"))


class ApelIdentityForm(PaktaForm):
    number = StringField(_l("NIP (identity number)"), validators=[DataRequired(), Length(max=64)])
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Continue"))
