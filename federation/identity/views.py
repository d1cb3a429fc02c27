"""Sign-in, registration and the account pages."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from federation.db import db
from federation.errors import ServiceError
from federation.identity import passwords, services
from federation.identity.decorators import login_required_here
from federation.identity.forms import (
    DeleteAccountForm,
    EmptyForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    TokenForm,
)
from federation.identity.personal_data import erase_user, export_user
from federation.security import no_store, safe_next, security_event

auth_bp = Blueprint("auth", __name__)
account_bp = Blueprint("account", __name__, url_prefix="/account")


def _form_error(form, exc: ServiceError) -> None:
    """Put a service error next to its field (or in the summary)."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        form.form_errors.append(str(exc.message))


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            security_event("login_failed")
            form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        else:
            session.clear()  # a fresh session on login (no fixation)
            login_user(user, remember=form.remember.data)
            if user.locale:
                session["lang"] = user.locale
            db.session.commit()
            security_event("login_succeeded", user_id=user.id)
            return redirect(safe_next(request.args.get("next"), url_for("home.home")))
    return render_template(
        "auth/login.html", form=form
    ), 200 if not form.errors and not form.form_errors else 422


@auth_bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # a copied session cookie stops working too (R18): sessions carry this version
            current_user.session_version += 1
            db.session.commit()
        logout_user()
        session.clear()
        flash(_("Vous êtes déconnecté·e."), "info")
    return redirect("/")


@auth_bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.password.data, form.display_name.data, locale=form.locale.data
            )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            session["lang"] = user.locale or "fr"
            from federation.auth.verification import send_after_signup

            send_after_signup(user)
            flash(_("Bienvenue ! Rejoignez maintenant votre commune."), "success")
            flash(
                _(
                    "Un lien de confirmation est envoyé à %(email)s : suivez-le avant de "
                    "demander à rejoindre une commune.",
                    email=user.email,
                ),
                "info",
            )
            return redirect(safe_next(request.args.get("next"), "/"))
    status = 422 if (form.errors or form.form_errors) else 200
    return render_template("auth/register.html", form=form), status


@account_bp.route("/", methods=["GET", "POST"])
def profile():
    user = login_required_here()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.display_name = form.display_name.data.strip()
        user.locale = form.locale.data
        user.digest = form.digest.data
        session["lang"] = user.locale
        db.session.commit()
        flash(_("Profil enregistré."), "success")
        return redirect(url_for("account.profile"))
    return render_template(
        "account/profile.html", form=form, memberships=services.memberships_of(user.id)
    ), 422 if form.errors else 200


@account_bp.route("/password", methods=["GET", "POST"])
def password():
    user = login_required_here()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            login_user(user)  # keep this session, the others end (session_version)
            flash(_("Mot de passe changé. Vos autres sessions sont fermées."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form), 422 if (
        form.errors or form.form_errors
    ) else 200


@account_bp.route("/memberships")
def memberships():
    user = login_required_here()
    return render_template("account/memberships.html", memberships=services.memberships_of(user.id))


@account_bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    user = login_required_here()
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            _token, new_secret = services.create_token(user, form.name.data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            no_store()  # the page shows the new secret once: no cache keeps it
            form = TokenForm(formdata=None)
    return render_template(
        "account/tokens.html",
        form=form,
        tokens=services.tokens_of(user),
        new_secret=new_secret,
        revoke_form=EmptyForm(),
    )


@account_bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    user = login_required_here()
    if EmptyForm().validate_on_submit():
        try:
            services.revoke_token(user, token_id)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Jeton révoqué."), "success")
    return redirect(url_for("account.tokens"))


@account_bp.route("/export")
def export():
    user = login_required_here()
    data = export_user(user)
    security_event("personal_data_exported")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="convergence-{user.id}.json"'},
    )


@account_bp.route("/delete", methods=["GET", "POST"])
def delete():
    user = login_required_here()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not passwords.verify_password(user.password_hash, form.password.data):
            form.password.errors = [_("Mot de passe incorrect.")]
        else:
            erase_user(user)
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Votre compte est supprimé."), "info")
            return redirect("/")
    return render_template("account/delete.html", form=form), 422 if form.errors else 200


__all__ = ["account_bp", "auth_bp", "current_user"]
