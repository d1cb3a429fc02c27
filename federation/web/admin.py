"""Commune administration (for its admins) and platform administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from federation.csvio import read_source
from federation.db import db
from federation.errors import ServiceError
from federation.identity import joining
from federation.identity import services as identity
from federation.identity.decorators import check_permission, login_required_here
from federation.identity.forms import LOCALE_CHOICES, EmptyForm
from federation.identity.models import Membership
from federation.identity.permissions import ADMIN_PERMISSION, COMMUNE_ROLES
from federation.identity.verification import generate_codes, import_residents
from federation.plugins import services as plugins
from federation.tenancy import services as tenancy
from federation.web.schema_forms import form_fields, read_form

admin_bp = Blueprint("commune_admin", __name__, url_prefix="/c/<commune>/admin")
platform_bp = Blueprint("platform_admin", __name__, url_prefix="/admin")

SLUG = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="a-z, 0-9, -")


class CommuneProfileForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0)])
    default_locale = SelectField(_l("Langue par défaut"), choices=LOCALE_CHOICES)
    host = StringField(_l("Nom d'hôte propre"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Présentation"), validators=[Optional(), Length(max=20000)])
    verification_method = SelectField(_l("Vérification des adhésions"), choices=[])


class CommuneCreateForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Identifiant"), validators=[Optional(), Length(max=64), SLUG])
    insee_code = StringField(_l("Code INSEE"), validators=[Optional(), Length(min=5, max=5)])
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0)])


class FederationCreateForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Identifiant"), validators=[Optional(), Length(max=64), SLUG])
    kind = SelectField(
        _l("Type"),
        choices=[
            ("basin", _l("Bassin versant")),
            ("food", _l("Territoire alimentaire")),
            ("epci", _l("Intercommunalité")),
            ("other", _l("Autre")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])


class AddMemberCommuneForm(FlaskForm):
    federation = StringField(_l("Fédération"), validators=[DataRequired(), Length(max=64), SLUG])
    commune = StringField(_l("Commune"), validators=[DataRequired(), Length(max=64), SLUG])


class CoordinatorForm(FlaskForm):
    federation = StringField(_l("Fédération"), validators=[DataRequired(), Length(max=64), SLUG])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


def _member_here(membership_id: int) -> Membership:
    member = db.session.get(Membership, membership_id)
    if member is None or member.commune_id != g.commune.id:
        abort(404)
    return member


# --- commune administration --------------------------------------------------------------


@admin_bp.route("/")
def index():
    check_permission("core.members.approve")
    return redirect(url_for("commune_admin.members"))


@admin_bp.route("/members")
def members():
    check_permission("core.members.approve")
    everyone = identity.members_of(g.commune.id)
    return render_template(
        "admin/members.html",
        commune=g.commune,
        pending=[m for m in everyone if m.status == "pending"],
        active=[m for m in everyone if m.status == "active"],
        roles=COMMUNE_ROLES,
        form=EmptyForm(),
    )


@admin_bp.route("/members/<int:membership_id>/<action>", methods=["POST"])
def member_action(membership_id: int, action: str):
    if action not in ("approve", "refuse", "grant", "revoke"):
        abort(404)
    user = check_permission(
        "core.members.roles" if action in ("grant", "revoke") else "core.members.approve"
    )
    member = _member_here(membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            if member.status != "pending":
                raise ServiceError(_("Seule une demande en attente peut être validée."))
            joining.approve(member, user)
        elif action == "refuse":
            joining.refuse(member, user)
        elif action == "grant":
            identity.grant_role(member, request.form.get("role", ""))
        else:
            identity.revoke_role(member, request.form.get("role", ""))
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        name = member.user.display_name
        db.session.commit()
        said = {
            "approve": _("L'adhésion de %(u)s est validée ; %(u)s est prévenu·e.", u=name),
            "refuse": _("La demande de %(u)s est refusée ; %(u)s est prévenu·e.", u=name),
            "grant": _("Le rôle est donné à %(u)s.", u=name),
            "revoke": _("Le rôle est retiré à %(u)s.", u=name),
        }
        flash(said[action], "success")
    return redirect(url_for("commune_admin.members"))


@admin_bp.route("/permissions", methods=["GET", "POST"])
def permissions():
    check_permission(ADMIN_PERMISSION)
    registry = identity.registry()
    form = EmptyForm()
    if form.validate_on_submit():
        table = identity.role_permission_table(g.commune.id)
        for perm in registry.all():
            for role in COMMUNE_ROLES:
                wanted = f"{role}:{perm.name}" in request.form
                if wanted != (perm.name in table[role]):
                    identity.set_role_permission(g.commune.id, role, perm.name, wanted)
        db.session.commit()
        flash(_("Le tableau des rôles est enregistré."), "success")
        return redirect(url_for("commune_admin.permissions"))
    return render_template(
        "admin/permissions.html",
        commune=g.commune,
        roles=COMMUNE_ROLES,
        permissions=registry.all(),
        table=identity.role_permission_table(g.commune.id),
        form=form,
    )


@admin_bp.route("/plugins")
def plugin_list():
    check_permission(ADMIN_PERMISSION)
    pm = plugins.manager()
    enabled = plugins.enabled_plugins(g.commune.id)
    return render_template(
        "admin/plugins.html",
        commune=g.commune,
        plugins=[pm.switchable[n] for n in sorted(pm.switchable)],
        enabled=enabled,
        form=EmptyForm(),
    )


@admin_bp.route("/plugins/<name>", methods=["GET", "POST"])
def plugin_settings(name: str):
    user = check_permission(ADMIN_PERMISSION)
    plugin = plugins.manager().switchable.get(name)
    if plugin is None:
        abort(404)
    enabled = name in plugins.enabled_plugins(g.commune.id)
    values = plugins.plugin_settings(g.commune.id, name)
    errors: dict[str, list[str]] = {}
    summary: list[str] = []
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action", "save")
        raw = read_form(plugin.settings_schema, request.form) if plugin.settings_schema else {}
        try:
            if action == "disable":
                plugins.disable_plugin(g.commune, name, actor=user)
            else:
                plugins.enable_plugin(
                    g.commune, name, raw if plugin.settings_schema else None, actor=user
                )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
            summary = [str(exc.message)]
            values = {**values, **raw}
        else:
            db.session.commit()
            flash(
                _("Module « %(label)s » : c'est enregistré.", label=plugin.label or name), "success"
            )
            return redirect(url_for("commune_admin.plugin_list"))
    fields_ = form_fields(plugin.settings_schema, values, errors) if plugin.settings_schema else []
    status = 422 if summary else 200
    return render_template(
        "admin/plugin_settings.html",
        commune=g.commune,
        plugin=plugin,
        enabled=enabled,
        fields=fields_,
        summary=summary,
        errors=errors,
        form=form,
    ), status


@admin_bp.route("/profile", methods=["GET", "POST"])
def profile():
    check_permission(ADMIN_PERMISSION)
    commune = g.commune
    form = CommuneProfileForm(obj=commune)
    methods = plugins.verification_methods()
    form.verification_method.choices = [(n, str(m.label)) for n, m in methods.items()]
    summary: list[str] = []
    if form.validate_on_submit():
        try:
            tenancy.update_commune(
                commune,
                allowed_methods=methods,
                name=form.name.data,
                population=form.population.data,
                default_locale=form.default_locale.data,
                host=(form.host.data or "").strip().lower() or None,
                description=form.description.data or "",
                verification_method=form.verification_method.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [str(exc.message)]
            summary.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Profil de la commune enregistré."), "success")
            return redirect(url_for("commune_admin.profile"))
    status = 422 if (form.errors or summary) else 200
    return render_template(
        "admin/profile.html", commune=commune, form=form, summary=summary
    ), status


@admin_bp.route("/verification", methods=["GET", "POST"])
def verification():
    user = check_permission("core.members.approve")
    form = EmptyForm()
    codes: list[str] = []
    if form.validate_on_submit():
        if request.form.get("action") == "codes":
            try:
                count = int(request.form.get("count", "0"))
            except ValueError:
                count = 0
            if not 1 <= count <= 500:
                flash(_("Nombre de codes : entre 1 et 500."), "error")
            else:
                codes = generate_codes(g.commune.id, count, user.id)
                db.session.commit()
        elif request.form.get("action") == "residents":
            try:
                text = read_source(request.form.get("emails") or "", field_name="emails")
                added = import_residents(g.commune.id, text.splitlines()[:20000])
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(
                    _("%(n)d adresse(s) ajoutée(s) à la liste des habitant·es.", n=added),
                    "success",
                )
    return render_template("admin/verification.html", commune=g.commune, form=form, codes=codes)


# --- platform administration -------------------------------------------------------------


def _platform_admin():
    user = login_required_here()
    if not user.is_platform_admin:
        abort(403)
    return user


@platform_bp.route("/", methods=["GET", "POST"])
def platform_index():
    _platform_admin()
    commune_form = CommuneCreateForm(prefix="commune")
    federation_form = FederationCreateForm(prefix="federation")
    member_form = AddMemberCommuneForm(prefix="member")
    coordinator_form = CoordinatorForm(prefix="coordinator")
    action = request.form.get("action")
    status = 200
    forms = {
        "commune": commune_form,
        "federation": federation_form,
        "member": member_form,
        "coordinator": coordinator_form,
    }
    target = forms.get(action or "")
    if request.method == "POST" and target is not None and target.validate_on_submit():
        try:
            _platform_action(action, target)
        except ServiceError as exc:
            db.session.rollback()
            field = getattr(target, exc.field or "", None)
            if field is not None:
                field.errors = [str(exc.message)]
            else:
                target.form_errors.append(str(exc.message))
            status = 422
        else:
            db.session.commit()
            said = {
                "commune": _("La commune %(n)s est créée.", n=target.data.get("name", "")),
                "federation": _("La fédération %(n)s est créée.", n=target.data.get("name", "")),
                "member": _("La commune a rejoint la fédération."),
                "coordinator": _(
                    "Le rôle de coordination est donné à %(e)s.", e=target.data.get("email", "")
                ),
            }
            flash(said.get(action or "", _("C'est enregistré.")), "success")
            return redirect(url_for("platform_admin.platform_index"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "admin/platform.html",
        federations=tenancy.list_federations(),
        communes_count=tenancy.count_communes(),
        **{f"{k}_form": v for k, v in forms.items()},
    ), status


def _platform_action(action: str | None, form: FlaskForm) -> None:
    data = form.data
    if action == "commune":
        tenancy.create_commune(
            data["name"],
            data["slug"] or None,
            insee_code=data["insee_code"] or None,
            population=data["population"],
        )
    elif action == "federation":
        tenancy.create_federation(
            data["name"],
            data["slug"] or None,
            kind=data["kind"],
            description=data["description"] or "",
        )
    elif action == "member":
        tenancy.add_commune_to_federation(
            tenancy.get_federation(data["federation"]), tenancy.get_commune(data["commune"])
        )
    elif action == "coordinator":
        federation = tenancy.get_federation(data["federation"])
        user = identity.find_user_by_email(data["email"])
        if user is None:
            raise ServiceError(_("Aucun compte avec cette adresse."), field="email")
        identity.grant_federation_role(federation.id, user, "coordinator")


__all__ = ["admin_bp", "platform_bp", "select"]
