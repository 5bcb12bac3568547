"""Hypothesis over every path and query parameter of the pages: never a 500.

Paging numbers beyond any integer, dates that are not dates, unknown views and sorts, codes
with markup or NUL bytes: each gets its page, a 4xx or a redirect, in the user's language.
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.strategies import hostile_text

PAGES = {
    "audit": ("/admin/audit", ("page",)),
    "rollups": ("/admin/rekap/", ("campaign", "view", "sort", "page", "day", "unit")),
    "rollups of a unit": ("/admin/rekap/unit/{x}", ("campaign", "view", "day")),
    "trend": ("/admin/rekap/tren", ("campaign", "unit", "day")),
    "not signed": ("/admin/rekap/belum/{x}", ("campaign", "page")),
    "not signed csv": ("/admin/rekap/belum/{x}.csv", ("campaign",)),
    "export": ("/admin/rekap/ekspor.{x}", ("campaign", "unit")),
    "links": ("/admin/tautan/{x}", ("campaign", "page")),
    "links export": ("/admin/tautan/DINKES/tautan.{x}", ("campaign",)),
    "campaign": ("/admin/kampanye/{x}", ()),
    "certificate": ("/admin/sertifikat/{x}", ()),
    "roster preview": ("/admin/roster/{x}", ("deactivate_missing",)),
    "unit tree preview": ("/admin/unit/impor/{x}", ()),
    "apel screen": ("/apel/{x}/layar", ()),
    "login": ("/masuk", ("next",)),
    "transparency": ("/transparansi", ("campaign",)),
    "verify": ("/v/{x}", ()),
    "personal link": ("/s/{x}", ()),
    "certificate status": ("/s/{x}/sertifikat/status", ()),
}
numbers = st.sampled_from(["99999999999999999999", "-1", "0", "1e9", "NaN", "２", "1\x00"])
values = hostile_text | numbers


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_hostile_parameters_without_a_500(
    name, client, auth, admin_user, campaign, units
):
    template, parameters = PAGES[name]
    auth.login()

    @given(
        segment=values.filter(lambda text: text.strip(" /.")),
        query=st.fixed_dictionaries({parameter: values for parameter in parameters}),
    )
    @settings(max_examples=10, suppress_health_check=list(HealthCheck))
    def answers_clearly(segment, query):
        url = template.format(x=quote(segment, safe=""))
        response = client.get(url, query_string=query)
        assert response.status_code < 500, (url, query, response.text[:2000])
        if response.mimetype == "text/html" and response.status_code // 100 != 3:
            assert 'lang="id"' in response.text

    answers_clearly()
