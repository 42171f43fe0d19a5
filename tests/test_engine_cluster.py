"""engine=ray on a cluster of two Ray nodes (``ray start --head`` and a second ``ray start --address``
on this machine): the job joins it with engine.address and gets the local verdicts."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ray", reason="engine=ray needs ray[data]: pip install -c constraints.txt -e '.[test]'")

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_nodes():
    """A head node and a worker node of one CPU each; yields (address, environment) and stops both."""
    import psutil

    ray_cli = shutil.which("ray") or pytest.skip("the `ray` command is not on PATH")
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths live under it
    port = free_port()
    # A fresh token for this cluster: its nodes and the job must all present it.
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    address = f"127.0.0.1:{port}"
    try:
        subprocess.run([ray_cli, "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                        "--disable-usage-stats", f"--temp-dir={temp}"], env=env, check=True, capture_output=True,
                       timeout=120)
        subprocess.run([ray_cli, "start", f"--address={address}", "--num-cpus=1"], env=env, check=True,
                       capture_output=True, timeout=120)
        yield address, env
    finally:
        ours = [proc for proc in psutil.process_iter(["cmdline"])
                if temp in " ".join(proc.info["cmdline"] or []) or f":{port}" in " ".join(proc.info["cmdline"] or [])]
        for proc in ours + [child for proc in ours for child in _children(proc)]:
            try:
                proc.kill()
            except psutil.Error:
                pass
        shutil.rmtree(temp, ignore_errors=True)


def _children(proc) -> list:
    import psutil

    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def test_a_day_scored_on_two_ray_nodes_gets_the_local_verdicts(two_nodes, tmp_path) -> None:
    address, env = two_nodes
    common = ["index.flat_max=2000", "demo.users=150"]
    script = str(ROOT / "scripts" / "score.py")
    # One CPU a node and two shards (two model actors) of one CPU each: the work must use both nodes.
    on_ray = subprocess.run([sys.executable, script, f"output.dir={tmp_path / 'ray'}", "engine=ray",
                             f"engine.address={address}", "engine.search_shards=2", "engine.embed_actors=2",
                             *common], env=env, capture_output=True, text=True, timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr[-2000:]
    local = subprocess.run([sys.executable, script, f"output.dir={tmp_path / 'local'}", *common],
                           capture_output=True, text=True, timeout=600)
    assert local.returncode == 0, local.stderr[-2000:]
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    assert summary["engine"] == {"name": "ray", "address": address, "nodes": 2, "cpus": 2}
    got = pd.read_parquet(tmp_path / "ray" / "accounts.parquet").set_index("account_id")
    want = pd.read_parquet(tmp_path / "local" / "accounts.parquet").set_index("account_id")
    got = got.loc[want.index]
    assert got["flagged"].tolist() == want["flagged"].tolist() and want["flagged"].sum() >= 10
    assert np.abs(got["score"] - want["score"]).max() <= 0.01
    assert got["campaign_id"].fillna("").tolist() == want["campaign_id"].fillna("").tolist()


def test_an_address_where_no_cluster_listens_fails_at_once_naming_the_key(shipped) -> None:
    from engine import EngineOptions, open_engine

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ValueError) as caught:
        open_engine(EngineOptions(name="ray", address=f"127.0.0.1:{port}"), embedder=shipped.embedder)
    message = str(caught.value)
    assert f"engine.address=127.0.0.1:{port}" in message and "ray start --head" in message and "\n" not in message
