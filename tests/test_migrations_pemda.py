"""Migration 0008: the Pemda's settings row, and campaigns freed of the generic authority."""

from sqlalchemy import text

from pakta import migrate
from pakta.db import make_engine

INSERT_CAMPAIGN = text(
    "INSERT INTO campaign (slug, title, issuing_authority, place, official_name, official_title,"
    " opens_at, closes_at, created_at, alert_threshold, public_rollup)"
    " VALUES (:slug, 'X', :authority, '', '', '', '2024-07-29 00:00:00', '2024-11-27 00:00:00',"
    " '2024-07-01 00:00:00', 80, 1)"
)


def test_the_generic_authority_becomes_empty_and_a_settings_row_is_made(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(INSERT_CAMPAIGN, {"slug": "generic", "authority": "Pemerintah Daerah"})
        connection.execute(INSERT_CAMPAIGN, {"slug": "own", "authority": "Pemerintah Kota Bogor"})
    migrate.upgrade(engine, "0008")
    with engine.connect() as connection:
        found = connection.execute(text("SELECT slug, issuing_authority FROM campaign"))
        authorities = {slug: authority for slug, authority in found}
        rows = connection.execute(text("SELECT id, name, logo FROM pemda_profile")).all()
    assert authorities == {"generic": "", "own": "Pemerintah Kota Bogor"}
    assert [tuple(row) for row in rows] == [(1, "", None)]
    migrate.downgrade(engine, "0006")
    with engine.connect() as connection:
        restored = connection.scalar(
            text("SELECT issuing_authority FROM campaign WHERE slug = 'generic'")
        )
    engine.dispose()
    assert restored == "Pemerintah Daerah"
