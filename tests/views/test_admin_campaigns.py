from sqlalchemy import select

from pakta.models import AuditEvent, Campaign, SignatureMethod
from pakta.services import signing
from tests.conftest import make_employee

DETAILS = {
    "title": "Pilkada Serentak 2024 — Pemerintah Kota Contoh",
    "issuing_authority": "Pemerintah Kota Contoh",
    "place": "Contoh",
    "official_name": "Dr. H. Ahmad, M.Si.",
    "official_title": "Sekretaris Daerah",
    "opens_at": "2024-07-29T08:00",
    "closes_at": "2024-11-27T23:59",
}


def test_an_admin_creates_a_campaign_with_the_four_points(client, auth, admin_user, session):
    auth.login()
    response = client.post("/admin/kampanye/baru", data={"slug": "pilkada-2024", **DETAILS})
    assert response.status_code == 302
    campaign = session.scalar(select(Campaign))
    assert campaign.slug == "pilkada-2024"
    assert len(campaign.pact.points) == 4
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))


def test_a_campaign_that_closes_before_it_opens_is_refused_in_the_form(
    client, auth, admin_user, session
):
    auth.login()
    data = {"slug": "pilkada-2024", **DETAILS, "closes_at": "2024-07-01T08:00"}
    response = client.post("/admin/kampanye/baru", data=data)
    assert response.status_code == 422
    assert session.scalar(select(Campaign)) is None


def test_the_pact_text_can_be_edited_before_anyone_signs(
    client, auth, admin_user, session, campaign
):
    auth.login()
    response = client.post(
        f"/admin/kampanye/{campaign.slug}",
        data={
            "pact-heading": "PAKTA INTEGRITAS",
            "pact-preamble": "Saya menyatakan:",
            "pact-points": "Poin satu\nyang panjang.\n\nPoin dua.",
            "pact-legal_basis": "UU 20/2023",
            "pact-submit": "y",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert campaign.pact.version == 2
    assert campaign.pact.points == ["Poin satu yang panjang.", "Poin dua."]


def test_the_pact_text_is_frozen_in_the_admin_page_after_a_signature(
    client, auth, admin_user, units, session, campaign
):
    employee = make_employee(session, units["DINKES"], name="Budi")
    signing.record_signature(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
    )
    session.commit()
    auth.login()
    page = client.get(f"/admin/kampanye/{campaign.slug}")
    assert 'name="pact-points"' not in page.text
    client.post(
        f"/admin/kampanye/{campaign.slug}",
        data={"pact-heading": "X", "pact-points": "Lain.", "pact-submit": "y"},
    )
    session.expire_all()
    assert campaign.pact.version == 1


def test_an_unknown_campaign_is_a_404(client, auth, admin_user):
    auth.login()
    assert client.get("/admin/kampanye/tidak-ada").status_code == 404


def test_an_admin_uploads_the_logo_printed_on_certificates(
    client, auth, admin_user, session, campaign
):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "navy").save(buffer, "PNG")
    auth.login()
    response = client.post(
        f"/admin/kampanye/{campaign.slug}",
        data={"logo-logo": (io.BytesIO(buffer.getvalue()), "logo.png"), "logo-submit": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert client.get(f"/admin/kampanye/{campaign.slug}/logo.png").data.startswith(b"\x89PNG")
    refused = client.post(
        f"/admin/kampanye/{campaign.slug}",
        data={"logo-logo": (io.BytesIO(b"GIF89a"), "logo.gif"), "logo-submit": "y"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and 'class="error"' in refused.text
