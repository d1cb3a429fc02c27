"""Forms of the recovery pages (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from federation.identity.forms import LoginForm, RegisterForm


class ForgotPasswordForm(FlaskForm):
    email = LoginForm.email


class ResetPasswordForm(FlaskForm):
    """The new password and its confirmation, with the rules of registration."""

    password = RegisterForm.password
    confirm = RegisterForm.confirm
