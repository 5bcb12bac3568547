"""Bahasa Indonesia is the default: every user-facing string must have a translation."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "pakta" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle)


def used_message_ids() -> set[str]:
    found = set()
    for folder, method in ((ROOT / "pakta", "python"), (ROOT / "templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_in_the_code_is_in_the_indonesian_catalog():
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog()}
    missing = sorted(used_message_ids() - known)
    assert missing == [], "run `make messages` and translate: " + "; ".join(missing[:10])


def test_every_indonesian_entry_is_translated_and_not_fuzzy():
    untranslated = [
        message.id for message in catalog() if message.id and (not message.string or message.fuzzy)
    ]
    assert untranslated == []


def test_translations_keep_every_placeholder():
    for message in catalog():
        if not message.id or isinstance(message.id, tuple):
            continue
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
            message.id
        )
