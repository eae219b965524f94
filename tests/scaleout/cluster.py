"""A scale-out bot on one machine: PostgreSQL, Redis, nginx, one action server, N Rasa replicas.

Everything runs from Debian's packages (scripts/install_scaleout_deps.sh) on 127.0.0.1, on free ports,
in one temp folder, and every process is started in its own process group so that `stop()` can end it
and whatever it spawned. The Rasa replicas run the repo's `endpoints.scale.yml` (PostgreSQL tracker
store, Redis lock store) with the trained model `models/bot.tar.gz`: the configuration under test is
exactly the one that is shipped. Used by tests/scaleout/test_replicas.py and scripts/bench_replicas.py.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import requests

from bot import PROJECT_ROOT
from tests.e2e.server import MODEL, VENV_BIN, free_port

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_scaleout_deps.sh"
SCALE_ENDPOINTS = PROJECT_ROOT / "endpoints.scale.yml"
NGINX_TEMPLATE = HERE / "nginx.conf.template"


class ClusterError(RuntimeError):
    pass


# --------------------------------------------------------------------------- binaries


def pg_bindir() -> Optional[Path]:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl (Debian's layout)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for bindir in reversed(found):
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    return None


def which(name: str, *extra: str) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    return next((p for p in extra if os.access(p, os.X_OK)), None)


def missing_binaries() -> List[str]:
    missing = []
    if pg_bindir() is None:
        missing.append("postgresql (initdb, pg_ctl)")
    if which("redis-server", "/usr/bin/redis-server") is None:
        missing.append("redis-server")
    if which("nginx", "/usr/sbin/nginx") is None:
        missing.append("nginx")
    return missing


def ensure_binaries(timeout: float = 600) -> Optional[str]:
    """Install the Debian packages when missing. Returns None when all is there, else the reason."""
    if not missing_binaries():
        return None
    try:
        result = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{INSTALL_SCRIPT.name} failed: {exc}"
    still = missing_binaries()
    if still:
        tail = (result.stderr or result.stdout)[-600:]
        return f"Debian packages not installable ({', '.join(still)} missing): {tail}"
    return None


# --------------------------------------------------------------------------- processes


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # a server that is not up yet refuses, resets or times out
            pass
        time.sleep(interval)
    raise ClusterError(f"{what}: not ready after {timeout:.0f} s")


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the process that started it dies (e.g. a killed pytest)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class Proc:
    """A child process in its own process group, with its output in a log file."""

    name: str
    cmd: Sequence[str]
    log: Path
    env: Optional[Dict[str, str]] = None
    cwd: Optional[Path] = None
    popen: Optional[subprocess.Popen] = None

    def start(self) -> Proc:
        out = open(self.log, "ab")
        try:
            self.popen = subprocess.Popen(
                list(self.cmd), cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
            )
        finally:
            out.close()
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # whatever is left in the group (children), and the leader if it ignored the signal
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


# --------------------------------------------------------------------------- PostgreSQL


def _pg_user() -> Optional[str]:
    """postgres refuses to run as root: as root, run it as the Debian package's `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "mkbscaleout"],
            check=False, capture_output=True,
        )
        pwd.getpwnam("mkbscaleout")
        return "mkbscaleout"


@dataclass
class Postgres:
    workdir: Path
    port: int = field(default_factory=free_port)
    db: str = "rasa"
    user: str = "rasa"
    password: str = field(default_factory=lambda: secrets.token_hex(12))

    def __post_init__(self) -> None:
        self.bindir = pg_bindir()
        self.home = self.workdir / "postgres"
        self.data = self.home / "data"
        self.socket_dir = self.home / "socket"
        self.log = self.home / "postgres.log"
        self.os_user = _pg_user()

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.home)
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {result.stderr[-1500:]}\n{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def start(self) -> Postgres:
        if self.bindir is None:
            raise ClusterError("PostgreSQL binaries not found")
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.os_user:
            shutil.chown(self.home, self.os_user)
            shutil.chown(self.socket_dir, self.os_user)
        pwfile = self.home / "pw"
        pwfile.write_text(secrets.token_hex(16) + "\n")  # superuser: only used over the local socket
        if self.os_user:
            shutil.chown(pwfile, self.os_user)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile),
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\nmax_connections = 100\n"
                "shared_buffers = 32MB\n"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.sql(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
        self.sql(f"CREATE DATABASE {self.db} OWNER {self.user}")
        return self

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every open connection is cut, as on a real restart."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60",
                  "restart")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop", timeout=60)
        except (ClusterError, subprocess.TimeoutExpired):
            self._kill_postmaster()

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
        except (OSError, ValueError, IndexError):
            pass

    def connect(self, dbname: Optional[str] = None):
        """A superuser connection over the Unix socket in the temp folder."""
        import psycopg2

        return psycopg2.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=dbname or "postgres",
            connect_timeout=5,
        )

    def sql(self, statement: str, dbname: Optional[str] = None) -> List[tuple]:
        conn = self.connect(dbname)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statement)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()


