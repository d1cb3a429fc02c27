"""Federation pages: confederal council, intercommunal proposals and their ratification,
pooled projects, and the coordinators' view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import posted_form as _form
from federation.intercommunal import council, labels, pooled, ratification
from federation.intercommunal.access import is_coordinator, require_coordinator
from federation.intercommunal.coordination import attention
from federation.tenancy.services import member_communes

bp = Blueprint("intercommunal", __name__, url_prefix="/f/<federation>")
labels.register(bp)


def _base() -> str:
    return f"/f/{g.federation.slug}"


@bp.app_context_processor
def _coordinator_flag():
    federation = g.get("federation")
    return {"is_coordinator": bool(federation and is_coordinator(current_user, federation.id))}


@bp.route("/council")
def council_page():
    return render_template(
        "intercommunal/council.html",
        seats=council.delegates(g.federation, include_past=True),
        record=council.record_of(g.federation),
    )


@bp.route("/proposals", methods=["GET", "POST"])
def proposal_list():
    errors: dict = {}
    if request.method == "POST":
        user = require_coordinator()
        form = _form()
        try:
            deadline = date.fromisoformat(form["deadline"]) if form.get("deadline") else None
            proposal = ratification.create(
                g.federation,
                user,
                form.get("title", ""),
                form.get("text", ""),
                rule=form.get("rule", "majority"),
                threshold=form.get("threshold") or "1/2",
                weighted="weighted" in form,
                deadline=deadline,
                unable_rule=form.get("unable_rule") or "abstain",
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        except ValueError:
            errors = {"deadline": [_("Date invalide.")]}
        else:
            db.session.commit()
            flash(
                _("Proposition enregistrée : envoyez-la aux communes quand elle est prête."),
                "success",
            )
            return redirect(f"{_base()}/proposals/{proposal.id}")
    return render_template(
        "intercommunal/proposals.html",
        proposals=ratification.proposals_of(g.federation),
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@bp.route("/proposals/<int:proposal_id>")
def proposal_page(proposal_id: int):
    try:
        proposal = ratification.get(g.federation, proposal_id)
    except ServiceError:
        abort(404)
    return render_template(
        "intercommunal/proposal.html", proposal=proposal, progress=ratification.progress(proposal)
    )


@bp.route("/proposals/<int:proposal_id>/send", methods=["POST"])
def proposal_send(proposal_id: int):
    user = require_coordinator()
    try:
        ratification.send(ratification.get(g.federation, proposal_id), user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Envoyée aux assemblées des communes membres."), "success")
    return redirect(f"{_base()}/proposals/{proposal_id}")


@bp.route("/projects", methods=["GET", "POST"])
def project_list():
    errors: dict = {}
    communes = member_communes(g.federation.id)
    if request.method == "POST":
        require_coordinator()
        form = _form()
        try:
            contributions = {
                c.id: form.get(f"contribution_{c.id}")
                for c in communes
                if (form.get(f"contribution_{c.id}") or "").strip()
            }
            project = pooled.create_project(
                g.federation,
                form.get("title", ""),
                form.get("budget", ""),
                contributions,
                description=form.get("description", ""),
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            db.session.commit()
            flash(_("Projet mutualisé enregistré."), "success")
            return redirect(f"{_base()}/projects/{project.id}")
    return render_template(
        "intercommunal/projects.html",
        projects=pooled.projects_of(g.federation),
        communes=communes,
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
def project_page(project_id: int):
    try:
        project = pooled.get_project(g.federation, project_id)
    except ServiceError:
        abort(404)
    if request.method == "POST":
        user = require_coordinator()
        form = _form()
        try:
            if form.get("action") == "submit":
                pooled.submit(
                    project,
                    user,
                    rule=form.get("rule", "majority"),
                    threshold=form.get("threshold") or "1/2",
                    unable_rule=form.get("unable_rule") or "abstain",
                )
            else:
                pooled.add_expense(
                    project,
                    form.get("label", ""),
                    form.get("amount", ""),
                    date.fromisoformat(form.get("spent_on") or ""),
                    user,
                )
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        except ValueError:
            flash(_("Date invalide."), "error")
        else:
            db.session.commit()
            if form.get("action") == "submit":
                flash(_("Le projet est soumis à la ratification des communes."), "success")
            else:
                flash(_("La dépense est enregistrée sur le projet."), "success")
        return redirect(f"{_base()}/projects/{project_id}")
    spent = pooled.spent(project)
    return render_template(
        "intercommunal/project.html",
        project=project,
        spent=spent,
        remaining=(pooled.funded(project) if project.status == "approved" else project.budget)
        - spent,
        share=(spent / project.budget * 100) if project.budget else Decimal(0),
    )


@bp.route("/coordination")
def coordination_page():
    require_coordinator()
    return render_template("intercommunal/coordination.html", attention=attention(g.federation))
