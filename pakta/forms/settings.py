from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from pakta.forms.base import PaktaForm
from pakta.i18n import _l
from pakta.services.pemda import MAX_NAME_LENGTH


class PemdaForm(PaktaForm):
    name = StringField(_l("Name of the Pemda"), validators=[Length(max=MAX_NAME_LENGTH)])
    # No FileAllowed: the file's name proves nothing, services.logos reads its content.
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    submit = SubmitField(_l("Save"))
