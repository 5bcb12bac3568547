"""gunicorn's settings for one Pakta node: ``gunicorn --config deploy/gunicorn.conf.py wsgi:app``
from the code's folder (deploy/systemd/pakta.service does this).

The PAKTA_* settings come from the environment (deploy/pakta.env.example).
"""

import multiprocessing

# nginx reaches the node here over the private network; let nothing else reach this port.
bind = "0.0.0.0:8000"
# Sync workers, two per core: each waits on PostgreSQL and Redis part of the time
# (docs/capacity.md measured 4 on a 2-core node). nginx buffers slow clients for them.
workers = multiprocessing.cpu_count() * 2
worker_class = "sync"
# A request that takes longer (a stuck database) is ended and its worker replaced; nginx
# waits 75 s, so the node answers first.
timeout = 60
# On restart or reload, requests under way get this long to finish.
graceful_timeout = 30
# Workers are replaced now and then, so that a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
# To systemd's journal.
accesslog = "-"
errorlog = "-"
