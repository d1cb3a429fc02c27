"""``convergence demo load``: the demo federation, accounts and every plugin's demo data."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from federation.db import db
from federation.errors import ValidationFailed
from federation.identity import services as identity
from federation.identity.models import User
from federation.journal.services import commune_chain, federation_chain, record
from federation.plugins.services import disabled_in, enable_plugin, manager
from federation.tenancy import services as tenancy
from federation.tenancy.context import commune_scope
from federation.tenancy.models import Commune


def demo_file(app: Flask) -> Path:
    return Path(app.instance_path) / "demo.toml"


def load_demo(app: Flask, *, force: bool = False, path: Path | None = None) -> str:
    path = path or demo_file(app)
    if not path.exists():
        raise ValidationFailed(f"no demo definition at {path}", field="instance")
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    first = spec["communes"][0]["slug"]
    if not force and db.session.scalar(select(Commune.id).where(Commune.slug == first)):
        return "Demo data is already loaded (use --reset on an empty database to reload)."

    communes: dict[str, Commune] = {}
    for item in spec["communes"]:
        communes[item["slug"]] = tenancy.create_commune(**item)  # announced to the plugins
    federations = {}
    for item in spec.get("federations", []):
        members = item.pop("communes", [])
        federation = tenancy.create_federation(**item)
        federations[federation.slug] = federation
        for slug in members:
            tenancy.add_commune_to_federation(federation, communes[slug])
        record(
            "federation.created",
            payload={"communes": members, "name": federation.name},
            federation_id=federation.id,
            actor="@platform",
        )

    password = spec.get("password", "demo-convergence")
    users_by_role: dict[str, User] = {}
    #: commune slug → its own demo accounts by role (they come first in its demo data)
    locals_by_role: dict[str, dict[str, User]] = {}
    for item in spec.get("users", []):
        user = identity.create_user(
            item["email"],
            password,
            item["name"],
            locale="fr",
            is_platform_admin=item.get("platform_admin", False),
        )
        if "commune" in item:
            member = identity.request_membership(communes[item["commune"]].id, user)
            identity.activate_membership(member, by=None, method="demo")
            identity.grant_role(member, item.get("role", "member"))
            users_by_role.setdefault(item.get("role", "member"), user)
            locals_by_role.setdefault(item["commune"], {}).setdefault(
                item.get("role", "member"), user
            )
        if "federation" in item:
            identity.grant_federation_role(
                federations[item["federation"]].id,
                user,
                item["federation_role"],
                commune_id=communes.get(item.get("commune", "")).id
                if item.get("commune")
                else None,
            )
            users_by_role.setdefault(item["federation_role"], user)
        if item.get("platform_admin"):
            users_by_role.setdefault("platform_admin", user)
    db.session.flush()

    plugins = sorted(manager().switchable)
    for commune in communes.values():
        with commune_scope(commune.id):
            record(
                "commune.opened",
                payload={"insee_code": commune.insee_code, "name": commune.name},
                commune_id=commune.id,
                actor="@platform",
            )
            for name in _in_dependency_order(plugins):
                enable_plugin(commune, name)
            _demo_data(commune, {**users_by_role, **locals_by_role.get(commune.slug, {})})
    _intercommunal_demo(federations, communes, users_by_role)
    db.session.commit()
    chains = [commune_chain(c.id) for c in communes.values()] + [
        federation_chain(f.id) for f in federations.values()
    ]
    return (
        f"Loaded {len(communes)} communes, {len(federations)} federations, "
        f"{len(spec.get('users', []))} accounts (password: {password}), "
        f"plugins: {', '.join(plugins) or 'none'}; {len(chains)} journal chains."
    )


def _demo_data(commune: Commune, users: dict[str, User]) -> None:
    """Every enabled plugin's demo data, the core parts first (governance makes the
    circles and members the plugins' decisions go through), then by dependency."""
    pm = manager()
    disabled = disabled_in(commune.id)
    impls = {i.plugin_name: i for i in pm.hook.federation_demo_data.get_hookimpls()}
    core = [name for name in impls if name not in pm.switchable]
    for name in [*core, *_in_dependency_order([n for n in impls if n in pm.switchable])]:
        impl = impls.get(name)
        if impl is None or name in disabled:
            continue
        arguments = {"commune": commune, "users": users}
        impl.function(**{key: arguments[key] for key in impl.argnames})


