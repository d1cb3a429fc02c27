"""The OpenAPI document's per-operation security, derived from the views' own guards.

An operation whose view reaches a guard declares ``security: [{bearer: []}]``; any other is
readable anonymously and declares ``security: [{}, {bearer: []}]`` (a token is accepted,
never needed). The API reads no session cookie, so bearer is its only scheme.

A guard is a function marked with :func:`federation.api.auth.guard` (``require_user``, the
permission checks, the coordinators' check) or one whose own code answers 401
(``api_error(401, …)``, ``abort(401)``: the plugins' ``_signed_in`` helpers). A view
reaches one by calling it — directly, through a helper (of the core or of the view's own
package: a plugin's), a decorator or an import inside the view. For a function serving
several methods, a leading ``if request.method == "GET": …`` is read for that method only.
tests/core/api/test_security_scheme.py calls every operation without a token and checks
the answer against the declaration (planted twin: a guard that goes unseen).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from apispec import BasePlugin
from flask import Flask

from federation.api import BEARER
from federation.api.auth import is_guard

#: how deep a view's calls are followed looking for a guard (view → helper → guard)
DEPTH = 4
#: the core's package: its functions are followed from any view (and a view's own package's)
CORE = "federation"
REFUSALS = ("api_error", "abort")

TOKEN_REQUIRED: list[dict[str, list[str]]] = [{BEARER: []}]
TOKEN_OPTIONAL: list[dict[str, list[str]]] = [{}, {BEARER: []}]


@cache
def _tree(code: types.CodeType, fn: Callable[..., Any]) -> ast.FunctionDef | None:
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    node = ast.parse(source).body[0]
    return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _method_test(test: ast.expr) -> set[str] | None:
    """The methods an ``if request.method == "X"`` (or ``in (…)``) test names, else None."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and ast.unparse(test.left) == "request.method"
    ):
        return None
    right = test.comparators[0]
    if isinstance(test.ops[0], ast.Eq) and isinstance(right, ast.Constant):
        return {str(right.value).upper()}
    if isinstance(test.ops[0], ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
        return {str(e.value).upper() for e in right.elts if isinstance(e, ast.Constant)}
    return None


def _for_method(body: list[ast.stmt], method: str | None) -> list[ast.stmt]:
    """The statements ``method`` runs, for a leading ``if request.method …`` split."""
    if method is None:
        return body
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.If) and (names := _method_test(stmt.test)) is not None:
            branch = stmt.body if method in names else stmt.orelse
            if branch and isinstance(branch[-1], ast.Return | ast.Raise):
                return body[:index] + branch  # the method's branch ends the view
            return body[:index] + branch + body[index + 1 :]
    return body


def _refuses(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or not node.args:
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
    first = node.args[0]
    return name in REFUSALS and isinstance(first, ast.Constant) and first.value == 401


def _reach(fn: types.FunctionType, method: str | None) -> tuple[bool, list[Any]]:
    """Whether ``fn`` (for ``method``) answers 401 itself, and the functions it names."""
    tree = _tree(fn.__code__, fn)
    if tree is None:
        return False, []
    names: set[str] = set()
    attributes: set[str] = set()
    found: list[Any] = []
    refuses = False
    for stmt in _for_method(tree.body, method):
        for node in ast.walk(stmt):
            refuses = refuses or _refuses(node)
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                attributes.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                module = sys.modules.get(node.module)
                found += [getattr(module, a.name, None) for a in node.names]
    for dec in tree.decorator_list:
        for node in ast.walk(dec):
            if isinstance(node, ast.Name):
                names.add(node.id)
    for name in names:
        value = fn.__globals__.get(name)
        if isinstance(value, types.ModuleType):
            found += [value.__dict__.get(attribute) for attribute in attributes]
        else:
            found.append(value)
    for cell in fn.__closure__ or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    return refuses, found


def _wrapper_names(fn: types.FunctionType) -> list[Any]:
    """What a decorator's wrapper names in its own code (its source is the wrapped one's)."""
    code_names = set()
    stack = [fn.__code__]
    while stack:
        code = stack.pop()
        code_names |= set(code.co_names)
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return [fn.__globals__.get(name) for name in code_names]


def _callees(
    fn: types.FunctionType, method: str | None, roots: frozenset[str]
) -> Iterator[types.FunctionType]:
    wrapped = fn.__dict__.get("__wrapped__")
    if isinstance(wrapped, types.FunctionType):
        yield from _callees(wrapped, method, roots)  # a decorator's wrapper: read both
        refuses, found = False, _wrapper_names(fn)
    elif _package(fn) in roots:
        refuses, found = _reach(fn, method)
    else:
        refuses, found = False, []
    if refuses:
        yield fn  # answers 401 itself
    for value in found:
        if isinstance(value, types.FunctionType) and (is_guard(value) or _package(value) in roots):
            yield value


def _package(fn: types.FunctionType) -> str:
    return (fn.__module__ or "").partition(".")[0]


def needs_token(fn: Callable[..., Any], method: str | None = None) -> bool:
    """Whether the view ``fn``, answering ``method``, reaches a guard."""
    if not isinstance(fn, types.FunctionType):
        return False
    roots = frozenset({CORE, _package(fn)})  # the core's functions and the view's package's
    seen: set[int] = set()
    frontier: list[tuple[types.FunctionType, str | None]] = [(fn, method)]
    for _depth in range(DEPTH + 1):
        following: list[tuple[types.FunctionType, str | None]] = []
        for obj, for_method in frontier:
            if is_guard(obj):
                return True
            if (id(obj), for_method) in seen:
                continue
            seen.add((id(obj), for_method))  # type: ignore[arg-type]
            for callee in _callees(obj, for_method, roots):
                if callee is obj:
                    return True
                following.append((callee, None))
        frontier = following
    return False


def view_method(app: Flask, endpoint: str, method: str) -> Callable[..., Any] | None:
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return getattr(view_class, method.lower(), None)
    return view


class OperationSecurity(BasePlugin):
    """apispec plugin: each operation's ``security`` from its view (see the module)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for method, operation in operations.items():
            fn = view_method(self.app, rule.endpoint, method)
            if fn is None or "security" in operation:
                continue
            token = needs_token(fn, method.upper())
            operation["security"] = TOKEN_REQUIRED if token else TOKEN_OPTIONAL