# --------------------------------------------------------------------------- Redis


@dataclass
class Redis:
    workdir: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    db: int = 0

    def start(self) -> Redis:
        home = self.workdir / "redis"
        home.mkdir(parents=True, exist_ok=True)
        conf = home / "redis.conf"
        conf.write_text(
            f"bind 127.0.0.1\nport {self.port}\nprotected-mode yes\ndaemonize no\n"
            f"dir {home}\nlogfile {home / 'redis.log'}\npidfile {home / 'redis.pid'}\n"
            f'save ""\nappendonly no\nrequirepass {self.password}\n',
            encoding="utf-8",
        )
        conf.chmod(0o600)
        binary = which("redis-server", "/usr/bin/redis-server")
        self.proc = Proc("redis", [binary, str(conf)], home / "stdout.log").start()
        wait_until(lambda: self.client().ping(), 30, "redis")
        return self

    def client(self):
        import redis

        return redis.StrictRedis(
            host="127.0.0.1", port=self.port, password=self.password, db=self.db, socket_timeout=5
        )

    def stop(self) -> None:
        if getattr(self, "proc", None):
            self.proc.stop()


# --------------------------------------------------------------------------- nginx


@dataclass
class Nginx:
    workdir: Path
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.home = self.workdir / "nginx"
        self.proc: Optional[Proc] = None

    def start(self, rasa_ports: Sequence[int], fail_timeout: int = 30) -> Nginx:
        self.stop()
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o777)  # the workers may run as `nobody` (nginx started by root)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.home / sub).mkdir(exist_ok=True)
            (self.home / sub).chmod(0o777)
        rest = "\n        ".join(
            f"server 127.0.0.1:{p} max_fails=1 fail_timeout={fail_timeout}s;" for p in rasa_ports
        )
        sio = "\n        ".join(f"server 127.0.0.1:{p};" for p in rasa_ports)
        text = (
            NGINX_TEMPLATE.read_text(encoding="utf-8")
            .replace("@@DIR@@", str(self.home))
            .replace("@@PORT@@", str(self.port))
            .replace("@@REST_SERVERS@@", rest)
            .replace("@@SOCKETIO_SERVERS@@", sio)
        )
        conf = self.home / "nginx.conf"
        conf.write_text(text, encoding="utf-8")
        binary = which("nginx", "/usr/sbin/nginx")
        check = subprocess.run(
            [binary, "-t", "-q", "-p", str(self.home), "-e", str(self.home / "error.log"), "-c", str(conf)],
            capture_output=True, text=True, timeout=30,
        )
        if check.returncode != 0:
            raise ClusterError(f"nginx -t: {check.stderr}")
        self.proc = Proc(
            "nginx", [binary, "-p", str(self.home), "-e", str(self.home / "error.log"), "-c", str(conf)],
            self.home / "stdout.log",
        ).start()
        wait_until(lambda: requests.get(f"{self.url}/webhooks/status/", timeout=5).ok, 60, "nginx")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> List[str]:
        path = self.home / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(signal.SIGQUIT)  # graceful for nginx
            self.proc = None


# --------------------------------------------------------------------------- Rasa


@dataclass
class RasaReplica:
    name: str
    workdir: Path
    env: Dict[str, str]
    credentials: Path
    token: str
    model: Path = MODEL
    port: int = field(default_factory=free_port)
    proc: Optional[Proc] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> RasaReplica:
        cmd = [
            str(VENV_BIN / "python"), "-m", "bot.serve", "run",  # = rasa run, without JAX
            "--model", str(self.model), "--endpoints", str(SCALE_ENDPOINTS),
            "--credentials", str(self.credentials), "--interface", "127.0.0.1", "--port", str(self.port),
            "--enable-api", "--auth-token", self.token,
        ]
        self.proc = Proc(self.name, cmd, self.workdir / f"{self.name}.log", env=self.env,
                         cwd=PROJECT_ROOT).start()
        return self

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc or not self.proc.alive:
                raise ClusterError(f"{self.name} exited early:\n{self.proc.tail() if self.proc else ''}")
            try:
                if requests.get(f"{self.url}/webhooks/status/", timeout=3).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise ClusterError(f"{self.name} not ready after {timeout:.0f} s:\n{self.proc.tail()}")

    @property
    def alive(self) -> bool:
        return bool(self.proc and self.proc.alive)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc:
            self.proc.stop(sig)


def scale_env(pg: Postgres, redis_: Redis, action_url: str) -> Dict[str, str]:
    """The environment variables `endpoints.scale.yml` needs (docs/deploy.md lists them)."""
    return {
        "BOT_ACTION_URL": action_url,
        "BOT_PG_HOST": "127.0.0.1",
        "BOT_PG_PORT": str(pg.port),
        "BOT_PG_DB": pg.db,
        "BOT_PG_USER": pg.user,
        "BOT_PG_PASSWORD": pg.password,
        "BOT_REDIS_HOST": "127.0.0.1",
        "BOT_REDIS_PORT": str(redis_.port),
        "BOT_REDIS_DB": str(redis_.db),
        "BOT_REDIS_PASSWORD": redis_.password,
    }


