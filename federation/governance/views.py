"""Governance pages of a commune: the assembly and circles, concerns, organisations,
proposals and deliberation, votes, meetings, mandates and decisions. Thin: the logic is in
the services next door."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import done as _done
from federation.form_posts import posted_form as _form
from federation.form_posts import refused as _refused
from federation.governance import (
    bodies,
    concerns,
    decisions,
    labels,
    mandates,
    meetings,
    objections,
    organisations,
    proposals,
    results,
    votes,
)
from federation.governance.ballot_forms import ballot_from_form
from federation.governance.confirmations import meeting as _meeting_said
from federation.governance.confirmations import moved as _moved
from federation.governance.confirmations import said as _said
from federation.governance.models import BODY_KINDS, MANDATE_ROLES, ORGANISATION_KINDS
from federation.identity.decorators import check_permission, login_required_here
from federation.identity.models import User
from federation.identity.services import has_permission
from federation.tenancy.services import federations_of

bp = Blueprint("governance", __name__, url_prefix="/c/<commune>")
labels.register(bp)


def _base() -> str:
    return f"/c/{g.commune.slug}"


def _user_or_none() -> User | None:
    return current_user if current_user.is_authenticated else None


def _dt(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ServiceError(_("Date et heure invalides."), field=field) from None


def _utc(value: datetime | None) -> datetime | None:
    """A date and time typed in a form (no zone) is read as UTC, as the form says."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ServiceError(_("Date invalide."), field=field) from None


# --- bodies ---------------------------------------------------------------------------


@bp.route("/bodies", methods=["GET", "POST"])
def body_list():
    errors: dict = {}
    if request.method == "POST":
        check_permission("gov.bodies")
        form = _form()
        try:
            body = bodies.create_body(
                form.get("kind", ""),
                form.get("name", ""),
                purpose=form.get("purpose", ""),
                theme=form.get("theme", ""),
                open_membership="open_membership" in form,
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Cercle créé."), f"{_base()}/bodies/{body.slug}")
    return render_template(
        "governance/bodies.html",
        bodies=bodies.bodies(),
        counts=bodies.member_counts(),
        kinds=BODY_KINDS,
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@bp.route("/bodies/<slug>")
def body_page(slug: str):
    try:
        body = bodies.get_body(slug)
    except ServiceError:
        abort(404)
    user = _user_or_none()
    return render_template(
        "governance/body.html",
        body=body,
        members=bodies.members(body),
        is_member=bool(user and bodies.is_member(body, user.id)),
        following=bool(user and proposals.is_following(user.id, body_id=body.id)),
        my_organisations=organisations.represented_by(user.id) if user else [],
        current_mandates=mandates.current(body),
        proposals=proposals.proposals(body),
        meetings=meetings.meetings(body),
        votes=votes.votes(body),
    )


@bp.route("/bodies/<slug>/<action>", methods=["POST"])
def body_action(slug: str, action: str):
    if action not in ("join", "leave", "follow", "unfollow"):
        abort(404)
    user = check_permission("core.participate")
    target = f"{_base()}/bodies/{slug}"
    try:
        body = bodies.get_body(slug)
        if action == "join":
            org_slug = request.form.get("organisation")
            org = organisations.get_organisation(org_slug) if org_slug else None
            bodies.join(body, user, organisation_id=org.id if org else None)
        elif action == "leave":
            bodies.leave(body, user)
        elif action == "follow":
            proposals.follow(user, body=body)
        else:
            proposals.unfollow(user, body=body)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_said("body", action), target)


@bp.route("/bodies/<slug>/calendar.ics")
def body_calendar(slug: str):
    try:
        body = bodies.get_body(slug)
    except ServiceError:
        abort(404)
    text = meetings.icalendar(body, meetings.meetings(body), request.host.split(":")[0])
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{body.slug}.ics"'},
    )


