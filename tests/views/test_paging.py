"""Every paged list bounds its page number (pakta/views/paging.py)."""

import re
from pathlib import Path

import pytest

from pakta.views.paging import LAST_PAGE, page_number

VIEWS = Path(__file__).resolve().parents[2] / "pakta" / "views"

# Every route that reads a page number; test_every_view_reads_page_numbers_through_the_helper
# keeps a new one from reading it its own way.
PAGED = ["/admin/audit", "/admin/rekap/unit/DINKES"]
TYPED = ["99999999999999999999", "-3", "0", "abc", "1e9", "", str(LAST_PAGE + 1)]


@pytest.mark.parametrize("path", PAGED)
@pytest.mark.parametrize("typed", TYPED)
def test_a_paged_list_answers_any_typed_page_number_without_an_error(
    client, auth, admin_user, staffed, path, typed
):
    auth.login()
    assert client.get(path, query_string={"page": typed}).status_code == 200


@pytest.mark.parametrize(
    ("typed", "page"),
    [("", 1), ("abc", 1), ("-3", 1), ("0", 1), ("7", 7), ("99999999999999999999", LAST_PAGE)],
)
def test_a_page_number_is_a_whole_number_between_one_and_the_last_page(app, typed, page):
    with app.test_request_context(query_string={"page": typed}):
        assert page_number() == page


def test_every_view_reads_page_numbers_through_the_helper():
    for path in VIEWS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"args\.get\(\s*[\"']page", text), path.name
