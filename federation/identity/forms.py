"""WTForms forms of the account pages (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from federation.identity.passwords import MIN_PASSWORD_LENGTH

LOCALE_CHOICES = [("fr", "Français"), ("en", "English")]


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Rester connecté·e"))


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Nom affiché"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("%(n)d caractères au moins.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Confirmer le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les mots de passe diffèrent.")),
        ],
    )
    locale = SelectField(_l("Langue"), choices=LOCALE_CHOICES, default="fr")


#: how a person wants their notices (User.digest, see federation.identity.notices), said
#: as they would say it
DIGEST_CHOICES = [
    ("none", _l("Par e-mail, chacune dès qu'elle arrive")),
    ("daily", _l("Par e-mail, en un résumé chaque jour")),
    ("weekly", _l("Par e-mail, en un résumé chaque semaine")),
    ("off", _l("Pas d'e-mail : seulement sur le site")),
]


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Nom affiché"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Langue"), choices=LOCALE_CHOICES)
    digest = SelectField(
        _l("Recevoir mes notifications"),
        choices=DIGEST_CHOICES,
        description=_l("Elles restent toujours consultables sur le site, dans Notifications."),
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"), validators=[DataRequired(), Length(max=200)]
    )
    new_password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("Les mots de passe diffèrent.")),
        ],
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Nom du jeton"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Pour vous souvenir de son usage, ex. « script compteur »."),
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("Je comprends que mon compte sera supprimé définitivement."), validators=[DataRequired()]
    )


class JoinForm(FlaskForm):
    message = TextAreaField(
        _l("Message pour la commune (facultatif)"), validators=[Optional(), Length(max=2000)]
    )
    verification_value = StringField(_l("Code"), validators=[Optional(), Length(max=200)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: buttons that change state."""
