"""The floor: a bare Flask app that does what the signing flow must do and nothing more.

Served by gunicorn as ``bench.apel.floor:create_floor()`` beside the real app, on the same
database and under the same settings, so that the ratio of the two leaves out the machine:

* ``GET /f/<token>`` looks the link up (the SHA-256 of the token in ``signing_link``, as the
  real app stores it) and renders a form with a Flask-WTF CSRF token, or, once signed, the
  done page that reads the stored row;
* ``POST /f/<token>`` checks the CSRF token, decodes the drawn PNG from its data: URL, has
  Pillow open, verify and decode it and checks its size, then one INSERT and a commit;
* a 303 back to ``/f/<token>``, the done page.

No ORM session, no templates on disk, no rate limits, no audit, no tallies, no job queue:
everything the real app does beyond this is what the bench's ratio prices.
"""

import binascii
import hashlib
import io
import os
from base64 import b64decode
from datetime import UTC, datetime

from flask import Flask, abort, redirect, url_for
from flask_wtf import CSRFProtect, FlaskForm
from PIL import Image
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    select,
)
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired

from pakta.config import normalize_database_url
from pakta.models import SigningLink
from pakta.serving import freeze_startup_objects

metadata = MetaData()
# The floor's own table: one row per signed link, the drawn PNG as received.
floor_signature = Table(
    "floor_signature",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("link_id", ForeignKey(SigningLink.id), unique=True, nullable=False),
    Column("png", LargeBinary, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
)

_PNG_PREFIX = "data:image/png;base64,"
_MAX_PNG_BYTES = 200 * 1024  # the real app's limit (services.signature_image)
_MAX_SIZE = (2000, 1000)

_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Pakta</title></head>
<body>{% if signed %}<p class="certificate-number">F-{{ signed.signed }}</p>
<p>{{ signed.signed_at.isoformat() }}</p>{% else %}<form method="post">{{ form.csrf_token }}
<input type="hidden" name="signature"><button>Tanda tangan</button></form>{% endif %}
</body></html>"""


class FloorForm(FlaskForm):
    signature = StringField(validators=[DataRequired()])


class BadPng(ValueError):
    """The posted signature is not a PNG the real app would accept."""


def checked_png(data_url: str) -> bytes:
    """The PNG of a data: URL once Pillow has opened, verified and decoded it."""
    if not data_url.startswith(_PNG_PREFIX):
        raise BadPng("not a PNG data: URL")
    try:
        data = b64decode(data_url[len(_PNG_PREFIX) :], validate=True)
    except binascii.Error as error:
        raise BadPng("not base64") from error
    if len(data) > _MAX_PNG_BYTES:
        raise BadPng("too large")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if image.size[0] > _MAX_SIZE[0] or image.size[1] > _MAX_SIZE[1]:
                raise BadPng("too big")
            image.load()
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises on bad input
        raise BadPng("unreadable") from error
    return data


def _look_up(engine: Engine, token: str):
    """The link's id and its floor row's id and time (None before signing), or None."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    query = (
        select(SigningLink.id, floor_signature.c.id.label("signed"), floor_signature.c.signed_at)
        .outerjoin(floor_signature, floor_signature.c.link_id == SigningLink.id)
        .where(SigningLink.token_hash == digest, SigningLink.voided_at.is_(None))
    )
    with engine.connect() as connection:
        return connection.execute(query).first()


def create_floor(database_url: str | None = None, secret: str | None = None) -> Flask:
    """The floor app on ``database_url`` (default ``PAKTA_DATABASE_URL``), its sessions and
    CSRF tokens signed with ``secret`` (default ``PAKTA_SECRET_KEY``)."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret or os.environ["PAKTA_SECRET_KEY"]
    url = normalize_database_url(database_url or os.environ["PAKTA_DATABASE_URL"])
    # The real app's pool per process (pakta.db), so neither gets more connections.
    options = {} if url.startswith("sqlite") else {"pool_size": 10, "max_overflow": 10}
    engine = create_engine(url, **options)
    app.extensions["bench_floor_engine"] = engine  # for whoever has to dispose of it
    CSRFProtect(app)
    page = app.jinja_env.from_string(_PAGE)  # compiled once, as Flask caches file templates

    @app.get("/healthz")
    def healthz():
        return "ok\n"

    @app.route("/f/<token>", methods=["GET", "POST"])
    def sign(token: str):
        link = _look_up(engine, token)
        if link is None:
            abort(404)
        form = FloorForm()
        if link.signed is not None:
            if form.is_submitted():
                return redirect(url_for("sign", token=token), code=303)
            return page.render(form=form, signed=link)
        if not form.is_submitted():
            return page.render(form=form, signed=None)
        try:
            # CSRFProtect refused a missing or wrong token before the view; this checks the field.
            if not form.validate():
                raise BadPng("no signature")
            png = checked_png(form.signature.data)
        except BadPng:
            return page.render(form=form, signed=None), 422
        row = {"link_id": link.id, "png": png, "signed_at": datetime.now(UTC)}
        try:
            with engine.begin() as connection:
                connection.execute(floor_signature.insert(), row)
        except IntegrityError:
            pass  # sent twice: the first one is stored, and the 303 shows it
        return redirect(url_for("sign", token=token), code=303)

    # Served as the real app is (wsgi.py): what start-up built is out of the collector's way.
    freeze_startup_objects()
    return app
