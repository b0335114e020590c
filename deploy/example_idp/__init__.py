"""An example OpenID Connect provider, built with authlib's server components.

Partner organisations sign in through their own identity provider; this one stands in for
them in tests and in the local demo. It runs on loopback with in-memory stores:

    python -m deploy.example_idp --port 9101 --config idp.json

Modules: `config` (the JSON config), `keys` (the signing key), `models` (clients, codes,
tokens, and the in-memory store), `server` (authlib wiring), `login_form` (the HTML page),
`app` (Flask routes), `process` (run one as a subprocess) and `sign_in` (a browser's steps,
without a browser).
"""
