"""`pakta certificates export` and `reconcile`."""

import io
import os
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select

from pakta.models import AuditEvent, IssuedCertificate, utcnow
from tests.services.test_certificate_bulk import sign_up
from tests.test_files import disk_full


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


def test_export_on_a_full_disk_says_so_and_leaves_no_zip(
    runner, session, signed, tmp_path, monkeypatch
):
    out = tmp_path / "all.zip"
    monkeypatch.setattr(os, "fsync", disk_full)

    result = runner.invoke(
        args=[
            *("certificates", "export", "--campaign", "pilkada-2024"),
            *("--out", str(out), "--workers", "1"),
        ]
    )

    assert result.exit_code == 1
    assert f"Tidak dapat menulis {out}: disk penuh" in result.stderr
    assert os.listdir(tmp_path) == []


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


def _counts(output: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", output)]


def test_reconcile_asks_for_certificates_missing_for_over_a_minute_and_prints_the_counts(
    app, runner, session, signed, monkeypatch
):
    monkeypatch.setitem(app.config, "JOBS_EAGER", True)
    fresh = runner.invoke(args=["certificates", "reconcile"])
    assert fresh.exit_code == 0, fresh.output
    assert _counts(fresh.output) == [0, 0, 0, 0]  # signed just now: its own job still runs

    signed.signed_at = utcnow() - timedelta(minutes=2)
    session.commit()
    result = runner.invoke(args=["certificates", "reconcile"])
    assert result.exit_code == 0, result.output
    assert _counts(result.output) == [1, 1, 0, 0]  # missing, asked for, waiting, failed
    assert session.scalar(
        select(IssuedCertificate.id).where(IssuedCertificate.signature_id == signed.id)
    )


def test_reconcile_fails_when_a_certificate_could_not_be_asked_for(runner, signed, monkeypatch):
    from pakta import jobs
    from pakta.services.certificates.reconcile import Reconciled

    def unreachable(_app, signature_ids):
        return Reconciled(len(signature_ids), enqueued=0, waiting=0, failed=len(signature_ids))

    monkeypatch.setattr(jobs, "enqueue_certificates", unreachable)
    result = runner.invoke(args=["certificates", "reconcile", "--older-than", "0"])
    assert result.exit_code == 1
    assert _counts(result.output) == [1, 0, 0, 1]
