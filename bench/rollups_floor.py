"""The floor of ``bench/rollups.py``: the least a logged-in rollup page can do.

    gunicorn 'bench.rollups_floor:create_app()'   (with PAKTA_DATABASE_URL, PAKTA_SECRET_KEY)

A bare Flask app on Pakta's database that does what ``/admin/rekap/`` must do and nothing
more: Flask-Login loads the admin from the session cookie (one SELECT), the page runs one
SELECT of the campaign's tally rows with their units (``unit_tally``), sums every unit's
subtree in Python and renders one Jinja table of all units: name (a link), roster, signed,
not signed, rate and signed/roster per employment type. Logging in is a CSRF-protected form
at ``/masuk`` that checks the argon2 hash, as the app's does. No translations, no layout, no
rate limits, no ORM.
"""

import os
from collections import defaultdict

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask, abort, redirect, request
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import create_engine, text

from pakta.config import normalize_database_url
from pakta.serving import freeze_startup_objects

TYPES = ("PNS", "PPPK", "NON_ASN")

LOGIN = """<!doctype html><title>Masuk</title><form method="post">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<input name="email"><input name="password" type="password"><button>Masuk</button></form>"""

TABLE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Rekap</title></head>
<body><table>
<thead><tr><th>Unit</th><th>Roster</th><th>Signed</th><th>Not signed</th><th>Rate</th>
{% for t in types %}<th>{{ t }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}
<tr><td class="d{{ row.depth }}"><a href="/admin/rekap/unit/{{ row.code }}">{{ row.name }}</a></td>
<td>{{ row.roster }}</td><td>{{ row.signed }}</td><td>{{ row.roster - row.signed }}</td>
<td>{{ "%.1f"|format(100 * row.signed / row.roster if row.roster else 0) }}%</td>
{% for t in types %}<td>{{ row.by_type[t][1] }}/{{ row.by_type[t][0] }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table></body></html>"""

# Every unit with its own tally rows of the campaign (none for a unit nobody works in).
TALLIES = text(
    "SELECT u.id, u.code, u.name, u.parent_id, t.employment_type, t.roster, t.signed "
    "FROM unit u LEFT JOIN unit_tally t ON t.unit_id = u.id AND t.campaign_id = "
    "(SELECT id FROM campaign WHERE slug = :slug)"
)
USER = text("SELECT id FROM app_user WHERE id = :id AND active")
LOGIN_USER = text("SELECT id, password_hash FROM app_user WHERE lower(email) = lower(:email)")


class Admin(UserMixin):
    def __init__(self, user_id: int):
        self.id = user_id


def rollup(result) -> list[dict]:
    """Each unit's subtree summed (depth-first order, siblings by code)."""
    units: dict[int, dict] = {}
    for unit_id, code, name, parent_id, kind, roster, signed in result:
        unit = units.setdefault(
            unit_id,
            dict(code=code, name=name, parent=parent_id, by_type={t: [0, 0] for t in TYPES}),
        )
        if kind in unit["by_type"]:
            unit["by_type"][kind][0] += roster
            unit["by_type"][kind][1] += signed
    children = defaultdict(list)
    for unit_id, unit in units.items():
        children[unit["parent"] if unit["parent"] in units else None].append(unit_id)
    for siblings in children.values():
        siblings.sort(key=lambda unit_id: units[unit_id]["code"])
    ordered, stack = [], [(unit_id, 0) for unit_id in reversed(children[None])]
    while stack:
        unit_id, depth = stack.pop()
        units[unit_id]["depth"] = depth
        ordered.append(unit_id)
        stack.extend((child, depth + 1) for child in reversed(children[unit_id]))
    for unit_id in reversed(ordered):  # children after their parent: add them bottom-up
        unit = units[unit_id]
        unit["roster"] = sum(counts[0] for counts in unit["by_type"].values())
        unit["signed"] = sum(counts[1] for counts in unit["by_type"].values())
        parent = units.get(unit["parent"])
        if parent is not None:
            for kind, counts in unit["by_type"].items():
                parent["by_type"][kind][0] += counts[0]
                parent["by_type"][kind][1] += counts[1]
    return [units[unit_id] for unit_id in ordered]


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["PAKTA_SECRET_KEY"]
    engine = create_engine(normalize_database_url(os.environ["PAKTA_DATABASE_URL"]))
    CSRFProtect(app)
    logins = LoginManager(app)
    hasher = PasswordHasher()
    login_page = app.jinja_env.from_string(LOGIN)
    table_page = app.jinja_env.from_string(TABLE)

    @logins.user_loader
    def load_user(user_id: str) -> Admin | None:
        with engine.connect() as connection:
            found = connection.execute(USER, {"id": int(user_id)}).scalar()
        return Admin(found) if found is not None else None

    @app.route("/masuk", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return login_page.render(csrf=generate_csrf())
        with engine.connect() as connection:
            row = connection.execute(LOGIN_USER, {"email": request.form["email"]}).first()
        try:
            if row is None or not hasher.verify(row[1], request.form["password"]):
                abort(403)
        except VerificationError:
            abort(403)
        login_user(Admin(row[0]))
        return redirect("/admin/rekap/")

    @app.get("/admin/rekap/")
    @login_required
    def dashboard():
        with engine.connect() as connection:
            result = connection.execute(TALLIES, {"slug": request.args.get("campaign", "")})
            rows = rollup(result)
        return table_page.render(rows=rows, types=TYPES)

    # Served as the real app is (wsgi.py): what start-up built is out of the collector's way.
    freeze_startup_objects()
    return app
