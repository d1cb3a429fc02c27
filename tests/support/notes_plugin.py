"""A plugin written only for the tests: it implements every hook of the framework.

It is a working example of the public plugin API too: a tenant model, web and API
blueprints, permissions, navigation, a widget, an indicator, events, CLI, demo data,
commune export/import and personal data.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, abort, g, redirect, render_template_string, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db
from federation.governance.voting.base import BallotError, TallyResult, VotingMethod
from federation.identity.decorators import check_permission, require_permission
from federation.journal.services import record
from federation.plugins import (
    ConvergencePlugin,
    Indicator,
    NavItem,
    Threshold,
    VerificationMethod,
    Widget,
    hookimpl,
    permission,
)
from federation.plugins.events import emit
from federation.tenancy.context import commune_scope
from federation.tenancy.scoping import TenantMixin

#: (hook name, details) of every call, for the tests to look at
CALLS: list[tuple[str, Any]] = []


class Note(TenantMixin, db.Model):
    __tablename__ = "notes_notes"
    __table_args__ = {"info": {"plugin": "notes"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NotesSettings(Schema):
    class Meta:
        unknown = RAISE

    heading = fields.String(
        load_default="Notes", validate=validate.Length(1, 40), metadata={"label": "Heading"}
    )
    max_length = fields.Integer(
        load_default=500, validate=validate.Range(10, 5000), metadata={"label": "Maximum length"}
    )
    style = fields.String(load_default="plain", validate=validate.OneOf(["plain", "fancy"]))
    public = fields.Boolean(load_default=True)


class NoteSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    commune_id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(load_default="", validate=validate.Length(max=5000))
    author_id = fields.Integer(dump_only=True)


class NoteUpdateSchema(NoteSchema):
    title = fields.String(validate=validate.Length(1, 200))


web = Blueprint("notes", __name__)
api = ApiBlueprint("notes_api", __name__, description="Notes (test plugin)")

PAGE = """{% extends "base.html" %}{% block content %}<h1>{{ heading }}</h1>
<ul>{% for n in notes %}
<li><a href="{{ url_for('notes.show', note_id=n.id) }}">{{ n.title }}</a></li>
{% endfor %}</ul>
{% endblock %}"""


def _note_here(note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None:
        abort(404)
    return note


@web.route("/")
def index():
    notes = db.session.scalars(select(Note).order_by(Note.id)).all()
    return render_template_string(PAGE, notes=notes, heading="Notes")


@web.route("/<int:note_id>")
def show(note_id: int):
    note = _note_here(note_id)
    return render_template_string(
        '{% extends "base.html" %}{% block content %}<h1>{{ n.title }}</h1>'
        "<p>{{ n.body }}</p>{% endblock %}",
        n=note,
    )


@web.route("/", methods=["POST"])
@require_permission("notes.write")
def create():
    title = (request.form.get("title") or "").strip()
    if not title or len(title) > 200:
        abort(400)
    note = Note(title=title, body=request.form.get("body", ""), author_id=current_user.id)
    db.session.add(note)
    db.session.flush()
    emit("notes.created", {"note_id": note.id}, commune_id=g.commune.id)
    db.session.commit()
    return redirect(f"/c/{g.commune.slug}/notes/")


@web.route("/<int:note_id>/delete", methods=["POST"])
@require_permission("notes.moderate")
def delete(note_id: int):
    db.session.delete(_note_here(note_id))
    db.session.commit()
    return redirect(f"/c/{g.commune.slug}/notes/")


@api.route("/notes")
class NotesApi(MethodView):
    @api.response(200, NoteSchema(many=True))
    def get(self):
        """Notes of the commune."""
        return db.session.scalars(select(Note).order_by(Note.id)).all()

    @api.arguments(NoteSchema)
    @api.response(201, NoteSchema)
    def post(self, data):
        """Write a note."""
        user = check_permission("notes.write")
        note = Note(author_id=user.id, **data)
        db.session.add(note)
        db.session.commit()
        return note


@api.route("/notes/<int:note_id>")
class NoteApi(MethodView):
    @api.response(200, NoteSchema)
    def get(self, note_id):
        """One note."""
        return _note_here(note_id)

    @api.arguments(NoteUpdateSchema)
    @api.response(200, NoteSchema)
    def patch(self, data, note_id):
        """Change a note."""
        check_permission("notes.write")
        note = _note_here(note_id)
        for key, value in data.items():
            setattr(note, key, value)
        db.session.commit()
        return note

    @api.response(204)
    def delete(self, note_id):
        """Delete a note."""
        check_permission("notes.moderate")
        db.session.delete(_note_here(note_id))
        db.session.commit()


@click.group("notes")
def notes_cli() -> None:
    """Notes (test plugin)."""


@notes_cli.command("count")
@click.option("--commune", "slug", required=True)
def notes_count(slug: str) -> None:
    from federation.tenancy.services import get_commune

    commune = get_commune(slug)
    with commune_scope(commune.id):
        click.echo(str(db.session.scalar(select(func.count(Note.id)))))


class NotesPlugin(ConvergencePlugin):
    name = "notes"
    label = "Notes"
    version = "1.0"
    settings_schema = NotesSettings

    @hookimpl
    def federation_permissions(self):
        return [
            permission("notes.write", "Write notes", "member"),
            permission("notes.moderate", "Moderate notes", "facilitator"),
        ]

    @hookimpl
    def federation_blueprints(self):
        return [web]

    @hookimpl
    def federation_api_blueprints(self):
        return [api]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem("Notes", "notes.index", weight=10)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        count = db.session.scalar(select(func.count(Note.id)))
        return [Widget("Notes", f"<p>{count} notes</p>", weight=5)]

    @hookimpl
    def federation_todo_items(self, user, communes):
        """Notes whose title starts with "À faire" are things to do (one query)."""
        from federation.plugins import TodoItem
        from federation.tenancy.context import federation_scope

        slugs = {c.id: c for c in communes}
        CALLS.append(("todo_items", sorted(slugs)))
        with federation_scope(sorted(slugs)):
            notes = db.session.scalars(select(Note).where(Note.title.startswith("À faire")))
            return [
                TodoItem(
                    n.title,
                    f"/c/{slugs[n.commune_id].slug}/notes/",
                    commune=slugs[n.commune_id].name,
                )
                for n in notes
            ]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        rows = db.session.execute(
            select(
                Note.commune_id, func.count(Note.id), func.count(func.distinct(Note.author_id))
            ).group_by(Note.commune_id)
        ).all()
        notes = dict.fromkeys(commune_ids, 0)
        authors = dict.fromkeys(commune_ids, 0)
        for cid, count, people in rows:
            notes[cid], authors[cid] = count, people
        return [
            Indicator(
                "notes.count",
                "Notes written",
                notes,
                unit="notes",
                threshold=Threshold(100, "above", "many notes"),
            ),
            Indicator("notes.authors", "People writing notes", authors, counts_people=True),
        ]

    @hookimpl
    def federation_commune_created(self, commune):
        CALLS.append(("commune_created", commune.slug))

    @hookimpl
    def federation_plugin_enabled(self, commune, plugin_name):
        CALLS.append(("plugin_enabled", (commune.slug, plugin_name)))

    @hookimpl
    def federation_plugin_disabled(self, commune, plugin_name):
        CALLS.append(("plugin_disabled", (commune.slug, plugin_name)))

    @hookimpl
    def federation_event(self, name, payload, commune):
        CALLS.append(("event", (name, payload, commune.slug)))
        if name == "notes.created":
            record(
                "notes.created",
                f"Note {payload['note_id']} written",
                payload,
                commune_id=commune.id,
                actor="notes",
            )

    @hookimpl
    def federation_cli_commands(self):
        return [notes_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        db.session.add(
            Note(
                commune_id=commune.id,
                title=f"Bienvenue à {commune.name}",
                body="Une note de démonstration.",
            )
        )

    @hookimpl
    def federation_commune_export(self, commune):
        return {
            "notes": [
                {"title": n.title, "body": n.body}
                for n in db.session.scalars(select(Note).order_by(Note.id))
            ]
        }

    @hookimpl
    def federation_commune_import(self, commune, data):
        for item in data.get("notes", []):
            db.session.add(Note(commune_id=commune.id, title=item["title"], body=item["body"]))

    @hookimpl
    def federation_user_data_export(self, user):
        return {
            "notes": [
                n.title for n in db.session.scalars(select(Note).where(Note.author_id == user.id))
            ]
        }

    @hookimpl
    def federation_user_data_erase(self, user):
        for note in db.session.scalars(select(Note).where(Note.author_id == user.id)):
            note.author_id = None
        CALLS.append(("user_erased", user.id))

    @hookimpl
    def federation_search_sources(self):
        from federation.search import SearchSource

        return [
            SearchSource(
                kind="notes.note",
                model=Note,
                label="Note",
                title=lambda n: n.title,
                text=lambda n: n.body,
                url=lambda commune, ref: f"/c/{commune}/notes/{ref}",
                public=lambda n: not n.title.startswith("[privé]"),
            )
        ]

    @hookimpl
    def federation_voting_methods(self):
        return [Plurality()]

    @hookimpl
    def federation_verification_methods(self):
        return [
            VerificationMethod(
                "notes_secret",
                "Secret word",
                "Say the secret word.",
                field_label="Secret word",
                verify=lambda member, value: value == "sesame",
            )
        ]


class Plurality(VotingMethod):
    """A voting method contributed by a plugin: one choice, most votes wins."""

    name = "plurality"
    label = "Plurality"

    def validate_ballot(self, ballot, options, settings):
        if not isinstance(ballot, dict) or set(ballot) != {"choice"}:
            raise BallotError("expected {'choice': option id}", "choice")
        choice = ballot["choice"]
        if isinstance(choice, bool) or choice not in {o.id for o in options}:
            raise BallotError("unknown option", "choice")
        return {"choice": choice}

    def tally(self, ballots, options, settings):
        counts = {o.id: 0 for o in options}
        total = 0
        for ballot, count in ballots:
            counts[ballot["choice"]] += count
            total += count
        best = max(counts.values(), default=0)
        ranking = [
            [o for o in counts if counts[o] == v]
            for v in sorted(set(counts.values()), reverse=True)
        ]
        return TallyResult(
            method=self.name,
            winners=[o for o in counts if counts[o] == best],
            ranking=ranking,
            scores=counts,
            adopted=None,
            ballots=total,
            details={},
        )


class NeedsNotesPlugin(ConvergencePlugin):
    """Depends on notes: enabling it where notes is off is refused."""

    name = "needsnotes"
    label = "Needs notes"
    requires = frozenset({"notes"})


class BrokenPlugin(ConvergencePlugin):
    """Raises in its widget and its indicator: the pages must still render."""

    name = "broken"
    label = "Broken"

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        raise RuntimeError("widget exploded")

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        raise RuntimeError("indicator exploded")

    @hookimpl
    def federation_todo_items(self, user, communes):
        raise RuntimeError("to-do exploded")
