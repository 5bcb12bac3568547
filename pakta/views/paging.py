"""Page numbers from the query string, for every paged list."""

from flask import request

# Far beyond any list Pakta shows (100,000 pages of 50 audit events), and small enough
# that the offset it makes fits every database's integer: a typed page number never
# reaches the database as an overflow (a 500).
LAST_PAGE = 100_000


def page_number(name: str = "page") -> int:
    """The page asked for: 1 when missing, not a whole number or below 1; at most LAST_PAGE."""
    page = request.args.get(name, 1, type=int)
    return min(max(page, 1), LAST_PAGE)
