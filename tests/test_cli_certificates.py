"""`pakta certificates export`."""

import io
import zipfile

from sqlalchemy import select

from pakta.models import AuditEvent, IssuedCertificate
from tests.services.test_certificate_bulk import sign_up


def test_export_writes_a_zip_of_the_units_certificates_and_audits_it(
    runner, session, signed, units, tmp_path
):
    others = sign_up(session, signed.campaign, units["DINKES-P2P"], 2)
    sign_up(session, signed.campaign, units["DISDIK"], 1, first=10)
    session.commit()
    out = tmp_path / "dinkes.zip"

    result = runner.invoke(
        args=[
            "certificates",
            "export",
            "--campaign",
            "pilkada-2024",
            "--unit",
            "DINKES",  # and DINKES-P2P below it
            "--out",
            str(out),
            "--workers",
            "1",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "3" in result.stdout and str(out) in result.stdout
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        names = sorted(archive.namelist())
        files = {name: archive.read(name) for name in names}
    numbers = sorted(s.certificate_number for s in [signed, *others])
    assert names == [f"DINKES-P2P/{number}.pdf" for number in numbers]
    for signature in [signed, *others]:
        stored = session.scalar(
            select(IssuedCertificate.pdf).where(IssuedCertificate.signature_id == signature.id)
        )
        assert files[f"DINKES-P2P/{signature.certificate_number}.pdf"] == stored
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates.export"))
    assert event.actor.startswith("cli:")
    assert (event.target_type, event.target_id) == ("unit", "DINKES")
    assert event.details["count"] == 3 and event.details["campaign"] == "pilkada-2024"


def test_export_without_a_unit_takes_the_whole_campaign(runner, session, signed, tmp_path):
    out = tmp_path / "all.zip"
    result = runner.invoke(
        args=[
            *("certificates", "export", "--campaign", "pilkada-2024"),
            *("--out", str(out), "--workers", "1"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip()  # progress is shown on standard error
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [f"DINKES-P2P/{signed.certificate_number}.pdf"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates.export"))
    assert (event.target_type, event.target_id) == ("campaign", "pilkada-2024")


def test_export_refuses_an_unknown_campaign_or_unit_and_writes_nothing(
    runner, session, signed, tmp_path
):
    out = tmp_path / "x.zip"
    unknown_campaign = runner.invoke(
        args=["certificates", "export", "--campaign", "nope", "--out", str(out)]
    )
    unknown_unit = runner.invoke(
        args=[
            *("certificates", "export", "--campaign", "pilkada-2024"),
            *("--unit", "NOPE", "--out", str(out)),
        ]
    )
    assert unknown_campaign.exit_code == 1 and "nope" in unknown_campaign.output
    assert unknown_unit.exit_code == 1 and "NOPE" in unknown_unit.output
    assert list(tmp_path.iterdir()) == []
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates.export")) is None
    )


def test_export_needs_the_out_option(runner, session):
    result = runner.invoke(args=["certificates", "export", "--campaign", "pilkada-2024"])
    assert result.exit_code == 2
