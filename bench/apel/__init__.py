"""The apel benchmark: the real signing flow against a floor of the same shape, limits on.

    .venv/bin/python -m bench.apel [--concurrency 50] [--duration 20] [--rounds 4]
                                   [--warmup 3] [--ramp 2] [--paced-rate 25] [--paced-duration 20]
                                   [--workers 4] [--employees 24000] [--render-after CORES]
                                   [--postgresql-url URL]

Run from the repository root. One run:

1. creates a temporary database on the PostgreSQL server of --postgresql-url (default
   PAKTA_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test) with a Pemda of
   --employees unsigned employees, an open campaign, everyone's personal link and the
   certificate keys, and starts a private redis-server (``data``);
2. serves the real app (``app``: production settings, its own rate limits kept in that
   Redis, certificates queued on it) and the floor (``floor``: a bare Flask app doing only
   what the flow must: look the link up, a CSRF form, Pillow checks the PNG, one INSERT and
   a commit, a 303 to a done page that reads the row) under the same gunicorn settings, on
   the same database; every request comes from 127.0.0.1, as from one office Wi-Fi
   (``servers``);
3. capacity: --concurrency closed-loop signers, the real app and the floor taking turns for
   --rounds rounds after a warm-up; each round counts the flows that end in its last
   --duration / --rounds seconds, after a --ramp in which every signer's first flow is
   under way (``phases``, ``client``);
4. paced: --paced-rate signers a second arrive at the real app for --paced-duration
   seconds, each one's latency measured from its scheduled arrival;
5. checks that every acknowledged signature is stored exactly once with the number shown,
   reads PostgreSQL's counters (row writes and bytes per signature, WAL), then renders the
   queued certificates with --render-after `pakta worker --burst` processes (no rendering
   on the web node during the rounds) and checks every signature got its certificate.

It prints the targets of issue 13, each passed or failed (``report``), and exits 0 unless
the run itself broke. The last line is one JSON object: signatures_per_s, floor_per_s,
capacity_ratio, paced_rate, paced_p50_ms, paced_p95_ms (whole flow from arrival),
paced_post_p95_ms, errors, acknowledged, stored, duplicates, missing, the database's
writes_per_signature, bytes_per_signature, wal_bytes_per_signature, the CPU per signature,
and certificates_per_worker_minute.
"""
