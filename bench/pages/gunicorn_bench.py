"""gunicorn settings of both sides of the page bench: the defaults.

Passed with ``-c`` so that gunicorn does not load the repository's ``gunicorn.conf.py``
(production: preload, a ``post_fork`` that disposes the application's engine, which the
bare app does not have): both sides run the same server configuration."""
