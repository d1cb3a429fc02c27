"""REST endpoints of governance, under ``/api/v1/communes/<commune>/…``."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api import api_error
from federation.api.auth import require_user
from federation.api.errors import service_errors
from federation.db import db
from federation.governance import (
    bodies,
    concerns,
    decisions,
    mandates,
    meetings,
    objections,
    organisations,
    proposals,
    votes,
)
from federation.governance.schemas import (
    AttendanceSchema,
    BallotSchema,
    BodySchema,
    CastSchema,
    CommentSchema,
    ConcernSchema,
    DecisionSchema,
    ElectionSchema,
    HideSchema,
    JoinSchema,
    MandateSchema,
    MeetingSchema,
    MergeSchema,
    MinutesSchema,
    ObjectionSchema,
    OrganisationSchema,
    ProposalSchema,
    ProxySchema,
    RecallSchema,
    RecallVoteSchema,
    RepresentativeSchema,
    ResolveSchema,
    TextSchema,
    TransitionSchema,
    VoteCreateSchema,
    VoteRulesSchema,
    VoteSchema,
)
from federation.identity.decorators import check_permission
from federation.identity.models import User

blp = Blueprint(
    "api_governance",
    __name__,
    url_prefix="/api/v1/communes/<commune>",
    description="Gouvernance : cercles, préoccupations, propositions, votes",
)


def participant() -> User:
    return check_permission("core.participate")


def _vote_dump(vote):
    data = {
        k: getattr(vote, k)
        for k in (
            "id",
            "body_id",
            "proposal_id",
            "meeting_id",
            "title",
            "method",
            "settings",
            "secret",
            "quorum",
            "results_hidden",
            "electorate",
            "status",
            "eligible_count",
            "opens_at",
            "closes_at",
        )
    }
    data["options"] = votes.options_of(vote)
    return data


# --- bodies ---------------------------------------------------------------------------


@blp.route("/bodies")
class Bodies(MethodView):
    @blp.response(200, BodySchema(many=True))
    def get(self):
        """The assembly and the circles of the commune."""
        return bodies.bodies()

    @blp.arguments(BodySchema)
    @blp.response(201, BodySchema)
    def post(self, data):
        """Create a thematic or action circle."""
        check_permission("gov.bodies")
        with service_errors():
            body = bodies.create_body(**data)
        db.session.commit()
        return body


@blp.route("/bodies/<slug>/members", methods=["POST"])
@blp.arguments(JoinSchema(), required=False)
@blp.response(204)
def join_body(data, slug):
    """Join an open circle (``organisation``: as the representative of that organisation,
    which you must be)."""
    user = participant()
    with service_errors():
        body = bodies.get_body(slug)
        org_slug = (data or {}).get("organisation")
        org = organisations.get_organisation(org_slug) if org_slug else None
        bodies.join(body, user, organisation_id=org.id if org else None)
    db.session.commit()


# --- concerns ----------------------------------------------------------------------------


@blp.route("/concerns")
class Concerns(MethodView):
    @blp.response(200, ConcernSchema(many=True))
    def get(self):
        """Open concerns, most supported first (the commune's diagnostic)."""
        rows = concerns.diagnostic()
        return [
            {
                **{
                    k: getattr(r.concern, k)
                    for k in (
                        "id",
                        "title",
                        "description",
                        "theme",
                        "place",
                        "affected",
                        "status",
                        "merged_into_id",
                        "created_at",
                    )
                },
                "supports": r.supports,
            }
            for r in rows
        ]

    @blp.arguments(ConcernSchema)
    @blp.response(201, ConcernSchema)
    def post(self, data):
        """Raise a concern."""
        user = participant()
        with service_errors():
            concern = concerns.raise_concern(user, **data)
        db.session.commit()
        return {
            **{k: getattr(concern, k) for k in ConcernSchema().fields if hasattr(concern, k)},
            "supports": 0,
        }


@blp.route("/concerns/<int:concern_id>/support", methods=["POST", "DELETE"])
@blp.response(204)
def support_concern(concern_id):
    """Support a concern (POST) or withdraw one's support (DELETE). Idempotent."""
    from flask import request

    user = participant()
    with service_errors():
        concern = concerns.get_concern(concern_id)
        if request.method == "POST":
            concerns.support(concern, user)
        else:
            concerns.withdraw_support(concern, user)
    db.session.commit()


@blp.route("/concerns/<int:concern_id>/merge", methods=["POST"])
@blp.arguments(MergeSchema)
@blp.response(204)
def merge_concern(data, concern_id):
    """Merge a duplicate concern into another (facilitation)."""
    user = check_permission("gov.facilitate")
    with service_errors():
        concerns.merge(concerns.get_concern(concern_id), concerns.get_concern(data["into"]), user)
    db.session.commit()


# --- proposals ---------------------------------------------------------------------------


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.response(200, ProposalSchema(many=True))
    def get(self):
        """Proposals of every body of the commune, newest first."""
        return proposals.proposals()

    @blp.arguments(ProposalSchema)
    @blp.response(201, ProposalSchema)
    def post(self, data):
        """Draft a proposal in a body."""
        user = participant()
        with service_errors():
            body = bodies.get_body(data.pop("body"))
            proposal = proposals.create_proposal(
                body,
                user,
                data["title"],
                data["text"],
                cost=data.get("cost"),
                concern_ids=data["concerns"],
            )
        db.session.commit()
        return proposal


@blp.route("/proposals/<int:proposal_id>")
@blp.response(200, ProposalSchema)
def get_proposal(proposal_id):
    """One proposal."""
    with service_errors():
        return proposals.get_proposal(proposal_id)


@blp.route("/proposals/<int:proposal_id>/transition", methods=["POST"])
@blp.arguments(TransitionSchema)
@blp.response(200, ProposalSchema)
def transition_proposal(data, proposal_id):
    """Move a proposal: the author opens or withdraws it, facilitation the rest."""
    user = require_user()
    with service_errors():
        proposal = proposals.get_proposal(proposal_id)
        if not proposals.is_author_move(proposal, user.id, data["to"]):
            check_permission("gov.facilitate")
        proposals.move(proposal, data["to"], user)
    db.session.commit()
    return proposal


@blp.route("/proposals/<int:proposal_id>/cosign", methods=["POST"])
@blp.response(204)
def cosign(proposal_id):
    """Co-sign a proposal."""
    user = participant()
    with service_errors():
        proposals.cosign(proposals.get_proposal(proposal_id), user)
    db.session.commit()


@blp.route("/proposals/<int:proposal_id>/comments")
class Comments(MethodView):
    @blp.response(200, CommentSchema(many=True))
    def get(self, proposal_id):
        """Comments of the deliberation (hidden ones keep their public reason)."""
        with service_errors():
            return proposals.comments(proposals.get_proposal(proposal_id))

    @blp.arguments(TextSchema)
    @blp.response(201, CommentSchema)
    def post(self, data, proposal_id):
        """Comment during deliberation."""
        user = participant()
        with service_errors():
            row = proposals.comment(proposals.get_proposal(proposal_id), user, data["text"])
        db.session.commit()
        return row


@blp.route("/comments/<int:comment_id>/hide", methods=["POST"])
@blp.arguments(HideSchema)
@blp.response(204)
def hide_comment(data, comment_id):
    """Hide a comment with a public reason (journaled)."""
    user = check_permission("gov.facilitate")
    with service_errors():
        proposals.hide_comment(proposals.get_comment(comment_id), user, data["reason"])
    db.session.commit()


@blp.route("/proposals/<int:proposal_id>/follow", methods=["POST", "DELETE"])
@blp.response(204)
def follow_proposal(proposal_id):
    """Follow a proposal to be notified of what happens to it (DELETE to stop). Members."""
    from flask import request

    user = participant()
    with service_errors():
        proposal = proposals.get_proposal(proposal_id)
        if request.method == "POST":
            proposals.follow(user, proposal=proposal)
        else:
            proposals.unfollow(user, proposal=proposal)
    db.session.commit()


# --- votes -----------------------------------------------------------------------------


@blp.route("/votes", methods=["POST"])
@blp.arguments(VoteCreateSchema)
@blp.response(201, VoteSchema)
def create_vote(data):
    """Prepare a vote (facilitation); its rules freeze when it opens."""
    check_permission("gov.facilitate")
    with service_errors():
        body = bodies.get_body(data.pop("body"))
        proposal_id = data.pop("proposal_id")
        proposal = proposals.get_proposal(proposal_id) if proposal_id else None
        meeting_id = data.pop("meeting_id")
        meeting = meetings.get_meeting(meeting_id) if meeting_id else None
        vote = votes.create_vote(
            body, data.pop("title"), data.pop("method"), proposal=proposal, meeting=meeting, **data
        )
    db.session.commit()
    return _vote_dump(vote)


@blp.route("/votes/<int:vote_id>")
class VoteDetail(MethodView):
    @blp.response(200, VoteSchema)
    def get(self, vote_id):
        """A vote, its rules and options."""
        with service_errors():
            return _vote_dump(votes.get_vote(vote_id))

    @blp.arguments(VoteRulesSchema)
    @blp.response(200, VoteSchema)
    def patch(self, data, vote_id):
        """Change the rules — only before the vote opens (409 after)."""
        check_permission("gov.facilitate")
        with service_errors():
            vote = votes.get_vote(vote_id)
            votes.change_rules(vote, **data)
        db.session.commit()
        return _vote_dump(vote)


@blp.route("/votes/<int:vote_id>/open", methods=["POST"])
@blp.response(200, VoteSchema)
def open_vote(vote_id):
    """Open the vote: rules freeze, the electorate is counted."""
    user = check_permission("gov.facilitate")
    with service_errors():
        vote = votes.get_vote(vote_id)
        votes.open_vote(vote, user)
    db.session.commit()
    return _vote_dump(vote)


@blp.route("/votes/<int:vote_id>/ballots", methods=["POST"])
@blp.arguments(BallotSchema)
@blp.response(201, CastSchema)
def cast_ballot(data, vote_id):
    """Cast a ballot (or the ballot of the member whose proxy you hold). Casting twice
    answers 200 with ``duplicate: true`` and changes nothing."""
    user = participant()
    with service_errors():
        result = objections.cast_consent(
            votes.get_vote(vote_id),
            user,
            data["ballot"],
            reason=data["reason"],
            for_user_id=data["for_user_id"],
        )
    db.session.commit()
    body = {
        "recorded": not result.duplicate,
        "duplicate": result.duplicate,
        "receipt": result.receipt,
    }
    return (body, 200) if result.duplicate else body


@blp.route("/votes/<int:vote_id>/objections")
@blp.response(200, ObjectionSchema(many=True))
def vote_objections(vote_id):
    """The objections of a public consent vote, with their reasons and states."""
    with service_errors():
        return objections.of_vote(votes.get_vote(vote_id))


@blp.route("/objections/<int:objection_id>", methods=["POST"])
@blp.arguments(ResolveSchema)
@blp.response(200, ObjectionSchema)
def resolve_objection(data, objection_id):
    """Facilitation records an objection as answered, withdrawn or upheld (vote open)."""
    actor = check_permission("gov.facilitate")
    with service_errors():
        objection = objections.get_objection(objection_id)
        objections.resolve(objection, data["status"], actor, response=data["response"])
    db.session.commit()
    return objection


@blp.route("/votes/<int:vote_id>/proxies", methods=["POST"])
@blp.arguments(ProxySchema)
@blp.response(204)
def give_proxy(data, vote_id):
    """Give your vote to one member who will be there."""
    user = participant()
    with service_errors():
        votes.give_proxy(votes.get_vote(vote_id), user, data["holder_id"])
    db.session.commit()


@blp.route("/votes/<int:vote_id>/close", methods=["POST"])
@blp.response(200)
def close_vote(vote_id):
    """Close the vote and count it; an adopted proposal becomes a decision."""
    user = check_permission("gov.facilitate")
    with service_errors():
        result = votes.close_vote(votes.get_vote(vote_id), user)
    db.session.commit()
    return result


@blp.route("/votes/<int:vote_id>/results")
@blp.response(200)
def vote_results(vote_id):
    """Results — hidden until the vote closes when the vote says so (403 for everyone)."""
    with service_errors():
        return votes.current_result(votes.get_vote(vote_id))


@blp.route("/votes/<int:vote_id>/secret-ballots")
@blp.response(200)
def secret_ballots(vote_id):
    """After closing: every secret ballot with its receipt, to recount and check one's own."""
    with service_errors():
        vote = votes.get_vote(vote_id)
        if not vote.secret:
            api_error(404, message="this vote is public: see its roll")
        return [{"receipt": r, "ballot": c} for r, c in votes.secret_ballots(vote)]


@blp.route("/votes/<int:vote_id>/roll")
@blp.response(200)
def vote_roll(vote_id):
    """Who took part; for a public vote, how each voted. A secret vote's roll is published
    when it closes (403 before: watching it grow would link voters to live results)."""
    with service_errors():
        vote = votes.get_vote(vote_id)
        if not votes.roll_visible(vote):
            api_error(403, message="the roll of a secret vote is published when it closes")
        visible = not vote.secret and votes.results_visible(vote)
        return [
            {
                "voter": row.voter.display_name,
                "cast_on": row.cast_on.isoformat(),
                **({"ballot": row.content} if visible else {}),
            }
            for row in votes.roll(vote)
        ]


# --- decisions, meetings, mandates, organisations -------------------------------------------


@blp.route("/decisions")
@blp.response(200, DecisionSchema(many=True))
def list_decisions():
    """Decisions of the commune, newest first."""
    return decisions.decisions()


@blp.route("/meetings")
class Meetings(MethodView):
    @blp.response(200, MeetingSchema(many=True))
    def get(self):
        """Meetings of every body."""
        return meetings.meetings()

    @blp.arguments(MeetingSchema)
    @blp.response(201, MeetingSchema)
    def post(self, data):
        """Schedule a meeting (facilitation)."""
        check_permission("gov.facilitate")
        with service_errors():
            body = bodies.get_body(data.pop("body"))
            meeting = meetings.schedule(body, data.pop("title"), data.pop("starts_at"), **data)
        db.session.commit()
        return meeting


@blp.route("/meetings/<int:meeting_id>/attendance", methods=["POST"])
@blp.arguments(AttendanceSchema)
@blp.response(200)
def meeting_attendance(data, meeting_id):
    """Record who is present; answers the count and whether the quorum is reached."""
    check_permission("gov.minutes")
    with service_errors():
        meeting = meetings.get_meeting(meeting_id)
        eligible = {u.id for u in bodies.members(meeting.body)}
        unknown = set(data["present"]) - eligible
        if unknown:
            api_error(422, errors={"present": [f"not members: {sorted(unknown)[:10]}"]})
        meetings.record_attendance(meeting, set(data["present"]))
    db.session.commit()
    return {
        "present": meetings.present_count(meeting),
        "quorum": meeting.quorum,
        "quorum_reached": meetings.quorum_reached(meeting),
    }


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@blp.arguments(MinutesSchema)
@blp.response(200, MeetingSchema)
def meeting_minutes(data, meeting_id):
    """Write (and publish) the minutes (secretary)."""
    user = check_permission("gov.minutes")
    with service_errors():
        meeting = meetings.get_meeting(meeting_id)
        meetings.write_minutes(meeting, user, data["minutes"], publish=data["publish"])
    db.session.commit()
    return meeting


@blp.route("/mandates")
class Mandates(MethodView):
    @blp.response(200, MandateSchema(many=True))
    def get(self):
        """Every mandate, current and past (the history is public)."""
        return mandates.history()

    @blp.arguments(MandateSchema)
    @blp.response(201, MandateSchema)
    def post(self, data):
        """Record a mandate given by a body (rotation is enforced)."""
        actor = check_permission("gov.mandates")
        with service_errors():
            body = bodies.get_body(data.pop("body"))
            user = db.session.get(User, data.pop("user_id"))
            if user is None:
                api_error(422, errors={"user_id": ["unknown user"]})
            federation_slug = data.pop("federation")
            if federation_slug:
                from federation.tenancy.services import get_federation

                data["federation_id"] = get_federation(federation_slug).id
            mandate = mandates.assign(
                body,
                user,
                data.pop("role"),
                data.pop("starts_on"),
                data.pop("ends_on"),
                actor=actor,
                **data,
            )
        db.session.commit()
        return mandate


@blp.route("/mandates/<int:mandate_id>/recall-vote", methods=["POST"])
@blp.arguments(RecallVoteSchema)
@blp.response(201, VoteSchema)
def recall_vote(data, mandate_id):
    """Prepare the vote whose subject is recalling this mandate (the only vote that can)."""
    actor = check_permission("gov.mandates")
    with service_errors():
        vote = mandates.open_recall_vote(mandates.get_mandate(mandate_id), actor, **data)
    db.session.commit()
    return _vote_dump(vote)


@blp.route("/mandates/elections", methods=["POST"])
@blp.arguments(ElectionSchema)
@blp.response(201, VoteSchema)
def mandate_election(data):
    """Prepare an election (one option per candidate); delegates to a federation are
    elected by the assembly, and their mandate then cites this vote."""
    actor = check_permission("gov.mandates")
    with service_errors():
        body = bodies.get_body(data["body"])
        people = [db.session.get(User, i) for i in data["candidates"]]
        if any(p is None for p in people):
            api_error(422, errors={"candidates": ["unknown user"]})
        federation_id = None
        if data["federation"]:
            from federation.tenancy.services import get_federation

            federation_id = get_federation(data["federation"]).id
        vote = mandates.create_election(
            body,
            data["title"],
            people,
            actor,
            federation_id=federation_id,
            method=data["method"],
            seats=data["seats"],
            secret=data["secret"],
            quorum=data["quorum"],
        )
    db.session.commit()
    return _vote_dump(vote)


@blp.route("/mandates/<int:mandate_id>/recall", methods=["POST"])
@blp.arguments(RecallSchema)
@blp.response(200, MandateSchema)
def recall_mandate(data, mandate_id):
    """Recall a mandate, as the body that gave it decided."""
    actor = check_permission("gov.mandates")
    with service_errors():
        mandate = mandates.get_mandate(mandate_id)
        mandates.recall(mandate, data["reason"], actor, decided_by_vote_id=data["vote_id"])
    db.session.commit()
    return mandate


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.response(200, OrganisationSchema(many=True))
    def get(self):
        """Associations, cooperatives, companies and public bodies of the commune."""
        return organisations.organisations()

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data):
        """Register an organisation; you become its first representative."""
        user = participant()
        with service_errors():
            org = organisations.create_organisation(
                data.pop("name"), data.pop("kind"), user, **data
            )
        db.session.commit()
        return org


def _representatives(org):
    return [
        {"user_id": u.id, "display_name": u.display_name}
        for u in organisations.representatives(org)
    ]


@blp.route("/organisations/<slug>/representatives")
class Representatives(MethodView):
    @blp.response(200, RepresentativeSchema(many=True))
    def get(self, slug):
        """Who represents the organisation (public)."""
        with service_errors():
            return _representatives(organisations.get_organisation(slug))

    @blp.arguments(RepresentativeSchema)
    @blp.response(201, RepresentativeSchema(many=True))
    def post(self, data, slug):
        """Add a representative (a verified member); only a representative may."""
        user = participant()
        with service_errors():
            org = organisations.get_organisation(slug)
            organisations.add_representative(org, data["user_id"], actor=user)
        db.session.commit()
        return _representatives(org)


@blp.route("/organisations/<slug>/representatives/<int:user_id>", methods=["DELETE"])
@blp.response(204)
def remove_representative(slug, user_id):
    """Remove a representative (the last one stays); only a representative may."""
    user = participant()
    with service_errors():
        organisations.remove_representative(organisations.get_organisation(slug), user_id, user)
    db.session.commit()
