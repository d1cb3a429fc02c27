"""The contract between the core and the plugins: every hook the framework offers.

Each specification's docstring is its reference documentation (a meta-test fails when
one is missing, and another fails when a hook has no test).

How hooks are called:

* *global* hooks are called once for the whole app (``pm.hook.NAME(...)``), usually at
  start-up;
* *commune* hooks are called through ``commune_hooks(commune_id)``, so only the plugins
  enabled in that commune answer;
* *isolated* hooks (widgets, indicators) call each implementation on its own: one that
  raises is logged and skipped, and the page still renders.

Implementations only *return* data; the core merges results in a deterministic order
(by ``weight`` then plugin name), never relying on pluggy's registration order.
Implement them as methods of a :class:`federation.plugins.ConvergencePlugin` subclass,
decorated with :data:`federation.plugins.hookimpl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from federation.identity.models import User
    from federation.identity.permissions import Permission
    from federation.plugins.contributions import (
        Indicator,
        NavItem,
        TodoItem,
        VerificationMethod,
        Widget,
    )
    from federation.tenancy.models import Commune, Federation

PROJECT = "convergence"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def federation_permissions() -> list[Permission]:
    """Declare the permissions this plugin defines (global, once at start-up).

    Return a list of :class:`federation.identity.permissions.Permission`, each named
    ``<plugin>.<action>`` (``"water.manage"``) with the commune roles that hold it by
    default. Commune admins may then change which role holds which permission.
    ``require_permission("water.manage")`` refuses undeclared names.
    """


@hookspec
def federation_blueprints() -> list[Blueprint]:
    """Return the plugin's web blueprints (global, once at start-up).

    Each blueprint is mounted under ``/c/<commune>/<plugin>/``; its views read the
    commune from :data:`federation.tenancy.context.current_commune` (the ``commune``
    URL value is consumed by the core). Every route answers 404 in a commune where the
    plugin is off: the core adds that guard, the plugin writes no code for it.
    Templates go under ``templates/<plugin>/`` in the plugin's package.
    """


@hookspec
def federation_api_blueprints() -> list[Any]:
    """Return the plugin's REST blueprints (``flask_smorest.Blueprint``; global, once).

    Each is mounted under ``/api/v1/communes/<commune>/<plugin>/`` and appears in the
    OpenAPI document at ``/api/v1/openapi.json``. Use marshmallow schemas with
    ``unknown=RAISE`` and ``dump_only`` identifiers. The same per-commune 404 guard as
    for web blueprints applies. (The core's own domains answer this hook too, from
    ``federation.core_plugin``: an always-on plugin's blueprints keep their own prefix.)
    Build on ``federation.api`` (``api_error``, ``errors.service_errors``, ``fields``, the
    guards of ``auth``): the OpenAPI document declares the bearer scheme on each operation
    whose view reaches a guard (``federation.api.openapi``).
    """


@hookspec
def federation_navigation_items(commune: Commune, user: User | None) -> list[NavItem]:
    """Return navigation entries for a commune's pages (commune hook: enabled plugins only).

    :param commune: the commune being displayed.
    :param user: the signed-in user, or ``None`` for a visitor.
    :return: :class:`federation.plugins.contributions.NavItem` objects; the core sorts
        them by ``weight`` then label.
    """


@hookspec
def federation_federation_blueprints() -> list[Blueprint]:
    """Return the plugin's web blueprints for federation pages (global, once at start-up).

    Each is mounted under ``/f/<federation>/<plugin>/`` (name it ``<plugin>_…``); its views
    read the federation from ``g.federation`` and its member communes through the
    read-only federation scope the core has entered. Every route answers 404 for a
    federation where the plugin is on in no member commune (the core's guard).
    """


@hookspec
def federation_federation_navigation_items(
    federation: Federation, user: User | None
) -> list[NavItem]:
    """Return entries for a federation's home page, ``/f/<federation>/`` (isolated).

    Called for the plugins enabled in at least one member commune, with the signed-in
    ``user`` or ``None``. Return :class:`federation.plugins.contributions.NavItem` entries
    whose endpoints are federation pages (see ``federation_federation_blueprints``); the
    core sorts them by ``weight`` then label.
    """


@hookspec
def federation_dashboard_widgets(commune: Commune, user: User | None) -> list[Widget]:
    """Return widgets for the commune home page (commune hook, isolated).

    A widget is a title and already-rendered HTML (render a template of your own with
    ``render_template``). An implementation that raises is logged and skipped. Keep
    the number of queries constant: no query per row.
    """


@hookspec
def federation_todo_items(user: User, communes: list[Commune]) -> list[TodoItem]:
    """Say what awaits this person in your plugin, for their home, "À faire" (isolated).

    Called once per page with the signed-in ``user`` and ``communes``: the communes where
    the person is a verified member *and* your plugin is on (never called with none).
    Return :class:`federation.plugins.contributions.TodoItem` entries (a label in the
    reader's language, a URL, optionally ``when`` — a date or datetime shown with the
    item — the commune's name and a ``weight`` that orders them; the home sorts by
    ``weight``, then ``when``, then label), or ``[]``. Read every commune at once inside
    ``federation_scope([c.id for c in communes])``: a constant number of queries, never
    one per commune or per item (the home page's query count is asserted). An
    implementation that raises is logged and skipped; the home still renders.
    """


@hookspec
def federation_indicators(federation: Federation, commune_ids: list[int]) -> list[Indicator]:
    """Return aggregated indicators for a federation's dashboard (isolated).

    Called with the ids of the member communes where the plugin is enabled, inside a
    read-only federation scope. Compute every value for all communes at once with a
    grouped query (a constant number of queries, never one per commune) and return
    :class:`federation.plugins.contributions.Indicator` objects carrying one value per
    commune; the core adds the totals, suppresses counts of people under 5 and caches
    the result per federation.
    """


@hookspec
def federation_commune_created(commune: Commune) -> None:
    """React to a new commune (global): seed defaults a plugin needs in every commune.

    Called after the commune's row exists, in the transaction that creates it, whatever
    the path (web, API, CLI, CSV import, JSON import, demo). Must be idempotent:
    ``convergence commune backfill`` calls it again for existing communes.
    """


@hookspec
def federation_communes_created(communes: list[Commune]) -> None:
    """The same for a batch of new communes (the CSV import announces up to 2,000 at a
    time; a commune created alone comes as a batch of one). Prefer it when seeding costs
    a query per commune: insert for the whole batch at once. Must be idempotent too.
    """


@hookspec
def federation_plugin_enabled(commune: Commune, plugin_name: str) -> None:
    """React when a plugin is switched on for a commune (global, after the change is flushed).

    The plugin itself may seed its data here; other plugins may react too. It runs in
    the commune's scope and in the same transaction as the change.
    """


@hookspec
def federation_plugin_disabled(commune: Commune, plugin_name: str) -> None:
    """React when a plugin is switched off for a commune (global). Data is never deleted."""


@hookspec
def federation_event(name: str, payload: dict[str, Any], commune: Commune | None) -> None:
    """Receive a domain event, after the transaction that emitted it has committed.

    :param name: dotted event name, e.g. ``"governance.decision_adopted"``.
    :param payload: JSON-serialisable data of the event (ids, not objects).
    :param commune: the commune the event belongs to; the handler runs in its scope and
        only plugins enabled there receive it.

    Runs inline when no ``REDIS_URL`` is configured, otherwise in an RQ worker. A
    handler that raises is logged and its changes are rolled back; other handlers
    still run.
    """


@hookspec
def federation_cli_commands() -> list[click.Command]:
    """Return click commands or groups to add to the ``convergence`` command (global, once).

    A plugin usually returns one group named after itself: ``convergence water …``.
    """


@hookspec
def federation_demo_data(commune: Commune, users: dict[str, User]) -> None:
    """Create demonstration data for a commune where the plugin is enabled (commune hook).

    Called by ``convergence demo load`` inside the commune's scope.
    :param users: the demo accounts by role name (``"member"``, ``"facilitator"``…).
    """


@hookspec
def federation_commune_export(commune: Commune) -> dict[str, Any]:
    """Return the plugin's data of a commune as JSON-serialisable data (commune hook).

    The result is stored under the plugin's name in the commune export, and given back
    to :func:`federation_commune_import` when the export is imported.
    """


@hookspec
def federation_commune_import(commune: Commune, data: dict[str, Any]) -> None:
    """Recreate the plugin's data of a commune from :func:`federation_commune_export`'s output.

    Called in the commune's scope, inside one transaction: raise to refuse the whole
    import.
    """


@hookspec
def federation_user_data_export(user: User) -> dict[str, Any]:
    """Return the personal data the plugin holds about ``user`` (global; GDPR export)."""


@hookspec
def federation_user_data_erase(user: User) -> None:
    """Erase or anonymise the personal data the plugin holds about ``user`` (global).

    Called before the account is deleted, in an unscoped context: filter by user id.
    """


@hookspec
def federation_voting_methods() -> list[Any]:
    """Return voting methods that bodies may use (global, once at start-up).

    Each is a :class:`federation.governance.voting.base.VotingMethod`: it validates a
    ballot into a canonical JSON value and tallies ``(ballot, count)`` pairs that the
    database has already grouped. The core registers its own methods (majority, consent,
    advice, majority judgment, approval, score, dot vote, Schulze, STV, time poll) through
    this same hook; a plugin adds one by returning an instance with a new ``name``.
    """


@hookspec
def federation_verification_methods() -> list[VerificationMethod]:
    """Return ways a commune can verify that a person who asks to join lives there (global).

    Built in: approval by a facilitator, an invitation code, a residents list. Each
    commune chooses one; see
    :class:`federation.plugins.contributions.VerificationMethod`.
    """


@hookspec
def federation_roster_shift_attended(commune: Commune, shift: Any, user_ids: list[int]) -> None:
    """React when attendance is recorded for a roster shift (commune hook: enabled plugins).

    Called after the recording transaction has committed, through the
    ``roster.attendance_recorded`` domain event, in the commune's scope (a handler that
    raises is logged and rolled back; the others still run).

    :param shift: the :class:`federation.roster.models.Shift`; ``shift.source_kind`` and
        ``shift.source_ref`` say which plugin object it belongs to (check the kind is yours).
    :param user_ids: the people newly marked present in this recording (a correction
        that marks them absent again does not call the hook).
    """


@hookspec(firstresult=True)
def federation_roster_source_link(commune: Commune, source_kind: str, source_ref: str) -> Any:
    """Describe the plugin object a roster shift is attached to (commune hook, first answer).

    Return ``(label, url)`` for a ``source_kind`` the plugin created (``"food.distribution"``,
    ``"42"`` → ``("Distribution du 4 mai", "/c/<commune>/food/distributions/42")``), or
    ``None`` for a kind that is not yours. The roster's shift page shows the link.
    """


@hookspec
def federation_text_kinds() -> dict[str, Any]:
    """Declare how to render what your plugin writes, in the reader's language (global).

    Journal entries, notifications and e-mails are stored as a *kind* and *parameters*,
    never as a sentence: return ``{kind: renderer}`` where the renderer takes the stored
    parameters and returns the text, with ``gettext`` and :mod:`federation.formatting` so
    the reader's locale applies::

        @hookimpl
        def federation_text_kinds(self):
            return {
                "bikes.repair_done": lambda p: _(
                    "Réparation de %(bike)s terminée (%(cost)s)",
                    bike=p["bike"], cost=formatting.money(p["cost"], p.get("currency")),
                ),
            }

    Write with ``journal.record("bikes.repair_done", payload={...})`` or
    ``notify(user_id, kind="bikes.repair_done", params={...})``. A kind declared by two
    plugins is an error at start-up; prefix yours with your plugin's name. Names people
    gave (a proposal's title) go in the parameters as given. Messages are French
    (the catalogs' source language), translated by your plugin's catalog.
    """


@hookspec
def federation_search_sources() -> list[Any]:
    """Declare the plugin's objects that people can find (global, once at start-up).

    Return :class:`federation.search.sources.SearchSource` objects: a ``kind`` prefixed by
    your plugin's name, the ORM ``model``, a ``label``, how to read the object's ``title``
    and ``text``, whether it is ``public`` and the ``url`` of its page::

        @hookimpl
        def federation_search_sources(self):
            from federation.search import SearchSource

            return [
                SearchSource(
                    kind="bikes.repair",
                    model=Repair,
                    label=_l("Réparation"),
                    title=lambda r: r.title,
                    text=lambda r: r.notes,
                    url=lambda commune, ref: f"/c/{commune}/bikes/repairs/{ref}",
                    public=lambda r: not r.private,
                )
            ]

    The core keeps the index in sync in the flush that writes each object (no code on your
    side), and finds your kinds only in communes where the plugin is enabled. Public objects
    are found by visitors and across a federation; the others only by the commune's
    members. ``convergence search reindex`` rebuilds the index (after bulk imports).
    """


@hookspec
def federation_stage_offers(commune: Commune, stage: str | None) -> list[NavItem]:
    """Say what the plugin offers a commune at its stage (commune hook: enabled plugins).

    A commune's stage (:mod:`federation.governance.stages`: ``"core_group"``,
    ``"programme"``, ``"list"``, ``"campaign"``, ``"in_office"``, ``"opened_wide"``, or
    ``None`` for a commune that does not follow the path) changes what the platform
    offers: a movement treasury and a membership drive before the election, the
    municipal budget, the council's agenda and a wider registration after it. Return
    :class:`federation.plugins.contributions.NavItem` entries for what you offer at
    ``stage`` (``[]`` for nothing); test the stage with
    ``stages.reached(stage, "in_office")``, which is ``True`` for a commune with no
    stage. :func:`federation.governance.stages.offers` gathers the answers, sorted by
    ``weight`` then label; a plugin may also read ``stages.current(commune.id)`` in its
    own pages.
    """


@hookspec
def federation_role_matrix() -> dict[str, str]:
    """Declare who may call each of the plugin's routes (R9; global, read by the tests).

    Return ``{"METHOD /path": "s1 s2 s3 s4 s5 s6 s7 s8"}`` for every route the plugin
    adds — its pages and its API — with the path as the URL map spells it, placeholders
    in braces (``"GET /c/{commune}/water/resources/{resource_id}"``). Each value is the
    status the route answers, in the order of :data:`federation.api.role_matrix.ROLES`
    (anonymous, member, facilitator, admin, admin of another commune, coordinator,
    delegate, platform admin), to a request with the seeded commune and federation in the
    path, an id that names no row and an empty body. The core gathers the plugins'
    rows with its own (:func:`federation.api.role_matrix.collect`); the walk in
    ``tests/core/api/test_role_matrix.py`` sends every route of the app as every role
    and fails on a difference and on a route that no table declares. Keep the rows in
    a module of the plugin (``convergence_<name>/role_matrix.py``) and regenerate them
    after a reviewed change of access with ``python -m tests.core.api.role_walk``.
    """
