"""A bench site: the bench's own Pemda (``bench.apel.data.load``) on a fresh database."""

import pytest

from bench.apel import data
from tests.conftest import TEST_SECRET, fresh_database


@pytest.fixture(scope="module")
def bench_site(tmp_path_factory):
    """(database URL, {token: employee id}) of a migrated database with six linked people."""
    folder = tmp_path_factory.mktemp("bench")
    with fresh_database(folder) as url:
        data.prepare(url)
        yield url, data.load(url, 6, TEST_SECRET, str(folder))
