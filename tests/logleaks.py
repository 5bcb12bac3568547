"""A pytest plugin that keeps every log record and every captured stderr of the run.

``tests/test_logs.py`` reads what it kept, after every other test (the ``after_all`` mark).
The records are the app's own masked ones (pakta.logmask): nothing is masked here.
"""

import logging

import pytest

collected: list[str] = []


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        collected.append(self.format(record))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "after_all: runs after every other test of the run")
    handler = _Collector(logging.NOTSET)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.capstderr:
        collected.append(report.capstderr)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("after_all") is not None)
