"""Hardened HTTP (issue 6): security headers, CSRF, CORS, error answers that leak nothing, rate
limits and the audit trail's web adapter. ``northstar.web.security.install.install`` wires them
into an app."""
