"""Fixtures for testing Convergence and its plugins (a pytest plugin, entry point ``pytest11``).

A plugin author gets, with nothing to configure:

``app``            the application, on a freshly reset database (every test starts empty)
``client``         Flask test client of ``app``
``factory``        creates communes, federations, users, members with roles, enables plugins,
                   logs a client in, makes API tokens (returns light references, not ORM rows)
``in_db``          ``with in_db(): …`` runs code in an app context, unscoped, and commits
``in_commune``     ``with in_commune(ref): …`` the same in a commune's scope
``count_queries``  ``with count_queries(app) as counter: …; counter.count``
``make_app``       builds another app on the same database (``make_app(WTF_CSRF_ENABLED=True)``)

Settings: ``CONVERGENCE_TEST_DATABASE_URL`` runs the suite on that database (PostgreSQL);
otherwise a temporary SQLite file is used. Override the ``convergence_extra_plugins``
fixture (session scope) to register plugin objects that are not installed.
"""
