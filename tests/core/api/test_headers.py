"""Headers and cookies (issue 20 item 5): a CSP that allows no inline script, and no
template that needs one; HSTS over TLS only; Secure cookies in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from federation.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    roots = [ROOT / "federation", ROOT / "plugins", ROOT / "examples"]
    return sorted(p for root in roots for p in root.rglob("templates/**/*") if p.is_file())


def inline_code(text: str) -> list[str]:
    found = [m.group(0) for m in INLINE_SCRIPT.finditer(text)]
    found += [m.group(1) for m in HANDLER.finditer(text)]
    found += [m.group(0) for m in JS_URL.finditer(text)]
    return found


def test_no_template_has_inline_script_or_event_handler():
    files = template_files()
    assert len(files) > 50
    offenders = {
        str(p.relative_to(ROOT)): inline_code(p.read_text(errors="replace")) for p in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize(
    "planted",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">x</button>',
        '<a href="javascript:go()">x</a>',
        '<script type="module">import x from "/y.js"</script>',
    ],
)
def test_planted_inline_code_is_found(planted):
    assert inline_code(f"<p>ok</p>{planted}") != []
    assert inline_code('<script src="/static/convergence.js" defer></script>') == []


def test_csp_forbids_inline_scripts_and_framing(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_hsts_only_over_tls(client):
    for url in ("/", "/api/v1/communes"):
        plain = client.get(url).headers
        assert "Strict-Transport-Security" not in plain  # meaningless, and ignored, on http
        assert plain["X-Content-Type-Options"] == "nosniff"
        assert plain["Referrer-Policy"] == "strict-origin-when-cross-origin"
        secure = client.get(url, base_url="https://localhost").headers
        assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_production_cookies_are_secure(make_app, app, monkeypatch):
    production = {
        "env": "production",
        "hosts": ["convergence.example"],
        "base_url": "https://convergence.example",
        "redis_url": "redis://127.0.0.1:6379/15",
        "password_hashing": "asvs",
    }
    with pytest.raises(ConfigError, match="SECURE_COOKIES"):
        make_app(**production)
    built = make_app(**production, secure_cookies=True)
    assert built.config["SESSION_COOKIE_SECURE"] and built.config["REMEMBER_COOKIE_SECURE"]
    assert built.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert built.config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
