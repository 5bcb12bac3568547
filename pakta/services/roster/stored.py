"""A read table kept between an upload's preview and its confirmation.

Reading a workbook is the costly step of an import (a 100,000-row XLSX takes seconds of a
worker); the preview is shown again for each change of its options and once more on
confirming. So the file is read once, on upload, and what is kept is the table it gave,
compressed: each later step loads it in a fraction of the time. The plan itself is made
again each time, from the database as it is then, so a confirmation never applies changes
planned against rows that have since moved.
"""

import json
import zlib

from pakta.services.roster.files import RosterRecord, RosterTable

# Uploads kept before this format carry the file's own bytes, which never start so.
MAGIC = b"pakta-table:1\n"


def dump_table(table: RosterTable) -> bytes:
    document = {
        "columns": table.columns,
        "rows": [[record.row, record.values] for record in table.rows],
        "headers": table.headers,
        "ignored_columns": table.ignored_columns,
        "header_row": table.header_row,
    }
    return MAGIC + zlib.compress(json.dumps(document, ensure_ascii=False).encode(), 6)


def load_table(data: bytes) -> RosterTable | None:
    """The table ``dump_table`` kept, or None when ``data`` is not one (a file's bytes)."""
    if not data.startswith(MAGIC):
        return None
    document = json.loads(zlib.decompress(data[len(MAGIC) :]))
    return RosterTable(
        columns=document["columns"],
        rows=[RosterRecord(row, values) for row, values in document["rows"]],
        headers=document["headers"],
        ignored_columns=document["ignored_columns"],
        header_row=document["header_row"],
    )
