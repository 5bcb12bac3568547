from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class SettingsForm(PaktaForm):
    threshold = IntegerField(
        _l("Flag units below this sign-up rate (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    public_rollup = BooleanField(_l("Show the public transparency page"))
    submit = SubmitField(_l("Save"))
