from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from pakta.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=1024)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"), validators=[DataRequired(), Length(max=16)]
    )
    submit = SubmitField(_l("Turn on two-step login"))


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""

    submit = SubmitField(_l("Confirm"))
