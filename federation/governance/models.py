"""Governance data: bodies (assembly, circles), mandates, meetings, concerns, organisations,
proposals and their deliberation, votes and ballots, decisions. Every table is a tenant table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from federation.db import TimestampMixin, db, utcnow
from federation.identity.models import User
from federation.tenancy.scoping import TenantMixin

BODY_KINDS = ("assembly", "thematic_circle", "action_circle")
MANDATE_ROLES = ("facilitator", "guarantor", "secretary", "delegate", "elected", "other")
PROPOSAL_STATES = (
    "draft",
    "deliberation",
    "voting",
    "adopted",
    "rejected",
    "carried_out",
    "withdrawn",
)
ORGANISATION_KINDS = ("association", "cooperative", "company", "public_body", "collective")


def _user_fk(nullable: bool = True, ondelete: str = "SET NULL") -> Any:
    return mapped_column(ForeignKey("users.id", ondelete=ondelete), nullable=nullable)


class GeneratedTitle:
    """A title the system writes (a plugin's proposal, its vote, the decision) is data.

    ``title_kind`` names a renderer declared through ``federation_text_kinds`` and
    ``title_params`` holds its parameters (ids, amounts as text with their currency, codes):
    ``title`` reads it in the reader's language. The stored ``title`` column is the
    fallback (the French rendering at creation; what older rows hold, and what a title
    people typed holds: then ``title_kind`` is NULL and the title stays as given). In
    queries ``title`` is that column.
    """

    _title: Mapped[str] = mapped_column("title", String(200), nullable=False)
    title_kind: Mapped[str | None] = mapped_column(String(80))
    title_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @hybrid_property
    def title(self) -> str:
        if self.title_kind:
            from federation.texts import render

            return render(self.title_kind, self.title_params, self._title)
        return self._title

    @title.inplace.setter
    def _title_setter(self, value: str) -> None:
        """A title set is a title typed: it stays as given (a generated one sets its kind
        after its fallback: :func:`federation.governance.submissions.generate_title`)."""
        self._title = value
        self.title_kind = None

    @title.inplace.expression
    @classmethod
    def _title_expression(cls) -> Any:
        return cls._title

    @property
    def stored_title(self) -> str:
        """The stored column: the fallback of a generated title, or the title as typed."""
        return self._title

    def take_title(self, source: GeneratedTitle) -> None:
        """Take the title of ``source`` (a vote or a decision, its proposal's) as stored: a
        generated title stays generated, a typed one as given."""
        self.title = source._title
        self.title_kind = source.title_kind
        self.title_params = dict(source.title_params) if source.title_params else None

    def title_data(self) -> dict[str, Any]:
        """What a journal entry or a notice keeps of the title: the stored text, and the
        kind and parameters when generated (``federation.texts.render`` reads them)."""
        data: dict[str, Any] = {"title": self._title}
        if self.title_kind:
            data["title_kind"] = self.title_kind
            data["title_params"] = self.title_params or {}
        return data


class GeneratedText(GeneratedTitle):
    """A title and a text: ``text`` is what people typed (the stored column), followed by
    the generated part when ``text_kind`` names a renderer (it reads ``title_params``)."""

    _text: Mapped[str] = mapped_column("text", Text, default="", nullable=False)
    text_kind: Mapped[str | None] = mapped_column(String(80))

    @hybrid_property
    def text(self) -> str:
        if not self.text_kind:
            return self._text
        from federation.texts import has_kind, render

        generated = render(self.text_kind, self.title_params) if has_kind(self.text_kind) else ""
        return "\n\n".join(t for t in (self._text, generated) if t)

    @text.inplace.setter
    def _text_setter(self, value: str) -> None:
        self._text = value

    @text.inplace.expression
    @classmethod
    def _text_expression(cls) -> Any:
        return cls._text

    @property
    def given_text(self) -> str:
        """What people typed, without the generated part."""
        return self._text


class Body(TenantMixin, TimestampMixin, db.Model):
    """The popular assembly of a commune, or one of its thematic or action circles."""

    __tablename__ = "gov_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: a theme word or a plugin name ("water", "housing"…)
    theme: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    #: any verified member may join (circles); the assembly is every member
    open_membership: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: how many consecutive terms a mandate of this body may be held
    max_consecutive_terms: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "slug"),)

    @property
    def is_assembly(self) -> bool:
        return self.kind == "assembly"


class BodyMember(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_body_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    #: joined as the representative of an organisation
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_organisations.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("commune_id", "body_id", "user_id"),)


class Mandate(TenantMixin, TimestampMixin, db.Model):
    """A rotating, recallable mandate given by a body to one of its members."""

    __tablename__ = "gov_mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    #: what the holder may and may not agree to (public; the imperative mandate)
    mandate_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    recall_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: the federation a delegate sits for (confederal council)
    federation_id: Mapped[int | None] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE")
    )
    #: the vote of the body that elected the holder (required for federation delegates)
    election_vote_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="SET NULL")
    )
    #: the vote whose subject is recalling this mandate (the only vote that can recall it)
    recall_vote_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(lazy="joined")
    body: Mapped[Body] = relationship(lazy="joined")

    __table_args__ = (Index("ix_gov_mandates_commune_body_role", "commune_id", "body_id", "role"),)


class Organisation(TenantMixin, TimestampMixin, db.Model):
    """An association, cooperative, company or public body: the commune's support base."""

    __tablename__ = "gov_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    themes: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    website: Mapped[str] = mapped_column(String(300), default="", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "slug"),)


class OrganisationRepresentative(TenantMixin, db.Model):
    __tablename__ = "gov_organisation_reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("gov_organisations.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("commune_id", "organisation_id", "user_id"),)


class Concern(TenantMixin, TimestampMixin, db.Model):
    """A need or a problem raised by inhabitants or a community: the commune's diagnostic."""

    __tablename__ = "gov_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    theme: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    place: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    affected: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    author_id: Mapped[int | None] = _user_fk()
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_organisations.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(12), default="open", nullable=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_concerns.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_gov_concerns_commune_theme", "commune_id", "theme"),)


class ConcernSupport(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_concern_supports"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("gov_concerns.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "concern_id", "user_id"),)


