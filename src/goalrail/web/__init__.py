"""The web UI served by ``goalrail server`` at ``/``.

Server-rendered page shells (``templates/``) and a little vanilla JavaScript and
CSS (``static/``) that talk to the REST API with the sign-in cookie.  No build
step, nothing fetched from a CDN.  ``routes.router`` is mounted by the server
app; this package imports nothing from goalrail except at the edges (it only
serves files), so it can never bypass the API's authorization.
"""
