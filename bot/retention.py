"""How long the bot keeps conversations, the notice that says so, and the clean-up command.

Light on purpose (no Rasa import): the action server uses it too.

Retention comes from the environment variable ``BOT_RETENTION_DAYS`` (default 30): a conversation
whose newest event is older than that is removed by::

    python -m bot.retention [--days N] [--endpoints endpoints.yml] [--dry-run]

Run it daily (cron, a systemd timer) from the project folder; it uses the tracker store of the
endpoints file (SQLite or PostgreSQL, ``type: bot.tracker_store.PrivacySQLTrackerStore`` or ``SQL``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Mapping, Optional

DEFAULT_RETENTION_DAYS = 30
RETENTION_ENV = "BOT_RETENTION_DAYS"
#: The action that confirms "verwijder mijn gegevens" and the slot it sets as its marker; the
#: tracker store (bot/tracker_store.py) deletes the conversation when it sees both in the newest turn.
DELETE_ACTION = "action_delete_data"
DELETED_SLOT = "privacy_data_deleted"


def retention_days(env: Optional[Mapping[str, str]] = None) -> int:
    """``BOT_RETENTION_DAYS`` as a whole number of days (at least 1); default 30."""
    raw = (os.environ if env is None else env).get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{RETENTION_ENV}={raw!r}: verwacht een heel aantal dagen, bijv. 30") from None
    if days < 1:
        raise ValueError(f"{RETENTION_ENV}={raw!r}: minstens 1 dag")
    return days


def privacy_notice(days: Optional[int] = None) -> str:
    """The short notice the bot gives at the start of a conversation (Dutch, for the owner)."""
    days = retention_days() if days is None else days
    period = "1 dag" if days == 1 else f"{days} dagen"
    return (
        "Goed om te weten: ik bewaar dit gesprek (je berichten, mijn antwoorden en mijn inschatting) "
        f"om je te adviseren en er een verslag van te maken. Na {period} zonder nieuw bericht wis ik "
        "het. Eerder wissen? Typ \"verwijder mijn gegevens\"."
    )


def _load_store(endpoints: Path):
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    from bot.tracker_store import sql_store

    if not endpoints.is_file():
        raise FileNotFoundError(f"{endpoints}: endpoints-bestand niet gevonden")
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise ValueError(f"{endpoints}: geen tracker_store ingesteld")
    return sql_store(TrackerStore.create(config))


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def run(days: int, endpoints: Path, dry_run: bool = False, now: Optional[float] = None) -> List[str]:
    """Remove (or with ``dry_run`` only list) expired conversations; the lines to print."""
    from bot.tracker_store import delete_expired, expired_conversations

    store = _load_store(endpoints)
    cutoff = (time.time() if now is None else now) - days * 86400
    expired = expired_conversations(store, cutoff)
    period = "1 dag" if days == 1 else f"{days} dagen"
    lines = [f"Bewaartermijn {period}: gesprekken zonder bericht sinds {_when(cutoff)}."]
    if dry_run:
        lines += [f"- {sender} (laatste bericht {_when(newest)})" for sender, newest in expired]
        lines.append(f"Proefdraai: {len(expired)} gesprek(ken) zou(den) verwijderd worden; niets gewist.")
        return lines
    conversations, rows = delete_expired(store, cutoff)
    lines.append(f"{conversations} gesprek(ken) verwijderd ({rows} opgeslagen gebeurtenissen).")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.retention",
        description="Verwijder gesprekken waarvan het laatste bericht ouder is dan de bewaartermijn.",
    )
    parser.add_argument(
        "--days", type=int, default=None, help=f"bewaartermijn in dagen (standaard ${RETENTION_ENV} of 30)"
    )
    parser.add_argument("--endpoints", default=os.environ.get("BOT_ENDPOINTS", "endpoints.yml"))
    parser.add_argument("--dry-run", action="store_true", help="alleen tonen wat er weg zou gaan")
    args = parser.parse_args(argv)
    try:
        days = retention_days() if args.days is None else args.days
        if days < 1:
            raise ValueError("--days: minstens 1 dag")
        lines = run(days, Path(args.endpoints), dry_run=args.dry_run)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
