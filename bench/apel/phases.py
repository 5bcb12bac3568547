"""The phases of a run: capacity rounds of the real app and the floor taking turns, the paced
arrivals, and the certificates rendered after, with the CPU each took."""

import os
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench._common import stop_process
from bench.apel import client, servers
from bench.apel.data import Counters

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime (+ the reaped children's) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def machine_busy() -> float:
    """CPU seconds busy over every core since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / _TICK


@dataclass
class CpuSnapshot:
    at: float
    gunicorn: dict[int, float]
    postgres: dict[int, float]
    generator: float
    machine: float

    @classmethod
    def take(cls, server: servers.Gunicorn, backend_pids: list[int]) -> "CpuSnapshot":
        return cls(
            time.monotonic(),
            {pid: cpu_seconds(pid) for pid in server.worker_pids()},
            {pid: cpu_seconds(pid) for pid in backend_pids},
            time.process_time(),
            machine_busy(),
        )

    def used_since(self, before: "CpuSnapshot") -> Counter:
        """CPU seconds of the gunicorn workers, the PostgreSQL backends, this load generator
        and everything else on the machine, and the wall time."""

        def delta(now: dict[int, float], then: dict[int, float]) -> float:
            return sum(value - then[pid] for pid, value in now.items() if pid in then)

        used = Counter(
            gunicorn=delta(self.gunicorn, before.gunicorn),
            postgres=delta(self.postgres, before.postgres),
            generator=self.generator - before.generator,
        )
        used["other"] = max(0.0, self.machine - before.machine - sum(used.values()))
        used["wall"] = self.at - before.at
        return used


def redis_info(url: str, section: str, name: str) -> int:
    """One figure of the bench's private Redis's INFO (limits and job queue alike)."""
    connection = redis.Redis.from_url(url)
    try:
        return connection.info(section)[name]
    finally:
        connection.close()


def redis_commands(url: str) -> int:
    return redis_info(url, "stats", "total_commands_processed")


@dataclass
class Phase:
    """One server's load: everything it saw (warm-up included, for the checks) and the
    measured windows' figures."""

    server: servers.Gunicorn
    work: client.Work
    tally: client.Tally = field(default_factory=client.Tally)
    seconds: float = 0.0
    count: int = 0  # flows that ended inside the measured windows: the throughput
    # The CPU and WAL of the measured rounds (ramps included), and the signatures they
    # acknowledged (a 303 each), which is what those were spent on.
    used: Counter = field(default_factory=Counter)
    wal_bytes: int = 0
    redis_commands: int = 0
    signed: int = 0
    ran_out: bool = False

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def closed_loop(self, counters: Counters, seconds: float, args, measured: bool = True):
        """A round: ``args.ramp`` seconds for the signers to get going (every one starts with
        a fresh flow, none of which ends at once), then ``seconds`` counted."""
        pids = counters.pids()
        before, wal = CpuSnapshot.take(self.server, pids), counters.wal_lsn()
        commands = redis_commands(args.redis_url)
        start = time.monotonic() + args.ramp
        tally = client.closed_loop(
            args.concurrency, args.ramp + seconds, self.work, self.server.port, args.timeout
        )
        self.tally.merge(tally)
        if not measured:
            return
        self.wal_bytes += counters.wal_lsn() - wal
        self.redis_commands += redis_commands(args.redis_url) - commands
        self.used.update(CpuSnapshot.take(self.server, pids + counters.pids()).used_since(before))
        self.signed += len(tally.acknowledged)
        self.seconds += seconds
        self.count += sum(1 for done in tally.done_at if start <= done <= start + seconds)
        self.ran_out |= time.monotonic() < start + seconds - 0.5


def capacity(app: Phase, floor: Phase, counters: Counters, args) -> None:
    """Warm both up, then take turns round by round, so that whatever else runs on the
    machine slows both alike. On a server without autovacuum, the written tables are
    analyzed after the warm-up and between rounds (``Counters.analyze_written``), outside
    the measured windows, as autovacuum would keep their statistics."""
    stand_in = not counters.autovacuum()
    app.closed_loop(counters, args.warmup, args, measured=False)
    floor.closed_loop(counters, args.warmup, args, measured=False)
    for _ in range(args.rounds):
        if stand_in:
            counters.analyze_written()
        app.closed_loop(counters, args.duration / args.rounds, args)
        floor.closed_loop(counters, args.duration / args.rounds, args)
    if stand_in:
        counters.analyze_written()


@dataclass
class Paced:
    rate: float
    tally: client.Tally
    used: Counter


def paced(app: Phase, counters: Counters, args) -> Paced:
    """--paced-rate arrivals a second at the real app for --paced-duration seconds."""
    pids = counters.pids()
    before = CpuSnapshot.take(app.server, pids)
    tally = client.paced(
        args.paced_rate,
        round(args.paced_rate * args.paced_duration),
        app.work,
        lambda: client.Client(app.server.port, args.timeout),
        pool=args.concurrency,
    )
    used = CpuSnapshot.take(app.server, pids + counters.pids()).used_since(before)
    app.tally.merge(tally)
    return Paced(args.paced_rate, tally, used)


@dataclass
class Rendering:
    workers: int
    certificates: int
    seconds: float
    cpu: float  # CPU seconds of the workers, start-up included

    @property
    def per_worker_minute(self) -> float:
        return self.certificates / self.workers / self.seconds * 60 if self.seconds else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def render_after(counters: Counters, env: dict, log: Path, workers: int, timeout: float):
    """Render the queue with ``workers`` `pakta worker --burst` processes; waits until
    every signature has its certificate, the workers stopped, or ``timeout``."""
    _signatures, before = counters.counts()
    cpu_before, started = _children_cpu(), time.monotonic()
    processes = servers.rq_workers(workers, env, log)
    try:
        while time.monotonic() - started < timeout:
            signatures, certificates = counters.counts()
            if certificates >= signatures or all(p.poll() is not None for p in processes):
                break
            time.sleep(0.25)
        seconds = time.monotonic() - started
    finally:
        for process in processes:
            stop_process(process)  # and reaped: their CPU is in RUSAGE_CHILDREN from here
    return Rendering(workers, counters.counts()[1] - before, seconds, _children_cpu() - cpu_before)
