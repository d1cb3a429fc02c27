"""Fuzzing the API against its OpenAPI document (schemathesis), as every role.

``run(app, headers, examples=…)``: for every operation of ``/api/v1/openapi.json`` (the
core's and the plugins'), hypothesis draws ``examples`` requests from the document — valid
ones and, in a second pass, invalid ones — with ``{commune}`` and ``{federation}`` pinned
to seeded rows, and sends each as every role. Returns the number of requests sent and the
failures: a server error always; with ``strict``, an answer that breaks the document
(undeclared status code, content type, body schema).

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


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.core.api.fuzzing [EXAMPLES] [MINIMUM]`` (``.ci/fuzz``): a fresh
    SQLite database, migrated and seeded, fuzzed strictly (valid and invalid requests, every
    role); prints the number of cases and every failure; non-zero on any failure, or when
    fewer than MINIMUM cases ran."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    examples = int(args[0]) if args else 5
    minimum = int(args[1]) if len(args) > 1 else 10_000
    app = scratch_app("fuzz")
    headers, pins = seed(app)
    started = time.monotonic()
    report = run(app, headers, pins, examples=examples, strict=True)
    seconds = time.monotonic() - started
    for failure in report.failures:
        print(f"FAIL {failure}")
    print(
        f"FUZZ CASES RUN: {report.cases} on {report.operations} operations x "
        f"{len(ROLES)} roles in {seconds:.0f} s; failures: {sum(report.by_kind.values())} "
        f"{dict(report.by_kind)}"
    )
    if report.cases < minimum:
        print(f"fewer than {minimum} cases ran")
        return 1
    return 1 if report.by_kind else 0


if __name__ == "__main__":
    raise SystemExit(main())
