import os
from datetime import UTC, datetime

from sqlalchemy import select

from pakta.models import AuditEvent, Campaign, User
from pakta.services import accounts
from tests.conftest import PASSWORD, make_campaign
from tests.test_files import disk_full


def test_users_create_reads_the_password_from_standard_input(runner, session, units):
    result = runner.invoke(
        args=["users", "create", "--role", "operator", "--unit", "DISDIK", "op@disdik.go.id"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "op@disdik.go.id"))
    assert user.unit.code == "DISDIK"
    assert accounts.authenticate(session, "op@disdik.go.id", PASSWORD) is not None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))


def test_users_create_refuses_an_operator_without_a_unit(runner, session):
    result = runner.invoke(
        args=["users", "create", "--role", "operator", "op@x.go.id"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert session.scalar(select(User)) is None


def test_users_reset_mfa_turns_two_step_login_off_logs_out_and_is_audited(
    runner, session, admin_user
):
    from pakta.models import AuditEvent, utcnow
    from pakta.services import login_sessions

    login_sessions.start(session, admin_user, now=utcnow())
    session.commit()
    result = runner.invoke(args=["users", "reset-mfa", "ADMIN@contoh.go.id"])
    assert result.exit_code == 0, result.output
    session.refresh(admin_user)
    assert not admin_user.has_totp
    assert login_sessions.count_by_user(session) == {}
    assert session.scalar(select(AuditEvent.action)) == "user.mfa_reset"
    assert runner.invoke(args=["users", "reset-mfa", "nobody@x.id"]).exit_code == 1


def test_users_end_sessions_and_disable_log_an_account_out_everywhere(
    runner, session, operator_user
):
    from pakta.models import utcnow
    from pakta.services import login_sessions

    for _ in range(2):
        login_sessions.start(session, operator_user, now=utcnow())
    session.commit()
    ended = runner.invoke(args=["users", "end-sessions", operator_user.email])
    assert ended.exit_code == 0 and "2 session(s)" in ended.output
    login_sessions.start(session, operator_user, now=utcnow())
    session.commit()
    assert runner.invoke(args=["users", "disable", operator_user.email]).exit_code == 0
    session.refresh(operator_user)
    assert not operator_user.active
    assert login_sessions.count_by_user(session) == {}
    actions = session.scalars(select(AuditEvent.action)).all()
    assert sorted(actions) == ["user.disable", "user.sessions_ended"]


def test_users_create_refuses_a_short_password(runner, session):
    result = runner.invoke(args=["users", "create", "--role", "admin", "a@x.go.id"], input="pw\n")
    assert result.exit_code == 1


def test_campaign_create_reads_times_in_the_instance_timezone(runner, session):
    result = runner.invoke(
        args=[
            "campaign",
            "create",
            "--slug",
            "pilkada-2024",
            "--title",
            "Pilkada 2024",
            "--opens",
            "2024-07-29T08:00",
            "--closes",
            "2024-11-27T23:59",
        ]
    )
    assert result.exit_code == 0, result.output
    campaign = session.scalar(select(Campaign))
    assert campaign.opens_at == datetime(2024, 7, 29, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert len(campaign.pact.points) == 4
    listing = runner.invoke(args=["campaign", "list"])
    assert "pilkada-2024" in listing.output and "2024-07-29 08:00 WIB" in listing.output


def test_campaign_create_refuses_a_time_it_cannot_read(runner, session):
    result = runner.invoke(
        args=["campaign", "create", "--slug", "x-2024", "--title", "X", "--opens", "besok pagi"]
    )
    assert result.exit_code == 1
    assert "besok pagi" in result.output
    assert session.scalar(select(Campaign)) is None


ROSTER = (
    "nip,nama,unit_kode,unit_nama,unit_induk,jenis\n"
    "198609262015051001,Budi Santoso,DINKES-BARU,Dinkes Baru,PEMDA,PNS\n"
    "THL0001,Asep,DINKES-BARU,Dinkes Baru,PEMDA,NON_ASN\n"
)


def test_roster_import_creates_units_and_employees_and_audits(runner, session, units, tmp_path):
    from pakta.models import Employee, Unit

    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Unit).where(Unit.code == "DINKES-BARU")).parent.code == "PEMDA"
    assert len(session.scalars(select(Employee)).all()) == 2
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.import"))


def test_roster_import_dry_run_changes_nothing(runner, session, units, tmp_path):
    from pakta.models import Employee

    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    result = runner.invoke(args=["roster", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Employee)) is None


def test_roster_import_refuses_a_file_with_bad_rows_unless_asked_to_skip(
    runner, session, units, tmp_path
):
    from pakta.models import Employee

    path = tmp_path / "roster.csv"
    path.write_text(ROSTER + "198609262015051009,,DINKES,,,PNS\n")
    refused = runner.invoke(args=["roster", "import", str(path)])
    assert refused.exit_code == 1
    assert "4" in refused.output
    assert session.scalar(select(Employee)) is None
    skipped = runner.invoke(args=["roster", "import", "--skip-bad-rows", str(path)])
    assert skipped.exit_code == 0, skipped.output
    assert len(session.scalars(select(Employee)).all()) == 2


def test_demo_loads_only_into_an_empty_database_and_prints_the_logins(runner, session):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@" in first.output and "password:" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1
    quiet = runner.invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0
    assert "admin@" in quiet.output


# -- links -------------------------------------------------------------------


def add_dinkes_staff(session, units) -> None:
    """A campaign; three people in DINKES and its bidang, one in DISDIK."""
    from pakta.models import Employee, EmploymentType

    make_campaign(
        session, slug="pilkada-2024", title="Pilkada", issuing_authority="Pemda", place="Contoh"
    )
    for number, code in [(1, "DINKES"), (2, "DINKES"), (3, "DINKES-P2P"), (4, "DISDIK")]:
        session.add(
            Employee(
                identity_number=f"1986092620150510{number:02d}",
                name=f"Pegawai {number}",
                employment_type=EmploymentType.PNS,
                unit=units[code],
            )
        )
    session.flush()


def links_export(runner, tmp_path, file_format, unit="DINKES"):
    out = tmp_path / f"links.{file_format}"
    args = ["links", "export", "--campaign", "pilkada-2024", "--unit", unit]
    return runner.invoke(args=[*args, "--format", file_format, "--out", str(out)]), out


def test_links_export_writes_the_sub_tree_s_links_as_csv_and_audits(
    runner, session, units, tmp_path
):
    from pakta.models import SigningLink
    from pakta.services import links

    add_dinkes_staff(session, units)
    result, out = links_export(runner, tmp_path, "csv")
    assert result.exit_code == 0, result.output
    assert "3" in result.output
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "nip,nama,unit,link" and len(lines) == 4
    assert links.resolve(session, lines[1].rsplit("/s/", 1)[1]) is not None
    assert len(session.scalars(select(SigningLink)).all()) == 3
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "links.export"))
    assert (event.target_type, event.target_id) == ("unit", "DINKES")
    assert event.details["count"] == 3 and event.details["format"] == "csv"
    assert event.actor.startswith("cli:")


