"""Comparing a typed name with the roster's, the way people write Indonesian names.

A roster writes the name with its titles: "dr. Rina Kurniasih", "H. Asep Hidayat, S.Pd.",
"Prof. Dr. Ir. Bambang Sutrisno, M.Sc.". A person typing their name to sign usually leaves
them out, or writes them differently, so both sides are compared without titles, case,
spacing, dots and commas.
"""

import re
import unicodedata

# Titles written before the name: academic (dr., drg., Drs., Dra., Ir., Prof., Dr.),
# professional (Ns., apt., drh.) and religious (H., Hj., K.H.), compared casefolded
# and without their dots.
FRONT_TITLES = frozenset(
    {"dr", "drg", "drh", "drs", "dra", "ir", "prof", "h", "hj", "kh", "ns", "apt", "hc"}
)
# A degree written after the name without the customary comma has two or more abbreviated
# parts joined by dots ("S.K.M.", "M.Kes.", "A.Md.Kom.", "S.Pd"). One initial ("Budi S.")
# is part of the name and stays.
_ABBREVIATION = re.compile(r"[^\W\d_]{1,4}")


def _is_degree(word: str) -> bool:
    parts = word.removesuffix(".").split(".")
    return len(parts) >= 2 and all(_ABBREVIATION.fullmatch(part) for part in parts)


def _without_front_titles(words: list[str]) -> list[str]:
    """Drops titles before the name, also when glued to it or to each other ("Prof.Dr.",
    "dr.Rina")."""
    while len(words) > 1 or (words and "." in words[0].rstrip(".")):
        if len(words) > 1 and words[0].replace(".", "") in FRONT_TITLES:  # "K.H."
            words = words[1:]
            continue
        parts = [part for part in words[0].split(".") if part]
        kept = parts
        while kept and kept[0] in FRONT_TITLES:
            kept = kept[1:]
        if kept == parts:
            break
        if kept:
            words = [".".join(kept), *words[1:]]
        elif len(words) > 1:
            words = words[1:]
        else:
            break
    return words


def bare_name(name: str) -> str:
    """The name without titles, casefolded, with single spaces and no dots or commas.

    Everything after the first comma is taken as degrees (the Indonesian way of writing
    them); titles in front and dotted degrees at the end are dropped too.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.partition(",")[0]
    words = text.split()
    # One word is always kept: a name is never only titles.
    while len(words) > 1 and _is_degree(words[-1]):
        words.pop()
    words = _without_front_titles(words)
    return " ".join(re.sub(r"[.,]", " ", " ".join(words)).split())


def same_name(typed: str, roster_name: str) -> bool:
    """Whether a typed name is the roster's name, titles, case, spacing, dots and commas aside."""
    typed_bare = bare_name(typed)
    return bool(typed_bare) and typed_bare == bare_name(roster_name)
