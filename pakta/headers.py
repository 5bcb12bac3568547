"""Security headers on every response: pages, files, PDFs, CSV, JSON and errors alike.

The policy allows scripts and styles from the app's own files only: templates carry no
inline script, style attribute or event handler (tests/test_templates_inline.py keeps it
so), hence no nonces. ``data:`` images are allowed for QR codes embedded as data URLs
(pakta.qr.qr_data_uri); an image runs no code.
"""

from flask import Flask, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Nothing in Pakta uses these; a page that is framed or injected gets none of them either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Two years, as the HSTS preload list asks; at least the year the brief requires.
HSTS = "max-age=63072000; includeSubDomains"

# A rule with one of these arguments carries a secret in its path (a personal link, a
# certificate's verification token, an apel or kiosk pass, an upload's plan): the
# address must not leave the page in a Referer header, not even to a link on it.
SECRET_ARGUMENTS = frozenset({"token", "public_id"})


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def carries_secret() -> bool:
    rule = request.url_rule
    # No rule matched (404, or 405 on a POST-only address that may hold a token): an
    # error page has no use for a referrer, so it sends none.
    return rule is None or not SECRET_ARGUMENTS.isdisjoint(rule.arguments)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer" if carries_secret() else "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # Behind the proxy, ProxyFix (PROXY_COUNT) makes is_secure follow X-Forwarded-Proto.
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    return response