@dataclass
class Cluster:
    """PostgreSQL + Redis + action server + `replicas` Rasa servers + nginx round robin."""

    replicas: int = 2
    workdir: Optional[Path] = None
    keep: bool = False
    model: Optional[Path] = None
    token: str = field(default_factory=lambda: secrets.token_hex(16))

    def __post_init__(self) -> None:
        self.model = Path(self.model or MODEL)
        self._own_dir = self.workdir is None
        if self.workdir is None:
            # not under pytest's 0700 tmp: the postgres user must reach its folder
            self.workdir = Path(tempfile.mkdtemp(prefix="mkb-scaleout-", dir="/tmp"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)
        self.pg = Postgres(self.workdir)
        self.redis = Redis(self.workdir)
        self.nginx = Nginx(self.workdir)
        self.action_port = free_port()
        self.report_secret = secrets.token_hex(16)
        self.actions: Optional[Proc] = None
        self.rasa: List[RasaReplica] = []

    # ---- lifecycle

    def base_env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_PG_", "BOT_REDIS_"))}
        env.update(
            TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", SQLALCHEMY_SILENCE_UBER_WARNING="1",
            RASA_TELEMETRY_ENABLED="false", SANIC_HOST="127.0.0.1",
            # Rasa's defaults (50 + 100 per replica) would exceed PostgreSQL's max_connections
            SQL_POOL_SIZE="5", SQL_MAX_OVERFLOW="10",
            # report links (bot/report.py) must verify on every replica and the action server
            BOT_REPORT_SECRET=self.report_secret,
        )
        env.update(scale_env(self.pg, self.redis, f"http://127.0.0.1:{self.action_port}/webhook"))
        return env

    def start(self, timeout: float = 420) -> Cluster:
        if not self.model.is_file():
            raise ClusterError(f"No trained model at {self.model}: run scripts/test.sh (it trains first).")
        try:
            self.pg.start()
            self.redis.start()
            self.actions = Proc(
                "actions",
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
                self.workdir / "actions.log", env=self.base_env(), cwd=PROJECT_ROOT,
            ).start()
            creds = PROJECT_ROOT / "credentials.yml"  # as shipped: REST, status, socket.io web chat...
            for i in range(self.replicas):
                replica = RasaReplica(f"rasa-{chr(ord('a') + i)}", self.workdir, self.base_env(), creds,
                                      self.token, self.model)
                self.rasa.append(replica.launch())
            for replica in self.rasa:
                replica.wait_ready(timeout)
            wait_until(
                lambda: requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=3).ok,
                120, "action server",
            )
            self.nginx.start([r.port for r in self.rasa])
        except BaseException:
            self.stop()
            raise
        return self

    def restart_replica(self, replica: RasaReplica, timeout: float = 300) -> None:
        replica.stop()
        replica.launch().wait_ready(timeout)

    def stop(self) -> None:
        """Stop everything (each step even if one before failed), then remove the temp folder."""
        steps = [self.nginx.stop, *(r.stop for r in self.rasa)]
        steps += [self.actions.stop] if self.actions else []
        steps += [self.redis.stop, self.pg.stop]
        for step in steps:
            try:
                step()
            except Exception as exc:  # keep stopping the rest
                print(f"scale-out cleanup: {exc}", file=sys.stderr)
        if self._own_dir and not self.keep:
            for _ in range(3):
                shutil.rmtree(self.workdir, ignore_errors=True)
                if not self.workdir.exists():
                    break
                time.sleep(1)

    def logs(self, chars: int = 2500) -> str:
        parts = []
        for path in sorted(self.workdir.rglob("*.log")):
            try:
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
            except OSError:
                pass
        return "\n".join(parts)

    # ---- clients

    @staticmethod
    def say(base_url: str, sender: str, text: str, timeout: float = 60, sticky: bool = False) -> List[dict]:
        """One message over the REST channel. `sticky`: add ?sender= so nginx routes by conversation."""
        resp = requests.post(
            f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
            params={"sender": sender} if sticky else None, timeout=timeout,
        )
        resp.raise_for_status()
        return resp.json()

    def tracker(self, base_url: str, sender: str, timeout: float = 30) -> dict:
        resp = requests.get(
            f"{base_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=timeout
        )
        resp.raise_for_status()
        return resp.json()

    def pg_events(self, sender: str) -> List[str]:
        """Event types of `sender` straight from PostgreSQL (Rasa's `events` table)."""
        rows = self.pg.sql(
            f"SELECT type_name FROM events WHERE sender_id = '{sender}' ORDER BY id", dbname=self.pg.db
        )
        return [r[0] for r in rows]