@bp.route("/mandates", methods=["GET", "POST"])
def mandate_list():
    errors: dict = {}
    if request.method == "POST":
        actor = check_permission("gov.mandates")
        form = _form()
        try:
            body = bodies.get_body(form.get("body", ""))
            user = db.session.get(User, int(form.get("user_id") or 0))
            if user is None:
                raise ServiceError(_("Choisissez une personne."), field="user_id")
            federation_id = int(form["federation_id"]) if form.get("federation_id") else None
            mandates.assign(
                body,
                user,
                form.get("role", ""),
                _day(form.get("starts_on"), "starts_on"),
                _day(form.get("ends_on"), "ends_on"),
                mandate_text=form.get("mandate_text", ""),
                federation_id=federation_id,
                election_vote_id=int(form["election_vote_id"])
                if form.get("election_vote_id")
                else None,
                actor=actor,
            )
        except (ServiceError, ValueError) as exc:
            db.session.rollback()
            errors = (
                exc.as_dict()
                if isinstance(exc, ServiceError)
                else {"user_id": [_("Choisissez une personne.")]}
            )
        else:
            return _done(_("Mandat enregistré."), f"{_base()}/mandates")
    assembly = bodies.find_assembly()  # a GET writes nothing (the commune hook made it)
    return render_template(
        "governance/mandates.html",
        federations=federations_of(g.commune.id),
        history=mandates.history(),
        bodies=bodies.bodies(),
        roles=MANDATE_ROLES,
        people=bodies.members(assembly) if assembly else [],
        elections=mandates.elections(),
        errors=errors,
        values=_form(),
        today=date.today(),
    ), 422 if errors else 200


@bp.route("/mandates/<int:mandate_id>/recall-vote", methods=["POST"])
def mandate_recall_vote(mandate_id: int):
    """Prepare the vote whose subject is recalling this mandate (then open it as usual)."""
    actor = check_permission("gov.mandates")
    try:
        vote = mandates.open_recall_vote(mandates.get_mandate(mandate_id), actor)
    except ServiceError as exc:
        return _refused(exc, f"{_base()}/mandates")
    return _done(_("Vote de révocation préparé."), f"{_base()}/votes/{vote.id}")


@bp.route("/mandates/elections", methods=["POST"])
def mandate_election():
    """Prepare the election of mandate holders (delegates…): a vote with one option per
    candidate, which the facilitation then opens and closes."""
    actor = check_permission("gov.mandates")
    target = f"{_base()}/mandates"
    try:
        body = bodies.get_body(request.form.get("body", ""))
        people = [db.session.get(User, int(v)) for v in request.form.getlist("candidates") if v]
        seats = int(request.form.get("seats") or 1)
        federation_id = None
        if request.form.get("federation"):
            from federation.tenancy.services import get_federation

            federation_id = get_federation(request.form["federation"]).id
        vote = mandates.create_election(
            body,
            request.form.get("title", ""),
            [p for p in people if p is not None],
            actor,
            federation_id=federation_id,
            method="stv" if seats > 1 else "approval",
            seats=seats,
        )
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(_("Élection préparée : ouvrez le vote."), f"{_base()}/votes/{vote.id}")


@bp.route("/mandates/<int:mandate_id>/recall", methods=["POST"])
def mandate_recall(mandate_id: int):
    actor = check_permission("gov.mandates")
    target = f"{_base()}/mandates"
    try:
        vote_id = request.form.get("vote_id")
        mandates.recall(
            mandates.get_mandate(mandate_id),
            request.form.get("reason", ""),
            actor,
            decided_by_vote_id=int(vote_id) if vote_id else None,
        )
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(_("Mandat révoqué."), target)


# --- concerns --------------------------------------------------------------------------


