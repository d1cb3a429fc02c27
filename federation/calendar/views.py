"""Calendar pages: a commune's month (``/c/<commune>/calendar``), a person's month
(``/c/<commune>/calendar/mine``), the commune's feed (``calendar.ics``), and its places with
an optional map (``/c/<commune>/places``). No inline script: the map is
``static/places-map.js`` over a list that works without it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _

from federation.calendar import services
from federation.calendar.ical import CalendarEvent, feed
from federation.errors import ServiceError
from federation.form_posts import done, posted_form, refused
from federation.identity.decorators import check_permission, login_required_here
from federation.roster.views import WEEKDAYS
from federation.security import CSP

bp = Blueprint("calendar", __name__, template_folder="templates")
LEAFLET = "vendor/node_modules/leaflet/dist/leaflet.js"


def _month_page(user_id: int | None, mine: bool, everywhere: bool = False):
    today = datetime.now(UTC).date()
    year, month = services.parse_month(request.args.get("month"), today)
    start, end = services.month_bounds(year, month)
    if everywhere:
        found = services.person_items(user_id, start, end)
    else:
        found = services.items(g.commune.slug, start, end, user_id=user_id)
    before, after = services.neighbours(year, month)
    return render_template(
        "calendar/month.html",
        weeks=services.month_grid(year, month, found),
        items=found,
        month=month,
        current=f"{year:04d}-{month:02d}",
        title=format_date(start.date(), "LLLL yyyy"),
        before=before,
        after=after,
        today=today,
        weekdays=WEEKDAYS,
        mine=mine,
        everywhere=everywhere,
        base=request.path,
        time=lambda value: format_time(value, "short"),
        day=lambda value: format_date(value, "full"),
    )


@bp.route("/c/<commune>/calendar")
def commune_month():
    return _month_page(None, mine=False)


@bp.route("/c/<commune>/calendar/mine")
def person_month():
    user = login_required_here()
    return _month_page(user.id, mine=True)


@bp.route("/calendar")
def person_everywhere():
    """The person's month across every commune where they are a member."""
    user = login_required_here()
    return _month_page(user.id, mine=True, everywhere=True)


@bp.route("/c/<commune>/calendar.ics")
def commune_feed():
    """The commune's meetings, votes' closing dates and shifts (public), from a month ago."""
    from datetime import timedelta

    start = datetime.now(UTC) - timedelta(days=31)
    host = request.host.split(":")[0]
    events = [
        CalendarEvent(
            uid=f"{item.kind}-{g.commune.id}-{item.id}@{host}",
            start=item.start,
            end=item.end or item.start,
            summary=f"{item.label} : {item.title}" if item.kind == "vote" else item.title,
            url=request.host_url.rstrip("/") + item.url,
            cancelled=item.cancelled,
        )
        for item in services.items(g.commune.slug, start, start + timedelta(days=400))
    ]
    return Response(
        feed(_("Calendrier — %(c)s", c=g.commune.name), events),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{g.commune.slug}.ics"'},
    )


# -- places ---------------------------------------------------------------------------------


def _tiles() -> tuple[str, str]:
    """The configured tile server (``""``: no map) and its origin, for the page's CSP."""
    url = current_app.config.get("MAP_TILES_URL") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return "", ""
    return url, f"{parts.scheme}://{parts.netloc}"


def leaflet_installed() -> bool:
    return (Path(current_app.static_folder or "") / LEAFLET).is_file()


@bp.route("/c/<commune>/places", methods=["GET", "POST"])
def places():
    target = f"/c/{g.commune.slug}/places"
    if request.method == "POST":
        check_permission("gov.facilitate")
        form = posted_form()
        try:
            place = services.add_place(
                form.get("name", ""),
                form.get("address", ""),
                form.get("description", ""),
                form.get("latitude"),
                form.get("longitude"),
            )
        except ServiceError as exc:
            return refused(exc, target)
        return done(_("Le lieu « %(p)s » est ajouté.", p=place.name), target)
    tiles, origin = _tiles()
    found = services.places()
    show_map = bool(tiles) and leaflet_installed() and any(p.latitude is not None for p in found)
    from federation.identity.forms import EmptyForm

    response = Response(
        render_template(
            "calendar/places.html",
            places=found,
            concerns=services.concerns_by_place(),
            show_map=show_map,
            tiles=tiles,
            attribution=current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
            leaflet_js=url_for("static", filename=LEAFLET) if show_map else "",
            leaflet_css=url_for("static", filename=LEAFLET.replace(".js", ".css"))
            if show_map
            else "",
            form=EmptyForm(),
        )
    )
    if show_map:
        response.headers["Content-Security-Policy"] = CSP.replace(
            "img-src 'self' data:", f"img-src 'self' data: {origin}"
        )
    return response
