"""Versioned static URLs, built once per app and script root."""

from pakta import templating


def test_a_static_url_carries_the_files_version_and_the_requests_prefix(app):
    with app.test_request_context("/"):
        plain = templating.static_url("css/app.css")
    with app.test_request_context("/", base_url="http://localhost/pakta/"):
        prefixed = templating.static_url("css/app.css")
    assert plain.startswith("/static/css/app.css?v=")
    assert prefixed == "/pakta" + plain


def test_a_static_url_is_built_once_for_every_page_that_asks(app, monkeypatch):
    built, url_for = [], templating.url_for

    def counted(*args, **kwargs):
        built.append(args)
        return url_for(*args, **kwargs)

    monkeypatch.setattr(templating, "url_for", counted)
    for _page in range(3):
        with app.test_request_context("/", base_url="http://localhost/once/"):
            templating.static_url("js/sign-form.js")
    assert len(built) == 1