class Proposal(GeneratedText, TenantMixin, TimestampMixin, db.Model):
    """draft → deliberation → voting → adopted / rejected → carried out (or withdrawn)."""

    __tablename__ = "gov_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(16), default="draft", nullable=False)
    author_id: Mapped[int | None] = _user_fk()
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: data a plugin attaches, under its name: {"budget": {"line_id": 3, "amount": "1200"}}
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    body: Mapped[Body] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_gov_proposals_commune_status", "commune_id", "status"),)


class ProposalCosigner(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_proposal_cosigners"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "proposal_id", "user_id"),)


class ProposalConcern(TenantMixin, db.Model):
    """A concern that a proposal answers."""

    __tablename__ = "gov_proposal_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE"), nullable=False
    )
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("gov_concerns.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (UniqueConstraint("commune_id", "proposal_id", "concern_id"),)


class Amendment(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = _user_fk()
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="proposed", nullable=False)

    author: Mapped[User | None] = relationship(lazy="joined")


class Comment(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = _user_fk()
    text: Mapped[str] = mapped_column(Text, nullable=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    hidden_by_id: Mapped[int | None] = _user_fk()
    reports: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])


class CommentReport(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_comment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("gov_comments.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "comment_id", "user_id"),)


class FollowUp(TenantMixin, TimestampMixin, db.Model):
    """A note on carrying out an adopted proposal."""

    __tablename__ = "gov_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = _user_fk()
    text: Mapped[str] = mapped_column(Text, nullable=False)
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Follow(TenantMixin, TimestampMixin, db.Model):
    """A person follows a body or a proposal, and is notified of what happens there."""

    __tablename__ = "gov_follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE")
    )

    # One row per person and target. A UNIQUE over (user, body, proposal) lets duplicates in,
    # since NULLs never compare equal: one partial unique index per kind of target instead.
    __table_args__ = (
        Index(
            "ux_gov_follows_body",
            "commune_id",
            "user_id",
            "body_id",
            unique=True,
            sqlite_where=text("body_id IS NOT NULL"),
            postgresql_where=text("body_id IS NOT NULL"),
        ),
        Index(
            "ux_gov_follows_proposal",
            "commune_id",
            "user_id",
            "proposal_id",
            unique=True,
            sqlite_where=text("proposal_id IS NOT NULL"),
            postgresql_where=text("proposal_id IS NOT NULL"),
        ),
    )


class Meeting(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "gov_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    video_url: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    #: attendees needed for the meeting to decide
    quorum: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="scheduled", nullable=False)
    minutes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    minutes_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    secretary_id: Mapped[int | None] = _user_fk()

    body: Mapped[Body] = relationship(lazy="joined")


class AgendaItem(TenantMixin, db.Model):
    __tablename__ = "gov_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("gov_meetings.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    concern_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_concerns.id", ondelete="SET NULL")
    )


class MeetingAttendance(TenantMixin, db.Model):
    """Registration before the meeting; presence recorded at the meeting."""

    __tablename__ = "gov_meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("gov_meetings.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    registered: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    present: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("commune_id", "meeting_id", "user_id"),)


