"""One scale-out cluster (PostgreSQL, Redis, nginx, action server, two Rasa replicas) per test module.

The Debian packages are installed by scripts/install_scaleout_deps.sh when missing; only when that
fails are the tests skipped (with the reason). SCALEOUT_MODEL=/path/to/model.tar.gz runs the replicas on
another model than models/bot.tar.gz; SCALEOUT_KEEP=1 keeps the temp folder with all logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.scaleout.cluster import Cluster, ensure_binaries


@pytest.fixture(scope="module")
def cluster(request) -> Iterator[Cluster]:
    reason = ensure_binaries()
    if reason:
        pytest.skip(f"scale-out servers unavailable: {reason}")
    model = os.environ.get("SCALEOUT_MODEL")
    built = Cluster(replicas=2, keep=bool(os.environ.get("SCALEOUT_KEEP")),
                    model=Path(model) if model else None)
    request.addfinalizer(built.stop)  # registered before start: a failed start is cleaned up too
    built.start()
    yield built


@pytest.fixture
def full_cluster(cluster: Cluster) -> Cluster:
    """The cluster with every replica running (a test before may have stopped one)."""
    restarted = False
    for replica in cluster.rasa:
        if not replica.alive:
            cluster.restart_replica(replica)
            restarted = True
    if restarted:  # a fresh nginx: no replica still marked as failed
        cluster.nginx.start([r.port for r in cluster.rasa])
    return cluster
