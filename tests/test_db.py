from sqlalchemy import exc

from pakta.db import close_session


class SessionOfADeadConnection:
    """A session whose rollback fails, as one does after the database restarted."""

    closed = False

    def close(self):
        raise exc.InvalidatePoolError("connection was closed by the server")


def test_closing_a_session_whose_connection_died_does_not_raise(app, caplog):
    with app.test_request_context("/"):
        from flask import g

        g.db_session = SessionOfADeadConnection()
        close_session()
        assert "db_session" not in g
    assert any("connection was closed" in r.getMessage() for r in caplog.records)


def test_a_request_whose_session_cannot_close_still_gets_its_response(client, monkeypatch, caplog):
    from sqlalchemy.orm import Session

    def close(_self):
        raise exc.InvalidatePoolError("connection was closed by the server")

    monkeypatch.setattr(Session, "close", close)
    assert client.get("/").status_code == 200