def _in_dependency_order(names: list[str]) -> list[str]:
    pm = manager()
    ordered: list[str] = []
    for name in names:
        for dep in [*pm.dependency_closure(name), name]:
            if dep not in ordered and dep in pm.switchable:
                ordered.append(dep)
    return ordered


def _intercommunal_demo(federations: dict, communes: dict, users: dict[str, User]) -> None:
    """A delegate with a public mandate, and a pooled project put to the assemblies."""
    from federation.intercommunal import pooled

    plateau = federations.get("plateau-millevaches")
    delegate = users.get("delegate")
    coordinator = users.get("coordinator")
    if plateau is None or delegate is None or coordinator is None:
        return
    home = communes.get("peyrelevade")
    if home is not None:
        with commune_scope(home.id):
            _elect_delegate(home, plateau, delegate, coordinator)
    members = [c for c in communes.values() if c.id in set(tenancy.member_commune_ids(plateau.id))]
    project = pooled.create_project(
        plateau,
        "Stations de mesure des débits des sources",
        "12000",
        {c.id: f"1/{len(members)}" for c in members},  # shares add up to exactly 1
        description="Six stations pour suivre les débits des sources du plateau et "
        "partager l'eau en connaissance de cause.",
        shares=True,
    )
    # communes where nobody of the demo lives cannot answer: left out of the count
    proposal = pooled.submit(project, coordinator, rule="majority", unable_rule="exclude")
    # the assemblies ratify by their vote (the answers reach the federation when the demo is
    # committed, through the decisions' events); Tarnac has not voted yet. Nedde has members
    # when the elections plugin's demo gave it some (otherwise it cannot answer and is skipped)
    for slug in ("faux-la-montagne", "peyrelevade", "nedde"):
        commune = communes.get(slug)
        if commune is not None:
            with commune_scope(commune.id):
                _assembly_ratifies(commune, proposal.id)


def _elect_delegate(home: Commune, federation, delegate: User, facilitator: User) -> None:
    """The assembly elects its delegate to the federation (a secret approval vote its members
    cast, then closed), and the mandate cites that election, as the rules require."""
    from datetime import date, timedelta

    from federation.governance import bodies, mandates, votes

    body = bodies.assembly(home)
    election = mandates.create_election(
        body,
        f"Élection du délégué ou de la déléguée à la {federation.name}",
        [delegate],
        facilitator,
        federation_id=federation.id,
    )
    votes.open_vote(election, facilitator)
    candidate = next(o.id for o in votes.options_of(election) if o.label == delegate.display_name)
    for voter in _active_members(home):
        votes.cast(election, voter, {"approve": [candidate]})
    votes.close_vote(election, facilitator)
    mandates.assign(
        body,
        delegate,
        "delegate",
        date.today(),
        date.today() + timedelta(days=365),
        mandate_text="Peut approuver un partage de l'eau qui garantit d'abord les "
        "usages vitaux ; doit revenir devant l'assemblée pour toute "
        "dépense commune de plus de 5 000 €.",
        federation_id=federation.id,
        election_vote_id=election.id,
        actor=facilitator,
    )


def _active_members(commune: Commune) -> list[User]:
    from federation.identity.models import Membership

    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.commune_id == commune.id, Membership.status == "active")
            .order_by(User.id)
        )
    )


def _assembly_ratifies(commune: Commune, federation_proposal_id: int) -> None:
    """The commune's assembly votes on its copy of the federation's proposal and adopts it."""
    from federation.governance import proposals, votes
    from federation.governance.bodies import assembly
    from federation.intercommunal.models import Ratification

    local_id = db.session.scalar(
        select(Ratification.commune_proposal_id).where(
            Ratification.proposal_id == federation_proposal_id,
            Ratification.commune_id == commune.id,
        )
    )
    people = _active_members(commune)
    if local_id is None or not people:
        return
    local = proposals.get_proposal(local_id)
    facilitator = people[0]
    vote = votes.create_vote(
        assembly(commune),
        local.title[:200],
        "majority",
        proposal=local,
        settings={"threshold": "1/2"},
    )
    votes.open_vote(vote, facilitator)
    for person in people:
        votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, facilitator)
