"""Sign a demo user in through the real login form, as a browser does: GET /login (session
cookie and CSRF token), POST the form, then visit pages until the session cookie stops
changing (the first form after login stores a fresh CSRF secret in it)."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from pages.capture import Requester

DEMO_PASSWORD = "demo-convergence"
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def http_requester(host: str, port: int) -> Requester:
    def request(method, path, headers, form=None):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        body = urlencode(form) if form is not None else None
        headers = dict(headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.getheaders(), data

    return request


class CookieJar:
    """The one session cookie a browser would keep (secure flags ignored: loopback)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def update(self, headers: list[tuple[str, str]]) -> bool:
        changed = False
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                if morsel["expires"] and "1970" in morsel["expires"]:
                    changed |= self.values.pop(key, None) is not None
                elif self.values.get(key) != morsel.value:
                    self.values[key] = morsel.value
                    changed = True
        return changed

    def header(self) -> dict[str, str]:
        if not self.values:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.values.items())}


def login(request: Requester, email: str, visit: list[str], password: str = DEMO_PASSWORD) -> dict:
    """Headers of the signed-in visitor (its Cookie)."""
    jar = CookieJar()
    status, headers, body = request("GET", "/login", {})
    jar.update(headers)
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    form = {"email": email, "password": password}
    match = _CSRF.search(body)
    if match is not None:  # absent only where CSRF is switched off (tests)
        form["csrf_token"] = (match.group(1) or match.group(2)).decode()
    status, headers, _body = request("POST", "/login", jar.header(), form)
    if status != 302 or not jar.update(headers):
        raise RuntimeError(f"login of {email} failed: {status}")
    for _ in range(3):  # until the session cookie is stable
        changed = False
        for path in visit:
            status, headers, _body = request("GET", path, jar.header())
            changed |= jar.update(headers)
        if not changed:
            break
    return jar.header()
