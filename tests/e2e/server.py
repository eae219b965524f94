"""Start the real action server and Rasa server on free loopback ports, for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests

from bot import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
MODEL = PROJECT_ROOT / "models" / "bot.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_endpoints(path: Path, action_port: int, db_path: Path) -> Path:
    """The tracker store as in endpoints.yml: SQL on SQLite that deletes a conversation on request."""
    path.write_text(
        "action_endpoint:\n"
        f'  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n"
        "  type: bot.tracker_store.PrivacySQLTrackerStore\n"
        '  dialect: "sqlite"\n'
        f'  db: "{db_path}"\n',
        encoding="utf-8",
    )
    return path


@dataclass
class BotServer:
    """Action server + Rasa server (REST channel, token-protected HTTP API) in a work folder."""

    workdir: Path
    db_path: Path | None = None
    action_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    env: Dict[str, str] = field(default_factory=dict)
    extra_args: List[str] = field(default_factory=list)  # more `rasa run` flags, e.g. ["--cors", origin]
    _procs: List[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self, timeout: float = 240.0, with_actions: bool = True) -> BotServer:
        if not MODEL.is_file():
            raise RuntimeError(f"No trained model at {MODEL}: run scripts/test.sh (it trains first).")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.db_path or self.workdir / "conversations.db"
        endpoints = write_endpoints(self.workdir / "endpoints.yml", self.action_port, self.db_path)
        env = {
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SANIC_HOST": "127.0.0.1",
            "BOT_REPORT_SECRET": os.environ.get("BOT_REPORT_SECRET") or self.token,
            "BOT_PUBLIC_URL": self.url,
            **self.env,
        }
        if with_actions:
            self.start_actions(env)
        rasa_cmd = [
            str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"), "--interface", "127.0.0.1",
            "--port", str(self.rasa_port), "--enable-api", "--auth-token", self.token, *self.extra_args,
        ]
        log = open(self.workdir / f"rasa-{self.rasa_port}.log", "ab")
        self._procs.append(subprocess.Popen(rasa_cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log))
        self.wait_ready(timeout)
        return self

    def start_actions(self, env: Dict[str, str] | None = None) -> subprocess.Popen:
        env = env or {**os.environ, "SANIC_HOST": "127.0.0.1", **self.env}
        log = open(self.workdir / f"actions-{self.action_port}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log,
        )
        self._procs.append(proc)
        return proc

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self._procs):
                raise RuntimeError(f"A server exited early; logs:\n{self.logs()}")
            try:
                if requests.get(f"{self.url}/webhooks/status/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Server not ready after {timeout} s; logs:\n{self.logs()}")

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(p.read_text(errors="replace")[-tail:] for p in sorted(self.workdir.glob("*.log")))

    def say(self, sender: str, message: str, timeout: float = 30) -> List[dict]:
        """Send one message through the REST channel; return the bot's messages."""
        resp = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=timeout,
        )
        resp.raise_for_status()
        return resp.json()

    def texts(self, sender: str, message: str) -> List[str]:
        return [m.get("text", "") for m in self.say(sender, message)]

    def tracker(self, sender: str, include_events: str = "AFTER_RESTART") -> dict:
        resp = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.token, "include_events": include_events},
            timeout=10,
        )
        resp.raise_for_status()
        return resp.json()

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()
