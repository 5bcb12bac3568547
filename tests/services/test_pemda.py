"""The Pemda's name and logo: stored settings, the environment's defaults, the letterhead."""

import pytest
from flask_babel import force_locale

from pakta.models import PemdaProfile
from pakta.services import campaigns, pemda
from tests.conftest import logo_bytes, make_campaign

SUKABUMI = "Pemerintah Kota Sukabumi"
NO_DEFAULTS = pemda.Defaults()


def test_nothing_is_set_on_a_fresh_instance(session):
    found = pemda.profile(session, NO_DEFAULTS)
    assert (found.name, found.logo) == ("", None)


def test_the_saved_name_and_a_cleaned_logo_are_what_the_profile_gives(session):
    changed = pemda.update(session, name="  Pemerintah   Kota Sukabumi ", logo=logo_bytes("JPEG"))
    found = pemda.profile(session, NO_DEFAULTS)
    assert changed == ["name", "logo"]
    assert found.name == SUKABUMI and found.logo.startswith(b"\x89PNG")
    assert session.get(PemdaProfile, 1).updated_at is not None


def test_saving_the_same_name_again_changes_nothing(session):
    pemda.update(session, name=SUKABUMI)
    assert pemda.update(session, name=SUKABUMI) == []


def test_the_environment_fills_in_what_the_settings_leave_empty(session):
    defaults = pemda.Defaults(name="Pemerintah Kabupaten Contoh", logo=b"env-logo")
    found = pemda.profile(session, defaults)
    assert (found.name, found.logo) == ("Pemerintah Kabupaten Contoh", b"env-logo")
    assert found.name_from_environment and found.logo_from_environment


def test_the_settings_win_over_the_environment(session):
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG"))
    found = pemda.profile(session, pemda.Defaults(name="Pemerintah Kabupaten Contoh", logo=b"x"))
    assert found.name == SUKABUMI and found.logo != b"x"
    assert not found.name_from_environment and not found.logo_from_environment


def test_a_removed_logo_falls_back_to_the_environments(session):
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG"))
    assert pemda.update(session, name=SUKABUMI, remove_logo=True) == ["logo"]
    assert pemda.profile(session, pemda.Defaults(logo=b"env-logo")).logo == b"env-logo"


def test_a_bad_logo_saves_nothing_not_even_the_name(session):
    with pytest.raises(pemda.PemdaError) as refused:
        pemda.update(session, name=SUKABUMI, logo=b"<svg></svg>")
    assert refused.value.field == "logo"
    assert pemda.profile(session, NO_DEFAULTS).name == ""


def test_a_name_too_long_is_refused(session):
    with pytest.raises(pemda.PemdaError) as refused:
        pemda.update(session, name="x" * (pemda.MAX_NAME_LENGTH + 1))
    assert refused.value.field == "name"


def test_a_campaigns_own_authority_and_logo_win_over_the_pemdas(session):
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG"))
    campaign = make_campaign(session, issuing_authority="Sekretariat Daerah Kota Sukabumi")
    campaigns.set_logo(campaign, logo_bytes("PNG", size=(50, 50)))
    found = pemda.letterhead(session, campaign, NO_DEFAULTS)
    assert found.name == "Sekretariat Daerah Kota Sukabumi" and found.logo == campaign.logo


def test_a_campaign_without_authority_or_logo_prints_the_pemdas(session):
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG"))
    campaign = make_campaign(session, issuing_authority="")
    found = pemda.letterhead(session, campaign, NO_DEFAULTS)
    assert found.name == SUKABUMI and found.logo == pemda.profile(session, NO_DEFAULTS).logo


def test_with_nothing_set_the_letterhead_says_regional_government_in_the_readers_language(
    session,
):
    with force_locale("id"):
        assert pemda.letterhead(session, None, NO_DEFAULTS).name == "Pemerintah Daerah"
    with force_locale("en"):
        assert pemda.letterhead(session, None, NO_DEFAULTS).name == "Regional Government"
