"""MkDocs hook: the hook reference is generated from federation/hookspecs.py at build time.

A page containing the marker ``<!-- hookspecs -->`` gets one section per hook
specification, made from its signature and docstring, so the reference cannot drift
from the code (tests/core/plugin_kit/test_docs.py checks every hook is there).
"""

from __future__ import annotations

import inspect
import re

MARKER = "<!-- hookspecs -->"
_ROLE = re.compile(r":(?:class|func|data|mod|meth|attr):`~?([^`]+)`")
_PARAM = re.compile(r"^:param (\w+):\s*(.*)$")


def _markdown(doc: str) -> str:
    """reST-flavoured docstrings to Markdown: roles become code, fields become lists."""
    lines = []
    for line in inspect.cleandoc(doc).splitlines():
        line = _ROLE.sub(r"`\1`", line).replace("``", "`")
        if match := _PARAM.match(line):
            line = f"- **{match.group(1)}**: {match.group(2)}"
        elif line.startswith(":return:"):
            line = f"- **returns**: {line[len(':return:') :].strip()}"
        elif line.startswith("    ") and lines and lines[-1].startswith("- "):
            line = "  " + line.strip()
        lines.append(line)
    return "\n".join(lines)


def hook_reference() -> str:
    from federation import hookspecs

    marker = f"{hookspecs.PROJECT}_spec"
    parts = [_markdown(hookspecs.__doc__ or ""), ""]
    for name, function in vars(hookspecs).items():
        options = getattr(function, marker, None)
        if options is None:
            continue
        signature = str(inspect.signature(function)).replace("'", "")
        signature = signature.replace("(", "(self, ", 1).replace("(self, )", "(self)")
        first = " *(first result)*" if options.get("firstresult") else ""
        parts += [
            f"## `{name}`{first}",
            "",
            f"```python\n@hookimpl\ndef {name}{signature}: ...\n```",
            "",
            _markdown(function.__doc__ or ""),
            "",
        ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, hook_reference())
    return markdown
