"""Where does a message's time go in the Rasa server? ("profile first", issue 6)

Loads the trained model in-process with the project's endpoints, as the Rasa server does (the
project's speed-ups installed the way bot.channels.status installs them), and sends whole Dutch
intake conversations (the benchmark's script, scripts/locustfile.py) through Rasa's message
processor, with the real action server answering the custom actions over HTTP. Prints the time per
message and, with --profile, the functions that took the most time (cProfile; about twice as slow).

    .venv/bin/python -m rasa_sdk --actions actions --port 5055 &     # the action server first
    .venv/bin/python scripts/profile_messages.py --conversations 10
    .venv/bin/python scripts/profile_messages.py --conversations 8 --profile --top 40

Conversations are stored in a temporary SQLite file, not in data/db/. Figures: docs/figures.md.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LOG_LEVEL", "WARNING")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def intake_script() -> List[str]:
    """The INTAKE list of scripts/locustfile.py (read, not imported: Locust lives in .venv-bench)."""
    tree = ast.parse((ROOT / "scripts" / "locustfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "INTAKE":
            return list(ast.literal_eval(node.value))
    raise SystemExit("INTAKE not found in scripts/locustfile.py")


def endpoints_file(folder: Path) -> Path:
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    path = folder / "endpoints.yml"
    text = text.replace("data/db/conversations.db", str(folder / "conversations.db"))
    path.write_text(text, encoding="utf-8")
    return path


async def run(args: argparse.Namespace) -> None:
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # as bot.serve does
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings

    from bot import rasa_speedups, resilience

    configure_logging_and_warnings(logging.WARNING)
    resilience.install()
    rasa_speedups.install()
    script = intake_script()
    with tempfile.TemporaryDirectory() as tmp:
        endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file(Path(tmp))))
        agent = await load_agent(model_path=str(ROOT / args.model), endpoints=endpoints)

        async def conversation() -> None:
            sender = f"profile-{uuid.uuid4().hex}"
            for text in script:
                await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))

        await conversation()  # warm caches and connections
        profiler = cProfile.Profile() if args.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.conversations):
            await conversation()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
    messages = args.conversations * len(script)
    print(f"{messages} messages in {elapsed:.1f} s: {1000 * elapsed / messages:.1f} ms per message"
          + (" (under cProfile)" if profiler else ""))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--model", default="models/bot.tar.gz")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--top", type=int, default=40)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
