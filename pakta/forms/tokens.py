from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class NewTokenForm(PaktaForm):
    name = StringField(
        _l("Name (who or what uses it)"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=128)],
    )
    # Choices are the units, set by the view: "" is the whole Pemda.
    unit = SelectField(_l("Scope"), choices=[], default="")
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(PaktaForm):
    submit = SubmitField(_l("Revoke"))
