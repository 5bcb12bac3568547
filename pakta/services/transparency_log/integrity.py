"""`pakta audit verify`: recompute a log from the database and hold it against everything.

Three kinds of evidence disagree when someone with write access tampers:

* the log itself: each entry's stored leaf must be the hash of its body, its body must name
  its own position, and the positions must run 0, 1, 2 ... with no gap (content, order,
  presence); the head row must end where the entries end;
* signed checkpoints: the recomputed root at each checkpoint's size must be the signed one
  (a log rewritten consistently, hashes and head included, fails here);
* the live records: every signature, revocation event and audit event must have the entry
  that logged it, with the same fields, and every entry its record (rows changed, inserted
  or deleted behind the log's back), and a signature's revoked state must be what its
  newest logged event says.

Problems are reported first by position, so the first one named is where tampering starts.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import (
    AuditEvent,
    Employee,
    LogEntry,
    LogName,
    RevocationEvent,
    Signature,
)
from pakta.services.transparency_log import events
from pakta.services.transparency_log.checkpoints import Checkpoint
from pakta.services.transparency_log.entries import entry_body, logged_fields, read_head
from pakta.services.transparency_log.frontier import Frontier
from pakta.services.transparency_log.merkle import leaf_hash

_BATCH = 1000


@dataclass(frozen=True)
class Problem:
    # missing, content, order, root, head, checkpoint, unlogged, changed, state or unrecorded
    kind: str
    seq: int | None
    message: str


@dataclass
class Report:
    log: LogName
    size: int = 0
    root: bytes = b""
    problems: list[Problem] = field(default_factory=list)
    checkpoints_matched: int = 0
    # The recomputed root at every size a checkpoint names (and at the end).
    roots: dict[int, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, seq: int | None, message: str) -> None:
        self.problems.append(Problem(kind, seq, message))


@dataclass(frozen=True)
class _Logged:
    seq: int
    event_type: str
    fields: dict


def _entries(session: Session, log: LogName) -> Iterator[LogEntry]:
    query = select(LogEntry).where(LogEntry.log == log).order_by(LogEntry.seq, LogEntry.id)
    yield from session.scalars(query.execution_options(yield_per=_BATCH))


def _walk_log(session: Session, log: LogName, report: Report, sizes: set[int]) -> dict:
    """The tree recomputed from the bodies; the root at each of ``sizes``; entries by key."""
    frontier = Frontier()
    roots: dict[int, bytes] = {0: frontier.root()}
    logged: dict[tuple, _Logged] = {}
    for entry in _entries(session, log):
        position = frontier.size
        if entry.seq != position:
            report.add(
                "missing",
                position,
                str(_l("entry {seq} is missing: the next one stored is {found}")).format(
                    seq=position, found=entry.seq
                ),
            )
            # Resynchronise so that one deletion is reported once, not as every later entry.
            if entry.seq < position:
                continue
        leaf = leaf_hash(entry.body.encode())
        if leaf.hex() != entry.leaf_hash:
            report.add(
                "content",
                entry.seq,
                str(_l("entry {seq}: its content was changed")).format(seq=entry.seq),
            )
        fields = logged_fields(entry.body)
        if entry.body != entry_body(log, entry.seq, entry.event_type, fields):
            report.add(
                "order",
                entry.seq,
                str(_l("entry {seq}: its position or kind was changed (order)")).format(
                    seq=entry.seq
                ),
            )
        while frontier.size < entry.seq:
            # A gap still takes its place in the tree, so the roots after it stay comparable.
            frontier.append(b"\0" * 32)
        frontier.append(leaf)
        if entry.seq == frontier.size - 1 and entry.root_hash != frontier.root().hex():
            message = str(_l("entry {seq}: the root it recorded is not the tree's"))
            report.add("root", entry.seq, message.format(seq=entry.seq))
        if frontier.size in sizes:
            roots[frontier.size] = frontier.root()
        logged.setdefault(
            _key(entry.event_type, entry.subject, fields),
            _Logged(entry.seq, entry.event_type, fields),
        )
    report.size, report.root = frontier.size, frontier.root()
    roots[frontier.size] = report.root
    head = read_head(session, log)
    if (head.size, head.root_hash) != (report.size, report.root.hex()):
        report.add(
            "head",
            None,
            str(_l("the log's head says {head} entries, the entries make {size}")).format(
                head=head.size, size=report.size
            ),
        )
    report.roots = roots
    return logged


def _key(event_type: str, subject: str, fields: dict) -> tuple:
    if event_type in events.SIGNING_TYPES:
        return ("signature", subject)
    return (event_type if event_type == events.AUDIT else "revocation", str(fields.get("event")))


def _check_checkpoints(report: Report, checkpoints: Iterable[Checkpoint]) -> None:
    for checkpoint in checkpoints:
        if checkpoint.tree_size > report.size:
            report.add(
                "checkpoint",
                None,
                str(
                    _l("checkpoint of {size} entries: the log has only {have} (entries removed)")
                ).format(size=checkpoint.tree_size, have=report.size),
            )
        elif report.roots.get(checkpoint.tree_size) != checkpoint.root_hash:
            report.add(
                "checkpoint",
                None,
                str(
                    _l("checkpoint of {size} entries: the database's tree has another root")
                ).format(size=checkpoint.tree_size),
            )
        else:
            report.checkpoints_matched += 1


def _signature_records(session: Session) -> Iterator[tuple[tuple, str, dict, bool]]:
    query = select(Signature, Employee.identity_number).join(
        Employee, Employee.id == Signature.employee_id
    )
    for signature, identity in session.execute(query.execution_options(yield_per=_BATCH)):
        fields = events.signature_fields(signature, identity)
        yield ("signature", signature.certificate_number), "signature", fields, signature.is_valid
    query = (
        select(RevocationEvent, Signature, Employee.identity_number)
        .join(Signature, Signature.id == RevocationEvent.signature_id)
        .join(Employee, Employee.id == Signature.employee_id)
    )
    for event, signature, identity in session.execute(query.execution_options(yield_per=_BATCH)):
        fields = events.revocation_fields(event, signature, identity)
        yield ("revocation", str(event.id)), events.REVOCATION_TYPES[event.action], fields, None


def _audit_records(session: Session) -> Iterator[tuple[tuple, str, dict, None]]:
    query = select(AuditEvent).execution_options(yield_per=_BATCH)
    for event in session.scalars(query):
        yield (events.AUDIT, str(event.id)), events.AUDIT, events.audit_fields(event), None


def _describe(key: tuple) -> str:
    kind, subject = key
    if kind == "signature":
        return str(_l("signature {number}")).format(number=subject)
    if kind == "revocation":
        return str(_l("revocation event {id}")).format(id=subject)
    return str(_l("audit event {id}")).format(id=subject)


def _cross_check(report: Report, logged: dict, records: Iterable) -> None:
    seen = set()
    last_state: dict[str, bool] = {}
    for entry in sorted(logged.values(), key=lambda item: item.seq):
        number = entry.fields.get("certificate_number")
        if number is not None:
            last_state[number] = entry.event_type != events.REVOCATION
    for key, event_type, fields, is_valid in records:
        seen.add(key)
        entry = logged.get(key)
        if entry is None:
            report.add(
                "unlogged",
                None,
                str(_l("{record} is not in the log (inserted behind its back)")).format(
                    record=_describe(key)
                ),
            )
            continue
        kind_differs = entry.event_type != event_type and key[0] != "signature"
        changed = sorted(
            name
            for name in set(fields) | set(entry.fields)
            if fields.get(name) != entry.fields.get(name)
            and not (name in events.PURGEABLE and fields.get(name) == "")
        )
        if changed or kind_differs:
            report.add(
                "changed",
                entry.seq,
                str(_l("{record} differs from log entry {seq}: {fields}")).format(
                    record=_describe(key), seq=entry.seq, fields=", ".join(changed or ["action"])
                ),
            )
        if is_valid is not None and last_state.get(key[1], True) != is_valid:
            report.add(
                "state",
                entry.seq,
                str(_l("{record} is {state} in the database, not as the log says")).format(
                    record=_describe(key),
                    state=str(_l("valid") if is_valid else _l("revoked")),
                ),
            )
    for key in logged.keys() - seen:
        report.add(
            "unrecorded",
            logged[key].seq,
            str(_l("{record} of log entry {seq} has no record (deleted)")).format(
                record=_describe(key), seq=logged[key].seq
            ),
        )


def verify(session: Session, log: LogName, checkpoints: Iterable[Checkpoint] = ()) -> Report:
    checkpoints = list(checkpoints)
    report = Report(log)
    logged = _walk_log(session, log, report, {checkpoint.tree_size for checkpoint in checkpoints})
    _check_checkpoints(report, checkpoints)
    records = _signature_records(session) if log == LogName.SIGNING else _audit_records(session)
    _cross_check(report, logged, records)
    report.problems.sort(key=lambda problem: (problem.seq is None, problem.seq or 0))
    return report
