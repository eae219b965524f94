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

from bot import PROJECT_ROOT, retention

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
    notices: Dict[str, int] = field(default_factory=dict)  # privacy notices seen (and removed) per sender
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
            str(VENV_BIN / "python"), "-m", "bot.serve", "run",  # = rasa run, without JAX
            "--model", str(MODEL), "--endpoints", str(endpoints),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"), "--interface", "127.0.0.1",
            "--port", str(self.rasa_port), "--enable-api", "--auth-token", self.token, *self.extra_args,
        ]
        log = open(self.workdir / f"rasa-{self.rasa_port}.log", "ab")
        self._procs.append(subprocess.Popen(rasa_cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log))
        self.wait_ready(timeout)
        if with_actions:
            # the action server builds the knowledge base's classifiers before it listens; a test that
            # talks to the bot before that gets the apology for an unreachable action server
            self.wait_actions(timeout)
        return self

    def start_actions(self, env: Dict[str, str] | None = None) -> subprocess.Popen:
        env = env or {**os.environ, "SANIC_HOST": "127.0.0.1", **self.env}
        log = open(self.workdir / f"actions-{self.action_port}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log,
        )
        self._procs.append(proc)
        self._actions = proc
        return proc

    def stop_actions(self) -> None:
        """Stop the action server only (the Rasa server goes on), e.g. to test an outage."""
        proc = getattr(self, "_actions", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)

    def wait_actions(self, timeout: float = 120) -> None:
        """Until the action server answers its health check."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"Action server not ready after {timeout} s; logs:\n{self.logs()}")

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

    @property
    def privacy_notice(self) -> str:
        """The notice this server starts each session with (its BOT_RETENTION_DAYS)."""
        return retention.privacy_notice(retention.retention_days({**os.environ, **self.env}))

    def say(
        self, sender: str, message: str | None, timeout: float = 30, keep_notice: bool = False
    ) -> List[dict]:
        """Send one message through the REST channel; return the bot's messages.

        A session starts with the privacy notice: first in the reply to a new conversation's first
        message, last in the reply to a restart (the new session starts at once). Unless
        ``keep_notice``, it is counted in ``notices`` and left out, so tests read the answer itself;
        a notice anywhere else, or twice, fails.
        """
        resp = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=timeout,
        )
        resp.raise_for_status()
        replies = resp.json()
        if keep_notice:
            return replies
        texts = [m.get("text") for m in replies]
        if texts.count(self.privacy_notice) == 1 and self.privacy_notice in (texts[0], texts[-1]):
            self.notices[sender] = self.notices.get(sender, 0) + 1
            return [m for m in replies if m.get("text") != self.privacy_notice]
        assert self.privacy_notice not in texts, f"privacy notice in the middle of a reply, or twice: {texts}"
        return replies

    def texts(self, sender: str, message: str | None, keep_notice: bool = False) -> List[str]:
        return [m.get("text", "") for m in self.say(sender, message, keep_notice=keep_notice)]

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
