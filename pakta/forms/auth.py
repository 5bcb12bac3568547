from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from pakta.forms.base import PaktaForm
from pakta.i18n import _l


class LoginForm(PaktaForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(PaktaForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=1024)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class LogoutForm(PaktaForm):
    submit = SubmitField(_l("Log out"))


class SecondFactorForm(PaktaForm):
    code = StringField(
        _l("Code from the authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(PaktaForm):
    code = StringField(
        _l("Code from the authenticator app"), validators=[DataRequired(), Length(max=16)]
    )
    submit = SubmitField(_l("Turn on two-step login"))


class ConfirmForm(PaktaForm):
    """A form with only its CSRF token, for buttons that change something."""

    submit = SubmitField(_l("Confirm"))
