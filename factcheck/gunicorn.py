"""gunicorn settings for the web tier: `gunicorn -c python:factcheck.gunicorn factcheck.wsgi ...`
(Dockerfile, docker-compose.yml, bench/queue.py). Workers, bind address and logs stay on the command line.

Each worker loads the project itself (no `--preload`: a worker that crashes takes nothing with it), then
`post_worker_init` finishes what the first requests would otherwise do and freezes the heap:

- It imports the URLconf and with it every view, serializer and form module, which Django does lazily on
  the first request, so no reviewer's request waits for those imports.
- `gc.freeze()` moves everything loaded so far (about 140,000 objects) out of the cyclic garbage
  collector's reach: its full collections then walk only what requests create, instead of the whole
  Django heap each time (bench/queue_cpu.py: garbage collection fell from 0.20 to 0.13 ms of CPU per
  next + submit cycle). Frozen objects are still freed by reference counting; only cycles among them
  wait for the worker to exit, and they are the project's own modules and settings.
"""

from __future__ import annotations

import gc
from typing import Any


def warm_up() -> None:
    """Import what the first request would, then freeze the heap (see the module docstring)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every module it names)
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    warm_up()
