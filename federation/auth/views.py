"""Pages: forgotten password, reset through a link, e-mail address verification.

A link from an e-mail opens a page (GET changes nothing); its button posts the change.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from federation.auth import reset, verification
from federation.auth.forms import ForgotPasswordForm, ResetPasswordForm
from federation.db import db
from federation.errors import ServiceError
from federation.identity.decorators import login_required_here
from federation.identity.forms import EmptyForm
from federation.security import safe_next

bp = Blueprint("auth_recovery", __name__)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_password_reset(form.email.data)
        db.session.commit()
        # the same answer whether or not an account has this address
        flash(
            _(
                "Si un compte existe avec cette adresse, un lien pour choisir un nouveau mot "
                "de passe vient d'y être envoyé. Il reste valable %(n)d minutes.",
                n=reset.max_age_minutes(),
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        reset.check_reset_token(token)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("auth/link_refused.html", message=str(exc.message), reset=True), 400
    if form.validate_on_submit():
        try:
            reset.reset_password(token, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "", None)
            if exc.field == "token" or field is None:
                return render_template(
                    "auth/link_refused.html", message=str(exc.message), reset=True
                ), 400
            field.errors = [*field.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(
                _(
                    "Votre mot de passe est changé et vos sessions ouvertes sont fermées. "
                    "Connectez-vous avec le nouveau."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/account/email", methods=["GET"])
def email_status():
    user = login_required_here()
    return render_template(
        "auth/email_status.html",
        user=user,
        verified=verification.is_verified(user),
        form=EmptyForm(),
    )


@bp.route("/account/email", methods=["POST"])
def resend_verification():
    user = login_required_here()
    if EmptyForm().validate_on_submit():
        if verification.send_verification(user):
            flash(
                _("Un lien de confirmation vient d'être envoyé à %(email)s.", email=user.email),
                "info",
            )
        else:
            flash(_("Votre adresse e-mail est déjà confirmée."), "info")
    return redirect(url_for("auth_recovery.email_status"))


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    form = EmptyForm()
    try:
        user = verification.check_verification_token(token)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("auth/link_refused.html", message=str(exc.message), reset=False), 400
    email = user.email
    if form.validate_on_submit():
        verification.confirm_email(token)
        db.session.commit()
        flash(_("Votre adresse e-mail %(email)s est confirmée.", email=email), "success")
        return redirect(safe_next(request.args.get("next"), "/account/memberships"))
    return render_template("auth/verify.html", form=form, email=email)
