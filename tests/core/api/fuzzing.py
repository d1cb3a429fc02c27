"""Fuzzing the API against its OpenAPI document (schemathesis), as every role.

``run(app, headers, examples=…)``: for every operation of ``/api/v1/openapi.json`` (the
core's and the plugins'), hypothesis draws ``examples`` requests from the document — valid
ones and, in a second pass, invalid ones — with ``{commune}`` and ``{federation}`` pinned
to seeded rows, and sends each as every role. Returns the number of requests sent and the
failures: a server error always; with ``strict``, an answer that breaks the document
(undeclared status code, content type, body schema).

``run_stateful(app, headers, pins, scenarios=…)``: the stateful phase — schemathesis'
state machine chains operations through the OpenAPI links between them (inferred from
the document: a created row's id fed to the operations that read, change or act on it),
so that reads and updates reach rows that exist instead of a random id's 404; each
scenario runs as one role, every step checked like a stateless case.

Used by tests/core/api/test_fuzz.py (few cases, always on) and ``.ci/fuzz`` (at least
10,000 cases, strict).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

ROLES = ("anonymous", "member", "facilitator", "admin", "platform_admin")


@dataclass
class FuzzReport:
    cases: int = 0
    operations: int = 0
    #: of which in the stateful phase, and the links it could follow
    stateful_cases: int = 0
    links: int = 0
    #: the stateful phase's answers by status class ("2xx"…): how deep the links reached
    stateful_statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)


def enable_every_plugin(app: Flask, factory: Any, commune: Any) -> None:
    """Every installed plugin on in ``commune`` (one needing another after it)."""
    from federation.errors import ServiceError

    waiting = sorted(app.extensions["convergence"].pm.switchable)
    while waiting:
        left = []
        for plugin in waiting:
            try:
                factory.enable(commune, plugin)
            except ServiceError:
                left.append(plugin)
        if len(left) == len(waiting):
            break
        waiting = left


class Snapshot:
    """A copy of the app's SQLite file, put back by :meth:`restore` when the file (or its
    write-ahead log) was written since the last restore."""

    def __init__(self, app: Flask) -> None:
        import shutil

        from federation.db import db

        self.app = app
        with app.app_context():
            engine = db.engine
            if engine.url.get_backend_name() != "sqlite" or not engine.url.database:
                raise RuntimeError("needs the app's own SQLite file (scratch_app)")
            self.path = engine.url.database
            engine.dispose()
        self.copy = f"{self.path}.seeded"
        shutil.copyfile(self.path, self.copy)
        self.seen = self._written()

    def _written(self) -> tuple[tuple[int, int], ...]:
        import os

        files = [self.path + suffix for suffix in ("", "-wal", "-journal")]
        return tuple(
            (s.st_mtime_ns, s.st_size) for s in (os.stat(f) for f in files if os.path.exists(f))
        )

    def restore(self) -> None:
        import os
        import shutil

        from federation.db import db

        if self._written() == self.seen:
            return
        with self.app.app_context():
            db.engine.dispose()
        for suffix in ("-wal", "-shm", "-journal"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)
        shutil.copyfile(self.copy, self.path)
        self.seen = self._written()


def scratch_app(name: str) -> Flask:
    """An application on a fresh, migrated SQLite database in a temporary folder."""
    import os
    import tempfile
    from pathlib import Path

    from federation.app import create_app
    from federation.migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix=f"convergence-{name}-"))
    os.environ["CONVERGENCE_INSTANCE_PATH"] = str(folder)
    app = create_app(
        name,
        env="testing",
        secret_key=f"{name}-secret-key-not-for-production",
        database_url=f"sqlite:///{folder / (name + '.sqlite')}",
        password_hashing="fast-for-tests",
        mail_backend="memory",
        redis_url=None,
        TESTING=True,
        RATELIMIT_ENABLED=False,
        JOBS_INLINE=True,
    )
    upgrade(app)
    return app


def seed(app: Flask) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """A commune with every installed plugin on, a federation (basin), a token per role."""
    from federation.testing.factories import Factory

    factory = Factory(app)
    commune = factory.commune("fuzz", "Fuzz-sur-Loire")
    other = factory.commune("fuzz-voisine", "Voisine")
    enable_every_plugin(app, factory, commune)
    federation = factory.federation("fuzz-bassin", communes=[commune, other], kind="basin")
    headers = {
        "anonymous": {},
        "member": factory.token(factory.member(commune).user),
        "facilitator": factory.token(factory.member(commune, "facilitator").user),
        "admin": factory.token(factory.member(commune, "admin").user),
        "platform_admin": factory.token(factory.platform_admin()),
    }
    return headers, {"commune": commune.slug, "federation": federation.slug}


def _sender(
    report: FuzzReport,
    headers: dict[str, dict[str, str]],
    roles: tuple[str, ...],
    checks: list[Any],
    where: str,
    max_failures: int = 200,
) -> Any:
    """The body of one hypothesis test: send the drawn request as each role."""

    def send(case: Any) -> None:
        for role in roles:
            report.cases += 1
            try:
                case.call_and_validate(headers=dict(headers[role]), checks=checks)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # failure groups are BaseExceptionGroups
                kind = _kind(exc)
                report.by_kind[kind] += 1
                if len(report.failures) < max_failures:
                    first = str(exc).strip().splitlines()[:6]
                    report.failures.append(f"{where} as {role}: {kind}: " + " | ".join(first))

    return send


def _kind(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)
    if inner:
        return ",".join(sorted({_kind(e) for e in inner}))
    return getattr(exc, "title", None) or type(exc).__name__


def run(
    app: Flask,
    headers: dict[str, dict[str, str]],
    pins: dict[str, str],
    *,
    examples: int = 3,
    strict: bool = False,
    negative: bool = True,
    roles: tuple[str, ...] = ROLES,
) -> FuzzReport:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis import checks as st_checks

    checks = [st_checks.not_a_server_error]
    if strict:
        checks += [
            st_checks.status_code_conformance,
            st_checks.content_type_conformance,
            st_checks.response_schema_conformance,
        ]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # each role sends its own token (none when anonymous): no generated bearer values
    schema.config.generation.update(with_security_parameters=False)
    report = FuzzReport()
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negative else [])
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        path_names = (
            {p.name for p in operation.path_parameters}
            if hasattr(operation, "path_parameters")
            else set()
        )
        pinned = {k: v for k, v in pins.items() if k in path_names or f"{{{k}}}" in operation.path}
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned or None)

            send = _sender(report, headers, roles, checks, f"{operation.label} ({mode.value})")
            probe = given(case=strategy)(
                settings(
                    max_examples=examples,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate],
                )(send)
            )
            try:
                probe()
            except Unsatisfiable:
                continue  # no invalid request exists (an operation without parameters)
            except Exception as exc:  # generation itself failed
                report.by_kind["generation"] += 1
                report.failures.append(f"{operation.label}: cannot generate: {exc!r}"[:300])
    return report


#: the roles of the stateful phase: a member, and the commune's admin who may create most
STATEFUL_ROLES = ("member", "admin")
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _checks(strict: bool) -> list[Any]:
    from schemathesis import checks as st_checks

    names = CHECK_NAMES if strict else CHECK_NAMES[:1]
    return [getattr(st_checks, name) for name in names]


def run_stateful(
    app: Flask,
    headers: dict[str, dict[str, str]],
    pins: dict[str, str],
    *,
    scenarios: int = 20,
    steps: int = 6,
    strict: bool = False,
    roles: tuple[str, ...] = STATEFUL_ROLES,
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Sequences of linked operations, ``scenarios`` per role of up to ``steps`` calls;
    every response checked (a failure is counted and the scenario goes on)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, settings

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # each role sends its own token (none when anonymous): no generated bearer values
    schema.config.generation.update(with_security_parameters=False)
    base = schema.as_state_machine()
    report = report or FuzzReport()
    report.links = schema.statistic.transitions.total
    checks = _checks(strict)
    snapshot = Snapshot(app)
    for role in roles:
        _machine(base, role, headers[role], pins, checks, report, snapshot).run(
            settings=settings(
                max_examples=scenarios,
                stateful_step_count=steps,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            )
        )
    return report


def _machine(
    base: Any,
    role: str,
    role_headers: dict[str, str],
    pins: dict[str, str],
    checks: list[Any],
    report: FuzzReport,
    snapshot: Snapshot,
) -> Any:
    """The state machine of one role: pinned commune and federation, the role's token,
    every response checked and counted."""

    class Machine(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            # every scenario from the seeded state: the same sequence draws the same
            # answers (hypothesis replays it), and one scenario's rows never leak to another
            snapshot.restore()

        def before_call(self, case: Any) -> None:
            for name, value in pins.items():  # the seeded commune and federation
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": dict(role_headers)}

        def validate_response(self, response: Any, case: Any, *_a: Any, **kw: Any) -> None:
            report.cases += 1
            report.stateful_cases += 1
            report.stateful_statuses[f"{response.status_code // 100}xx"] += 1
            try:
                case.validate_response(response, checks=checks, transport_kwargs=kw or None)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                kind = _kind(exc)
                report.by_kind[kind] += 1
                if len(report.failures) < 200:
                    first = " | ".join(str(exc).strip().splitlines()[:6])
                    where = f"stateful {case.operation.label} as {role}"
                    report.failures.append(f"{where}: {first}")

    return Machine


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.core.api.fuzzing [EXAMPLES] [MINIMUM] [SCENARIOS]`` (``.ci/fuzz``):
    a fresh SQLite database, migrated and seeded, fuzzed strictly — the stateless phase
    (valid and invalid requests, every role, EXAMPLES per operation and mode) then the
    stateful phase (SCENARIOS sequences of linked operations per role of
    :data:`STATEFUL_ROLES`); prints the number of cases and every failure; non-zero on any
    failure, or when fewer than MINIMUM cases ran."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    examples = int(args[0]) if args else 5
    minimum = int(args[1]) if len(args) > 1 else 10_000
    scenarios = int(args[2]) if len(args) > 2 else 20
    app = scratch_app("fuzz")
    headers, pins = seed(app)
    started = time.monotonic()
    report = run(app, headers, pins, examples=examples, strict=True)
    stateless = time.monotonic() - started
    run_stateful(app, headers, pins, scenarios=scenarios, strict=True, report=report)
    seconds = time.monotonic() - started
    for failure in report.failures:
        print(f"FAIL {failure}")
    print(
        f"FUZZ CASES RUN: {report.cases} in {seconds:.0f} s — stateless "
        f"{report.cases - report.stateful_cases} on {report.operations} operations x "
        f"{len(ROLES)} roles ({stateless:.0f} s), stateful {report.stateful_cases} in "
        f"{scenarios} scenarios x {len(STATEFUL_ROLES)} roles over {report.links} links "
        f"{dict(report.stateful_statuses)}; "
        f"failures: {sum(report.by_kind.values())} {dict(report.by_kind)}"
    )
    if report.cases < minimum:
        print(f"fewer than {minimum} cases ran")
        return 1
    return 1 if report.by_kind else 0


if __name__ == "__main__":
    raise SystemExit(main())
