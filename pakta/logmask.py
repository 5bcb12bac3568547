"""Secrets and personal numbers never reach a log line (UU 27/2022: collect the minimum).

Request paths carry personal link tokens, errors quote SQL parameters (NIPs) and connection
strings, and any library may log a request line. Every record made in the process is masked
when it is made, so each handler (gunicorn's, RQ's, Flask's, a test runner's) only ever sees
the masked text: what stays is enough to follow a case (the last three NIP digits, a token's
first four characters), never enough to use it.
"""

import logging
import re

# (pattern, replacement): the kept part of each secret is a group of the pattern.
RULES = [
    # A full NIP or NI PPPK: 18 digits standing alone.
    (re.compile(r"(?<!\d)\d{15}(\d{3})(?!\d)"), r"***************\1"),
    # API tokens (pakta.services.api_tokens): the scheme and the listed prefix stay.
    (re.compile(r"\b(pkt_[A-Za-z0-9_-]{4})[A-Za-z0-9_-]+"), r"\1…"),
    # Tokens in paths: personal links, apel passes, import and roster previews.
    (re.compile(r"(/(?:s|impor|roster)/[A-Za-z0-9_-]{4})[A-Za-z0-9_.~-]+"), r"\1…"),
    (re.compile(r"(/a/[A-Za-z0-9_-]+/[A-Za-z0-9_-]{4})[A-Za-z0-9_.~-]+"), r"\1…"),
    # Credentials given as key=value or "key": "value" (query strings, forms, JSON, reprs).
    (
        re.compile(
            r"""((?:password|passwd|secret|token|verification_code|nik)['"]?\s*[:=]\s*"""
            r"""|\bcode=)(?:"[^"]*"|'[^']*'|[^\s&'",;)}]+)""",
            re.IGNORECASE,
        ),
        r"\1***",
    ),
    (re.compile(r"(\bBearer\s+)\S+", re.IGNORECASE), r"\1***"),
    # A password inside a database or Redis URL.
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), r"\1***@"),
]


def mask(text: str) -> str:
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


class MaskSecrets(logging.Filter):
    """Masks a record's message and its traceback in place; never drops a record.

    Usable on any handler (``filters`` of a logging configuration); ``install`` applies it
    to every record of the process.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "pakta_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - any error of the caller's format string
            # A call whose arguments do not fit its format: left for logging to report when
            # it is emitted, as it always does, rather than raised into the caller here.
            return True
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # The formatted traceback is cached on the record (logging.Formatter.format's
            # documented ``exc_text``), so every formatter prints this masked one.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record.pakta_masked = True
        return True


def install() -> None:
    """Masks every log record made from now on, whichever logger and handler it goes to.

    Done with the documented record factory hook, once per process however many apps are made.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "pakta_masking", False):
        return
    masking = MaskSecrets()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        masking.filter(record)
        return record

    masked_record.pakta_masking = True
    logging.setLogRecordFactory(masked_record)
