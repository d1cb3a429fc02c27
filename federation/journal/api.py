"""REST endpoints of the public journal (no account needed)."""

from __future__ import annotations

import json

from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from federation.api.fields import Integer
from federation.journal import services
from federation.tenancy.schemas import StrictSchema

blp = Blueprint("api_journal", __name__, url_prefix="/api/v1", description="Journal public")


class EntrySchema(StrictSchema):
    seq = Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    #: stored (and hashed) as written; empty for kinds rendered at read time
    summary = fields.String(dump_only=True)
    #: the entry in the reader's language (``Accept-Language`` or ``?lang=``)
    text = fields.String(dump_only=True)
    payload = fields.Function(lambda e: json.loads(e.payload), dump_only=True)
    actor = fields.String(dump_only=True)
    recorded_at = fields.String(dump_only=True)
    prev_hash = fields.String(dump_only=True)
    entry_hash = fields.String(dump_only=True)


class PageSchema(StrictSchema):
    before = Integer(load_default=None, validate=validate.Range(min=1))
    limit = Integer(load_default=50, validate=validate.Range(1, 500))


class VerifySchema(StrictSchema):
    chain = fields.String(dump_only=True)
    entries = Integer(dump_only=True)
    head_hash = fields.String(dump_only=True)
    valid = fields.Boolean(dump_only=True)
    broken_seq = Integer(dump_only=True, allow_none=True)
    reason = fields.String(dump_only=True, allow_none=True)


def _verify(chain: str) -> dict:
    reports = services.verify(chain)
    if not reports:
        return {
            "chain": chain,
            "entries": 0,
            "head_hash": services.GENESIS,
            "valid": True,
            "broken_seq": None,
            "reason": None,
        }
    report = reports[0]
    return {
        "chain": chain,
        "entries": report.entries,
        "head_hash": report.head_hash,
        "valid": report.broken is None,
        "broken_seq": report.broken.seq if report.broken else None,
        "reason": report.broken.reason if report.broken else None,
    }


@blp.route("/communes/<commune>/journal")
@blp.arguments(PageSchema, location="query")
@blp.response(200, EntrySchema(many=True))
def commune_journal(args):
    """The commune's public journal, newest first."""
    return services.entries(
        services.commune_chain(g.commune.id), limit=args["limit"], before_seq=args["before"]
    )


@blp.route("/communes/<commune>/journal/verify")
@blp.response(200, VerifySchema)
def commune_journal_verify():
    """Recompute the commune's chain and say whether it is intact."""
    return _verify(services.commune_chain(g.commune.id))


@blp.route("/federations/<federation>/journal")
@blp.arguments(PageSchema, location="query")
@blp.response(200, EntrySchema(many=True))
def federation_journal(args):
    """The federation's public journal, newest first."""
    return services.entries(
        services.federation_chain(g.federation.id), limit=args["limit"], before_seq=args["before"]
    )


@blp.route("/federations/<federation>/journal/verify")
@blp.response(200, VerifySchema)
def federation_journal_verify():
    """Recompute the federation's chain and say whether it is intact."""
    return _verify(services.federation_chain(g.federation.id))
