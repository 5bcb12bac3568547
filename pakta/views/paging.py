"""The page number of a paged list, from ``?page=``, kept within what a database can take."""

from flask import request

# Far past any list Pakta pages (a province's roster at 50 a page is under 10,000 pages), and
# small enough that page times page size fits every database's OFFSET (a 64-bit integer).
MAX_PAGE = 100_000


def page_number() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
