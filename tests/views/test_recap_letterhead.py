"""The recap PDF export prints the Pemda's name (pemda.letterhead)."""

from pakta.services import pemda
from tests.services.test_recap_letterhead import SUKABUMI, first_page


def test_the_recap_export_prints_the_pemdas_name_for_a_campaign_without_its_own(
    client, auth, session, staffed, campaign, admin_user
):
    pemda.update(session, name=SUKABUMI)
    campaign.issuing_authority = ""
    session.commit()
    auth.login()
    response = client.get("/admin/rekap/ekspor.pdf")
    text, _images = first_page(response.data)
    assert SUKABUMI.upper() in text  # upper case by the stylesheet
