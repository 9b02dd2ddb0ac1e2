"""prometheus-client's multiprocess mode under gunicorn: each worker writes its samples to
``PROMETHEUS_MULTIPROC_DIR``; ``/metrics`` adds them up, whichever worker answers."""

from __future__ import annotations

import os
from pathlib import Path


def clear_dir(path: str) -> None:
    """Samples of a previous run would be added to this one's."""
    Path(path).mkdir(parents=True, exist_ok=True)
    for stale in Path(path).glob("*.db"):
        stale.unlink()


def worker_exited(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
