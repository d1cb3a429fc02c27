"""In development (``MAIL_BACKEND = "log"``, the demo's setting) an e-mail — a verification
or password-reset link — is printed on the server's output, where a person trying the demo
can follow it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import sys
    from federation.app import create_app
    from federation.identity.notifications import send_mail

    app = create_app("test", database_url="sqlite://", secret_key="x" * 32,
                     mail_backend=sys.argv[1])
    with app.app_context():
        send_mail("lea@example.org", "Lien", "https://example.org/email/verify/TOKEN-123")
    """
)


def _stderr(backend: str, tmp_path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, backend],
        capture_output=True,
        text=True,
        timeout=120,
        env={"CONVERGENCE_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return result.stderr


def test_the_log_backend_prints_the_mail_on_the_server_output(tmp_path):
    assert "TOKEN-123" in _stderr("log", tmp_path)


def test_the_memory_backend_prints_nothing(tmp_path):
    assert "TOKEN-123" not in _stderr("memory", tmp_path)
