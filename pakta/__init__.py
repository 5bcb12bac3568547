"""Pakta: the ASN neutrality integrity pact, signed, certified and tracked per unit."""

import os
from pathlib import Path

from flask import Flask, request

ROOT = Path(__file__).resolve().parent.parent
ONE_YEAR = 365 * 24 * 3600


class PaktaFlask(Flask):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        # templating.static_url adds ?v=<content hash>: such a URL never changes content.
        return ONE_YEAR if request.args.get("v") else None


def create_app(config: dict | None = None) -> Flask:
    app = PaktaFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    register_logging()
    register_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    return app


def register_logging() -> None:
    from pakta import logmask

    logmask.install()


def register_config(app: Flask, config: dict | None) -> None:
    from pakta import config as settings

    overrides = dict(config or {})
    # Outside the code's folder on a server (keys, the development secret): every node and
    # worker names the same path, or a copy of the same files.
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("PAKTA_INSTANCE_PATH")
    if instance_path:
        app.instance_path = str(instance_path)
    app.config.from_mapping(settings.load(app.instance_path, overrides))
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Client addresses (rate limits, evidence) come from the proxy's X-Forwarded-For.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    from pakta import auth, db, headers, i18n, input_guard, security, templating

    # Imported for its session listeners, which keep the rollup tallies current.
    from pakta.services import tallies  # noqa: F401

    db.init_app(app)
    i18n.init_app(app)
    input_guard.init_app(app)
    security.init_app(app)
    headers.init_app(app)
    auth.init_app(app)
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    from pakta.views import (
        admin,
        apel,
        api,
        auth,
        certificates,
        chase,
        kiosk,
        links,
        public,
        rollups,
        settings,
        signing,
        tokens,
        transparency_log,
        unit_tree,
        users,
        verify,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(signing.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(links.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(rollups.bp)
    app.register_blueprint(chase.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(apel.bp)
    app.register_blueprint(unit_tree.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(transparency_log.bp)


def register_errors(app: Flask) -> None:
    from pakta import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from pakta import cli

    cli.init_app(app)
