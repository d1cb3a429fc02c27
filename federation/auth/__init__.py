"""Getting back in: password reset by e-mail, e-mail verification, sign-in limits.

- :mod:`federation.auth.tokens` — signed, expiring links that stop working once used;
- :mod:`federation.auth.reset` — "mot de passe oublié";
- :mod:`federation.auth.verification` — proving one receives mail at one's address, which
  every verification method of a commune requires before it grants a membership;
- :mod:`federation.auth.limits` — failed sign-ins limited per address and per account;
- :mod:`federation.auth.views` and :mod:`federation.auth.api` — the pages and endpoints.

Mail goes through :func:`federation.identity.notifications.send_mail` (``MAIL_BACKEND``).
"""