class Vote(GeneratedTitle, TenantMixin, TimestampMixin, db.Model):
    """A vote of a body: on a proposal, an election, a poll. Rules freeze when it opens."""

    __tablename__ = "gov_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="CASCADE")
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_meetings.id", ondelete="SET NULL")
    )
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    secret: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: share of the eligible voters who must take part, as "a/b" ("0" = none)
    quorum: Mapped[str] = mapped_column(String(12), default="0", nullable=False)
    results_hidden: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: "commune" (every verified member) or "body" (members of the body)
    electorate: Mapped[str] = mapped_column(String(10), default="body", nullable=False)
    allow_proxies: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="draft", nullable=False)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    body: Mapped[Body] = relationship(lazy="joined")


class VoteOption(TenantMixin, db.Model):
    __tablename__ = "gov_vote_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    #: for elections: the candidate
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class VoteParticipation(TenantMixin, db.Model):
    """Who took part (one row per person and vote: a UNIQUE constraint, R11).

    For a public vote the ballot content is here too. For a secret vote it is stored in
    :class:`SecretBallot`, which has no link to this row, no user and no timestamp (R14).
    """

    __tablename__ = "gov_vote_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    voter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    #: who cast it: the voter, or the member holding their proxy
    cast_by_id: Mapped[int | None] = _user_fk()
    #: the day only: a precise time would help link a secret ballot to a person
    cast_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: canonical JSON of the ballot — public votes only
    content: Mapped[str | None] = mapped_column(Text)

    voter: Mapped[User] = relationship(lazy="joined", foreign_keys=[voter_id])

    __table_args__ = (UniqueConstraint("commune_id", "vote_id", "voter_id"),)


class SecretBallot(TenantMixin, db.Model):
    """The content of a secret ballot: no user, no time, a random identifier.

    The identifier is the receipt given to the voter, who can find their ballot in the
    published list; rows carry nothing that orders them like the participation register.
    """

    __tablename__ = "gov_secret_ballots"

    receipt: Mapped[str] = mapped_column(String(32), primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (
        Index("ix_gov_secret_ballots_commune_vote_content", "commune_id", "vote_id", "content"),
        {"sqlite_with_rowid": False},
    )


class SealedBallot(TenantMixin, db.Model):
    """A secret ballot while its vote is open: sealed (encrypted and padded), keyed by a
    random identifier, no user, no time. It is written in the voter's transaction (so it
    carries that transaction's id on PostgreSQL); at close, every sealed ballot of the vote
    is opened, written to :class:`SecretBallot` in random order by the closing transaction,
    and deleted. See :mod:`federation.governance.ballot_box` for the threat model.
    """

    __tablename__ = "gov_sealed_ballots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    __table_args__ = (
        Index("ix_gov_sealed_ballots_commune_vote", "commune_id", "vote_id"),
        {"sqlite_with_rowid": False},
    )


class Proxy(TenantMixin, TimestampMixin, db.Model):
    """An absent member gives their vote to one present member (one proxy each way)."""

    __tablename__ = "gov_proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    giver_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (
        UniqueConstraint("commune_id", "vote_id", "giver_id"),
        UniqueConstraint("commune_id", "vote_id", "holder_id"),
    )


class Decision(GeneratedText, TenantMixin, db.Model):
    """An adopted proposal, with its tally and method; written to the public journal."""

    __tablename__ = "gov_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("gov_votes.id", ondelete="SET NULL"))
    body_id: Mapped[int] = mapped_column(
        ForeignKey("gov_bodies.id", ondelete="CASCADE"), nullable=False
    )
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    adopted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    journal_seq: Mapped[int | None] = mapped_column(Integer)

    body: Mapped[Body] = relationship(lazy="joined")


OBJECTION_STATES = ("open", "answered", "withdrawn", "upheld")


class Objection(TenantMixin, TimestampMixin, db.Model):
    """An objection in a consent vote: its reason, and the state facilitation records.

    Only "upheld" (and "open": not yet dealt with) objections block adoption. Public consent
    votes only: in a secret vote a reasoned objection would name its author.
    """

    __tablename__ = "gov_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("gov_votes.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = _user_fk()
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="open", nullable=False)
    #: facilitation's note: how it was answered, why it is upheld…
    response: Mapped[str] = mapped_column(Text, default="", nullable=False)
    resolved_by_id: Mapped[int | None] = _user_fk()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])

    __table_args__ = (UniqueConstraint("commune_id", "vote_id", "author_id"),)
