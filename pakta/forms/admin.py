from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class RosterUploadForm(PaktaForm):
    roster = FileField(
        _l("Roster file (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], _l("Only CSV or XLSX files.")),
        ],
    )
    submit = SubmitField(_l("Check the file"))


class UnitTreeUploadForm(PaktaForm):
    tree = FileField(
        _l("Unit tree file (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], _l("Only CSV or XLSX files.")),
        ],
    )
    submit = SubmitField(_l("Check the file"))


class UnitTreeConfirmForm(PaktaForm):
    submit = SubmitField(_l("Import the unit tree"))


class RosterConfirmForm(PaktaForm):
    skip_bad_rows = BooleanField(_l("Import the good rows and skip the bad ones"))
    deactivate_missing = BooleanField(_l("Deactivate employees who are not in this file"))
    submit = SubmitField(_l("Import"))


class CampaignDetailsForm(PaktaForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    # Empty: the Pemda's name from the settings (services.pemda.letterhead).
    issuing_authority = StringField(
        _l("Issuing authority"), validators=[Optional(), Length(max=255)]
    )
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=128)])
    official_name = StringField(_l("Official named on certificates"), validators=[Length(max=255)])
    official_title = StringField(_l("Official's position"), validators=[Length(max=255)])
    opens_at = DateTimeLocalField(_l("Opens"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    closes_at = DateTimeLocalField(
        _l("Closes"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    submit = SubmitField(_l("Save"))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The campaign must close after it opens."))


class NewCampaignForm(CampaignDetailsForm):
    slug = StringField(
        _l("Short name for addresses (slug)"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
                message=_l("Use 3–64 lowercase letters, digits and hyphens."),
            ),
        ],
    )


class PactTextForm(PaktaForm):
    heading = StringField(_l("Heading"), validators=[DataRequired(), Length(max=255)])
    preamble = TextAreaField(_l("Opening sentence"), validators=[Optional(), Length(max=2000)])
    points = TextAreaField(
        _l("Points, one per paragraph (separate with an empty line)"),
        validators=[DataRequired(), Length(max=20000)],
    )
    legal_basis = TextAreaField(
        _l("Legal basis, one per paragraph"), validators=[Optional(), Length(max=20000)]
    )
    submit = SubmitField(_l("Save the text"))


def paragraphs(text: str) -> list[str]:
    """Split on blank lines; a single paragraph may wrap over several lines."""
    blocks, current = [], []
    for line in (text or "").splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


class LogoForm(PaktaForm):
    logo = FileField(
        _l("Logo of the issuing authority (PNG or JPEG, at most 512 KB)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["png", "jpg", "jpeg"], _l("The logo must be a PNG or JPEG image.")),
        ],
    )
    submit = SubmitField(_l("Upload the logo"))