@bp.route("/concerns", methods=["GET", "POST"])
def concern_list():
    errors: dict = {}
    if request.method == "POST":
        user = check_permission("core.participate")
        form = _form()
        try:
            concern = concerns.raise_concern(
                user,
                form.get("title", ""),
                description=form.get("description", ""),
                theme=form.get("theme", ""),
                place=form.get("place", ""),
                affected=form.get("affected", ""),
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            concerns.support(concern, user)
            return _done(
                _("Votre préoccupation est enregistrée."), f"{_base()}/concerns/{concern.id}"
            )
    theme = request.args.get("theme") or None
    user = _user_or_none()
    return render_template(
        "governance/concerns.html",
        rows=concerns.diagnostic(theme),
        themes=concerns.themes_summary(),
        theme=theme,
        supported=concerns.supported_by(user.id) if user else set(),
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@bp.route("/concerns/<int:concern_id>")
def concern_page(concern_id: int):
    try:
        concern = concerns.get_concern(concern_id)
    except ServiceError:
        abort(404)
    user = _user_or_none()
    return render_template(
        "governance/concern.html",
        concern=concern,
        supports=concerns.support_counts([concern.id]).get(concern.id, 0),
        supported=bool(user and concern.id in concerns.supported_by(user.id)),
        others=[r.concern for r in concerns.diagnostic(limit=50) if r.concern.id != concern.id],
    )


@bp.route("/concerns/<int:concern_id>/<action>", methods=["POST"])
def concern_action(concern_id: int, action: str):
    if action not in ("support", "unsupport", "merge"):
        abort(404)
    target = f"{_base()}/concerns/{concern_id}"
    if action == "merge":
        user = check_permission("gov.facilitate")
    else:
        user = check_permission("core.participate")
    try:
        concern = concerns.get_concern(concern_id)
        if action in ("support", "unsupport") and request.form.get("back") == "list":
            # supported from the list: back to the same place in the list
            target = f"{_base()}/concerns#concern-{concern_id}"
        if action == "support":
            concerns.support(concern, user)
        elif action == "unsupport":
            concerns.withdraw_support(concern, user)
        else:
            into = concerns.get_concern(int(request.form.get("into") or 0))
            concerns.merge(concern, into, user)
            target = f"{_base()}/concerns/{into.id}"
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(_said("concern", action), target)


# --- organisations ------------------------------------------------------------------------


@bp.route("/organisations", methods=["GET", "POST"])
def organisation_list():
    errors: dict = {}
    if request.method == "POST":
        user = check_permission("core.participate")
        form = _form()
        try:
            org = organisations.create_organisation(
                form.get("name", ""),
                form.get("kind", ""),
                user,
                description=form.get("description", ""),
                themes=form.get("themes", ""),
                website=form.get("website", ""),
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Organisation enregistrée."), f"{_base()}/organisations/{org.slug}")
    return render_template(
        "governance/organisations.html",
        organisations=organisations.organisations(),
        kinds=ORGANISATION_KINDS,
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@bp.route("/organisations/<slug>")
def organisation_page(slug: str):
    try:
        org = organisations.get_organisation(slug)
    except ServiceError:
        abort(404)
    user = _user_or_none()
    representing = bool(user and organisations.is_representative(org, user.id))
    assembly = bodies.find_assembly()
    return render_template(
        "governance/organisation.html",
        org=org,
        representatives=organisations.representatives(org),
        is_representative=representing,
        people=bodies.members(assembly) if representing and assembly else [],
    )


@bp.route("/organisations/<slug>/representatives", methods=["POST"])
@bp.route("/organisations/<slug>/representatives/<int:user_id>/remove", methods=["POST"])
def organisation_representatives(slug: str, user_id: int | None = None):
    """A representative adds (or removes) another representative of the organisation."""
    user = check_permission("core.participate")
    target = f"{_base()}/organisations/{slug}"
    try:
        org = organisations.get_organisation(slug)
        if user_id is None:
            organisations.add_representative(org, int(request.form.get("user_id") or 0), actor=user)
        else:
            organisations.remove_representative(org, user_id, user)
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(_said("organisation", "add" if user_id is None else "remove"), target)


# --- proposals -----------------------------------------------------------------------------


@bp.route("/proposals")
def proposal_list():
    status = request.args.get("status") or None
    return render_template(
        "governance/proposals.html",
        proposals=proposals.proposals(status=status),
        status=status,
        labels=proposals.STATE_LABELS,
    )


@bp.route("/bodies/<slug>/proposals/new", methods=["GET", "POST"])
def proposal_new(slug: str):
    user = check_permission("core.participate")
    try:
        body = bodies.get_body(slug)
    except ServiceError:
        abort(404)
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        try:
            concern_ids = [int(c) for c in request.form.getlist("concerns")]
            proposal = proposals.create_proposal(
                body,
                user,
                form.get("title", ""),
                form.get("text", ""),
                cost=form.get("cost"),
                concern_ids=concern_ids,
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        except ValueError:
            errors = {"concerns": [_("Choix invalide.")]}
        else:
            return _done(
                _("Proposition enregistrée (brouillon)."), f"{_base()}/proposals/{proposal.id}"
            )
    return render_template(
        "governance/proposal_new.html",
        body=body,
        errors=errors,
        values=_form(),
        open_concerns=concerns.diagnostic(limit=100),
    ), 422 if errors else 200


@bp.route("/proposals/<int:proposal_id>")
def proposal_page(proposal_id: int):
    try:
        proposal = proposals.get_proposal(proposal_id)
    except ServiceError:
        abort(404)
    user = _user_or_none()
    body_meetings, held_in = meetings.meetings_around_proposal(proposal)
    return render_template(
        "governance/proposal.html",
        proposal=proposal,
        labels=proposals.STATE_LABELS,
        transitions=proposals.manual_moves(
            proposal,
            user.id if user else None,
            bool(user and has_permission(user, "gov.facilitate", g.commune.id)),
        ),
        cosigners=proposals.cosigners(proposal),
        comments=proposals.comments(proposal),
        amendments=proposals.amendments(proposal),
        follow_ups=proposals.follow_ups(proposal),
        linked=proposals.linked_concerns(proposal),
        votes=votes.votes(proposal=proposal),
        held_in=held_in,
        body_meetings=body_meetings,
        following=bool(user and proposals.is_following(user.id, proposal_id=proposal.id)),
        methods=sorted(votes.methods()),
    )


PROPOSAL_ACTIONS = (
    "transition",
    "cosign",
    "comment",
    "amend",
    "accept_amendment",
    "reject_amendment",
    "follow",
    "unfollow",
    "follow_up",
    "hide_comment",
    "report_comment",
    "vote",
)


@bp.route("/proposals/<int:proposal_id>/<action>", methods=["POST"])
def proposal_action(proposal_id: int, action: str):
    if action not in PROPOSAL_ACTIONS:
        abort(404)
    user = login_required_here()
    target = f"{_base()}/proposals/{proposal_id}"
    form = _form()
    said = _said("proposal", action)
    try:
        proposal = proposals.get_proposal(proposal_id)
        if action == "transition":
            to = form.get("to", "")
            if not proposals.is_author_move(proposal, user.id, to):
                check_permission("gov.facilitate")
            proposals.move(proposal, to, user)
            said = _moved(proposals.STATE_LABELS.get(proposal.status, proposal.status))
        elif action == "follow_up":
            check_permission("gov.follow_up")
            proposals.add_follow_up(
                proposal, user, form.get("text", ""), int(form.get("progress") or 0)
            )
        elif action == "hide_comment":
            check_permission("gov.facilitate")
            proposals.hide_comment(
                proposals.get_comment(int(form.get("comment") or 0)), user, form.get("reason", "")
            )
        elif action == "vote":
            check_permission("gov.facilitate")
            vote = votes.create_vote(
                proposal.body,
                form.get("title") or proposal.title,
                form.get("method", "majority"),
                options=form.get("options", "").splitlines(),
                settings=_settings_from_form(form),
                secret="secret" in form,
                quorum=form.get("quorum") or "0",
                results_hidden="results_hidden" in form,
                proposal=proposal,
                meeting=(
                    meetings.get_meeting(int(form["meeting_id"]))
                    if form.get("meeting_id")
                    else None
                ),
                opens_at=_utc(_dt(form.get("opens_at"), "opens_at")),
                closes_at=_utc(_dt(form.get("closes_at"), "closes_at")),
            )
            target = f"{_base()}/votes/{vote.id}"
        else:
            check_permission("core.participate")
            if action == "cosign":
                proposals.cosign(proposal, user)
            elif action == "comment":
                proposals.comment(proposal, user, form.get("text", ""))
            elif action == "amend":
                proposals.amend(proposal, user, form.get("text", ""))
            elif action in ("accept_amendment", "reject_amendment"):
                from federation.governance.models import Amendment

                amendment = db.session.get(Amendment, int(form.get("amendment") or 0))
                if amendment is None or amendment.proposal_id != proposal.id:
                    abort(404)
                proposals.settle_amendment(amendment, action == "accept_amendment", user)
            elif action == "report_comment":
                proposals.report_comment(
                    proposals.get_comment(int(form.get("comment") or 0)),
                    user,
                    form.get("reason", ""),
                )
            elif action == "follow":
                proposals.follow(user, proposal=proposal)
            else:
                proposals.unfollow(user, proposal=proposal)
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(said, target)


def _settings_from_form(form: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for key in (
        "threshold",
        "seats",
        "max_score",
        "budget",
        "min_choices",
        "max_choices",
        "grades",
    ):
        value = (form.get(f"setting_{key}") or "").strip()
        if value:
            settings[key] = int(value) if value.isdigit() and key != "threshold" else value
    return settings


# --- votes -------------------------------------------------------------------------------


@bp.route("/votes/<int:vote_id>")
def vote_page(vote_id: int):
    try:
        vote = votes.get_vote(vote_id)
    except ServiceError:
        abort(404)
    user = _user_or_none()
    result = votes.current_result(vote) if votes.results_visible(vote) else None
    options = votes.options_of(vote)
    receipt = (request.args.get("receipt") or "").strip()[:64]
    return render_template(
        "governance/vote.html",
        vote=vote,
        options=options,
        result=result,
        shown=results.display(vote, result, options) if result else None,
        ballot_words=lambda content: results.ballot_words(vote, content, options),
        my_ballot=results.own_public_ballot(vote, user.id) if user else None,
        receipt=receipt,
        receipt_ballot=results.ballot_by_receipt(vote, receipt) if receipt else None,
        objections=objections.of_vote(vote) if vote.method == "consent" else [],
        objection_labels=objections.STATE_LABELS,
        voted=bool(user and votes.has_voted(vote, user.id)),
        proxies=votes.proxies_held(vote, user.id) if user else [],
        roll=votes.roll(vote) if votes.roll_visible(vote) else [],
        eligible=bool(user and votes._eligible(vote, user.id)),
        people=bodies.members(vote.body) if user else [],
    )


@bp.route("/votes/<int:vote_id>/<action>", methods=["POST"])
def vote_action(vote_id: int, action: str):
    if action not in ("open", "close", "cast", "proxy", "change"):
        abort(404)
    target = f"{_base()}/votes/{vote_id}"
    try:
        vote = votes.get_vote(vote_id)
        if action in ("open", "close"):
            user = check_permission("gov.facilitate")
            if action == "open":
                votes.open_vote(vote, user)
            else:
                votes.close_vote(vote, user)
        else:
            user = check_permission("core.participate")
            if action == "proxy":
                votes.give_proxy(vote, user, int(request.form.get("holder_id") or 0))
            else:
                ballot = ballot_from_form(vote, votes.options_of(vote), request.form)
                reason = request.form.get("reason", "")
                if action == "change":
                    objections.change_consent(vote, user, ballot, reason=reason)
                else:
                    for_user = request.form.get("for_user_id")
                    result = objections.cast_consent(
                        vote,
                        user,
                        ballot,
                        reason=reason,
                        for_user_id=int(for_user) if for_user else None,
                    )
                    if result.duplicate:
                        db.session.rollback()
                        flash(_("Ce vote était déjà enregistré : rien n'a changé."), "info")
                        return redirect(target)
                    if result.receipt:
                        words = results.ballot_words(vote, ballot, votes.options_of(vote))
                        db.session.commit()
                        # shown once, now: the database keeps no link from you to this choice
                        flash(
                            _(
                                "Bulletin secret enregistré. Votre reçu : %(r)s — votre "
                                "choix : %(c)s. Notez ce reçu : il vous permettra de retrouver "
                                "votre bulletin dans le dépouillement publié ; ce choix ne "
                                "vous sera plus montré.",
                                r=result.receipt,
                                c=words,
                            ),
                            "success",
                        )
                        return redirect(target)
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    return _done(_said("vote", action), target)


@bp.route("/votes/<int:vote_id>/objections/<int:objection_id>", methods=["POST"])
def objection_resolve(vote_id: int, objection_id: int):
    """Facilitation records an objection as answered, withdrawn or upheld."""
    user = check_permission("gov.facilitate")
    target = f"{_base()}/votes/{vote_id}"
    try:
        objection = objections.get_objection(objection_id)
        if objection.vote_id != vote_id:
            abort(404)
        objections.resolve(
            objection,
            request.form.get("status", ""),
            user,
            response=request.form.get("response", ""),
        )
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_said("objection", "resolve"), target)


# --- meetings ------------------------------------------------------------------------------


@bp.route("/bodies/<slug>/meetings/new", methods=["GET", "POST"])
def meeting_new(slug: str):
    check_permission("gov.facilitate")
    try:
        body = bodies.get_body(slug)
    except ServiceError:
        abort(404)
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        try:
            starts = _dt(form.get("starts_at"), "starts_at")
            if starts is None:
                raise ServiceError(_("Indiquez la date et l'heure."), field="starts_at")
            meeting = meetings.schedule(
                body,
                form.get("title", ""),
                starts,
                ends_at=_dt(form.get("ends_at"), "ends_at"),
                place=form.get("place", ""),
                video_url=form.get("video_url", ""),
                quorum=int(form.get("quorum") or 0),
            )
            if "agenda_from_concerns" in form:
                meetings.agenda_from_concerns(meeting)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        except ValueError:
            errors = {"quorum": [_("Nombre entier attendu.")]}
        else:
            return _done(
                _meeting_said("scheduled", meeting.starts_at), f"{_base()}/meetings/{meeting.id}"
            )
    return render_template(
        "governance/meeting_new.html", body=body, errors=errors, values=_form()
    ), 422 if errors else 200


@bp.route("/meetings/<int:meeting_id>")
def meeting_page(meeting_id: int):
    try:
        meeting = meetings.get_meeting(meeting_id)
    except ServiceError:
        abort(404)
    attendance = meetings.attendance(meeting)
    present = sum(1 for row in attendance if row.present)  # not two more counting queries
    return render_template(
        "governance/meeting.html",
        meeting=meeting,
        agenda=meetings.agenda(meeting),
        attendance=attendance,
        present=present,
        quorum_reached=present >= meeting.quorum,
        held_votes=votes.votes(meeting=meeting),
        members=bodies.members(meeting.body) if current_user.is_authenticated else [],
        open_proposals=proposals.proposals(meeting.body),
    )


@bp.route("/meetings/<int:meeting_id>/<action>", methods=["POST"])
def meeting_action(meeting_id: int, action: str):
    if action not in ("register", "attendance", "minutes", "agenda", "agenda_concerns", "cancel"):
        abort(404)
    target = f"{_base()}/meetings/{meeting_id}"
    form = _form()
    try:
        meeting = meetings.get_meeting(meeting_id)
        if action == "register":
            meetings.register(meeting, check_permission("core.participate"))
        elif action == "attendance":
            check_permission("gov.minutes")
            members = {u.id for u in bodies.members(meeting.body)}
            present = {int(v) for v in request.form.getlist("present")} & members
            meetings.record_attendance(meeting, present)
        elif action == "minutes":
            secretary = check_permission("gov.minutes")
            meetings.write_minutes(
                meeting, secretary, form.get("minutes", ""), publish="publish" in form
            )
        elif action == "agenda":
            check_permission("gov.facilitate")
            proposal_id = form.get("proposal_id")
            meetings.add_agenda_item(
                meeting,
                form.get("title", ""),
                proposal_id=int(proposal_id) if proposal_id else None,
            )
        elif action == "agenda_concerns":
            check_permission("gov.facilitate")
            meetings.agenda_from_concerns(meeting)
        else:
            check_permission("gov.facilitate")
            meetings.cancel(meeting)
    except ServiceError as exc:
        return _refused(exc, target)
    except ValueError:
        abort(400)
    if action == "minutes" and "publish" in form:
        action = "publish"
    return _done(_meeting_said(action, meeting.starts_at), target)


@bp.route("/decisions")
def decision_list():
    return render_template("governance/decisions.html", decisions=decisions.decisions())
