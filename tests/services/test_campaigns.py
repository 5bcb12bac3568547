from datetime import UTC, datetime, timedelta

import pytest

from pakta.models import Employee, EmploymentType, SignatureMethod
from pakta.services import campaigns, signing
from tests.conftest import make_campaign


def test_a_new_campaign_carries_the_four_points_of_the_2022_joint_decree(session):
    campaign = make_campaign(session)
    pact = campaign.pact
    assert pact.version == 1
    assert len(pact.points) == 4
    assert "netralitas" in pact.points[0]
    assert "politik uang" in pact.points[3]
    basis = " ".join(pact.legal_basis)
    for reference in (
        "Nomor 2 Tahun 2022",
        "800-5474",
        "246",
        "Nomor 30 Tahun 2022",
        "1447.1/PM.01/K.1/09/2022",
        "Nomor 20 Tahun 2023",
        "Nomor 94 Tahun 2021",
    ):
        assert reference in basis


def test_the_pact_hash_is_the_sha256_of_the_canonical_text(session):
    import hashlib

    campaign = make_campaign(session)
    text = campaigns.canonical_pact_text(campaigns.DEFAULT_PACT)
    assert campaign.pact.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert text.startswith("PAKTA INTEGRITAS NETRALITAS ASN\n")


@pytest.mark.parametrize("slug", ["A", "with space", "under_score", "-leading", "x" * 70, "ünï"])
def test_a_bad_slug_is_refused(session, slug):
    with pytest.raises(campaigns.CampaignError):
        make_campaign(session, slug=slug)


def test_a_campaign_that_closes_before_it_opens_is_refused(session):
    now = datetime.now(UTC)
    with pytest.raises(campaigns.CampaignError):
        make_campaign(session, opens_at=now, closes_at=now - timedelta(hours=1))


def test_a_duplicate_slug_is_refused(session):
    make_campaign(session)
    with pytest.raises(campaigns.CampaignError):
        make_campaign(session)


def test_editing_the_text_before_anyone_signs_adds_a_version(session):
    campaign = make_campaign(session)
    content = campaigns.PactContent(
        heading="PAKTA INTEGRITAS", preamble="", points=["Satu.", "Dua."], legal_basis=[]
    )
    version = campaigns.update_pact(session, campaign, content)
    assert version.version == 2
    assert campaign.pact.points == ["Satu.", "Dua."]
    assert [v.version for v in campaign.pact_versions] == [1, 2]


def test_saving_the_same_text_again_adds_no_version(session):
    campaign = make_campaign(session)
    assert campaigns.update_pact(session, campaign, campaigns.DEFAULT_PACT).version == 1


def test_the_text_is_frozen_after_the_first_signature(session, units):
    campaign = make_campaign(session)
    employee = Employee(
        identity_number="198609262015051001",
        name="Budi",
        employment_type=EmploymentType.PNS,
        unit=units["DINKES"],
    )
    session.add(employee)
    session.flush()
    signing.record_signature(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
    )
    with pytest.raises(campaigns.CampaignError):
        campaigns.update_pact(session, campaign, campaigns.PactContent("X", "", ["Satu."], []))
    assert campaign.pact.version == 1


def test_the_current_campaign_is_the_open_one_before_upcoming_and_past(session):
    now = datetime.now(UTC)
    make_campaign(
        session, slug="past", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30)
    )
    make_campaign(
        session, slug="next", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=30)
    )
    assert campaigns.current_campaign(session, now).slug == "next"
    make_campaign(
        session, slug="open", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)
    )
    assert campaigns.current_campaign(session, now).slug == "open"


def image_bytes(kind: str, size=(120, 80)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 93, 75)).save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_png_or_jpeg_logo_is_stored_re_encoded_as_png(session, kind):
    campaign = make_campaign(session)
    campaigns.set_logo(campaign, image_bytes(kind))
    assert campaign.logo.startswith(b"\x89PNG") and campaign.logo_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a" + b"\0" * 64,
        b"\x89PNG\r\n\x1a\n" + b"broken",
        b"\xff\xd8\xff" + b"\0" * (600 * 1024),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(session, data):
    campaign = make_campaign(session)
    with pytest.raises(campaigns.CampaignError):
        campaigns.set_logo(campaign, data)
    assert campaign.logo is None


def test_a_huge_logo_is_shrunk_to_fit_a_certificate(session):
    campaign = make_campaign(session)
    campaigns.set_logo(campaign, image_bytes("PNG", size=(2400, 1200)))
    import io

    from PIL import Image

    assert max(Image.open(io.BytesIO(campaign.logo)).size) <= 600
