"""``GET /api/v1/communes/<commune>/jobs/<job_id>``: a job's state and progress.

Public within the commune for whoever knows the job's id (a random UUID the page that
started the job shows); no parameters, result or requester are given out: a plugin
publishes its results through its own endpoints. Another commune's job is a 404.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from federation.api import api_error
from federation.api.fields import DateTime, Integer
from federation.jobs.labels import describe
from federation.jobs.services import job_status
from federation.tenancy.schemas import StrictSchema

blp = Blueprint("api_jobs", __name__, url_prefix="/api/v1", description="Tâches de fond")


class JobStatusSchema(StrictSchema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    state = fields.String(
        dump_only=True, metadata={"enum": ["queued", "running", "finished", "failed"]}
    )
    done = Integer(dump_only=True)
    total = Integer(dump_only=True)
    percent = Integer(dump_only=True, allow_none=True)
    stale = fields.Boolean(dump_only=True)
    error_kind = fields.String(dump_only=True, allow_none=True)
    message = fields.String(dump_only=True)
    created_at = DateTime(dump_only=True)
    started_at = DateTime(dump_only=True, allow_none=True)
    finished_at = DateTime(dump_only=True, allow_none=True)


@blp.route("/communes/<commune>/jobs/<job_id>")
@blp.response(200, JobStatusSchema)
def job(job_id: str):
    """A background job of the commune: state, progress, error kind and message."""
    status = job_status(job_id)
    if status is None:
        api_error(404, message="no such job in this commune")
    view = describe(status)
    return {
        "id": status.id,
        "kind": status.kind,
        "state": status.state,
        "done": status.done,
        "total": status.total,
        "percent": status.percent,
        "stale": status.stale,
        "error_kind": status.error_kind,
        "message": view["error"] or view["label"],
        "created_at": status.created_at,
        "started_at": status.started_at,
        "finished_at": status.finished_at,
    }