def test_links_export_writes_printable_slips_as_pdf(runner, session, units, tmp_path):
    add_dinkes_staff(session, units)
    result, out = links_export(runner, tmp_path, "pdf")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_links_export_refuses_an_unknown_unit_and_writes_nothing(runner, session, units, tmp_path):
    from pakta.models import SigningLink

    add_dinkes_staff(session, units)
    result, out = links_export(runner, tmp_path, "csv", unit="DINSOS")
    assert result.exit_code == 1
    assert "DINSOS" in result.output
    assert not out.exists()
    assert session.scalar(select(SigningLink)) is None


def test_links_export_on_a_full_disk_says_so_and_keeps_the_previous_file(
    runner, session, units, tmp_path, monkeypatch
):
    add_dinkes_staff(session, units)
    previous = tmp_path / "links.csv"
    previous.write_bytes(b"the previous export")
    monkeypatch.setattr(os, "replace", disk_full)

    result, out = links_export(runner, tmp_path, "csv")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == f"Tidak dapat menulis {out}: disk penuh"
    assert out.read_bytes() == b"the previous export"
    assert os.listdir(tmp_path) == ["links.csv"]


def test_links_export_refuses_an_unknown_campaign(runner, session, units, tmp_path):
    result, out = links_export(runner, tmp_path, "csv")
    assert result.exit_code == 1
    assert "pilkada-2024" in result.output
    assert not out.exists()


def test_campaign_create_leaves_the_authority_to_the_pemdas_name_unless_given(runner, session):
    result = runner.invoke(args=["campaign", "create", "--slug", "pilkada-2024", "--title", "X"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Campaign)).issuing_authority == ""
