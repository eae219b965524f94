"""Privacy and the report through the REST channel against the real servers.

"verwijder mijn gegevens" -> confirmation -> the tracker store (SQLite, read directly) has no row of
that conversation left, other conversations keep theirs; the report link the bot gives opens with
its token, and gives 403 without it or with another conversation's token.

Uses its own BotServer (the report secret and the public URL must be set for both processes).
``BOT_E2E_MODEL=/path/model.tar.gz`` runs it against another model than models/bot.tar.gz.
"""

import json
import os
import re
import secrets
import sqlite3
from pathlib import Path
from typing import Iterator, List
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from tests.e2e import server as server_module
from tests.e2e.server import BotServer

LINK = re.compile(r"(https?://\S+/webhooks/report/[^\s?]+\?token=[0-9a-f]+)")


@pytest.fixture(scope="module")
def bot(tmp_path_factory) -> Iterator[BotServer]:
    with pytest.MonkeyPatch.context() as patch:
        if os.environ.get("BOT_E2E_MODEL"):
            patch.setattr(server_module, "MODEL", Path(os.environ["BOT_E2E_MODEL"]))
        server = BotServer(workdir=tmp_path_factory.mktemp("privacy"))
        server.env.update({"BOT_REPORT_SECRET": secrets.token_hex(16), "BOT_PUBLIC_URL": server.url})
        try:
            server.start()
            yield server
        finally:
            server.stop()


def rows(bot: BotServer, sender: str) -> int:
    with sqlite3.connect(bot.db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def user_texts(bot: BotServer, sender: str) -> List[str]:
    with sqlite3.connect(bot.db_path) as conn:
        found = conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in found]


def report_link(bot: BotServer, sender: str, message: str = "maak een verslag") -> str:
    texts = bot.texts(sender, message)
    links = [m.group(1) for t in texts for m in [LINK.search(t)] if m]
    assert links, f"no report link in {texts}"
    return links[0]


def test_delete_after_confirmation_leaves_no_rows(bot, responses):
    sender, other = "wis-1", "blijft-1"
    bot.texts(other, "hoi")
    bot.texts(sender, "hoi")
    bot.texts(sender, "we willen een cobot bij het inpakken")  # starts the intake
    link = report_link(bot, sender)
    assert requests.get(link, timeout=30).status_code == 200
    assert rows(bot, sender) > 0 and rows(bot, other) > 0
    kept_other = rows(bot, other)

    asked = bot.say(sender, "verwijder mijn gegevens")
    assert [m.get("text") for m in asked] == responses["utter_ask_delete_data"]
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert rows(bot, sender) > 0  # nothing deleted before the confirmation

    done = bot.texts(sender, "ja")
    assert any(t.startswith("Klaar: ik heb dit gesprek gewist") for t in done), done
    assert rows(bot, sender) == 0
    assert rows(bot, other) == kept_other
    assert requests.get(link, timeout=30).status_code == 404  # no conversation, no report

    # talking again starts an empty conversation; what was said before does not come back
    bot.texts(sender, "hoi")
    assert user_texts(bot, sender) == ["hoi"]


def test_delete_cancelled_keeps_everything(bot, responses):
    sender = "bewaar-1"
    bot.texts(sender, "hoi")
    before = rows(bot, sender)
    bot.texts(sender, "wis mijn data")
    assert bot.texts(sender, "nee") == responses["utter_delete_cancelled"]
    assert rows(bot, sender) > before
    assert user_texts(bot, sender) == ["hoi", "wis mijn data", "nee"]


def test_report_link_needs_its_token(bot):
    sender = "verslag 1/a"  # the id travels percent-encoded in the link
    bot.texts(sender, "hoi")
    bot.texts(sender, "we willen een cobot bij het inpakken")
    link = report_link(bot, sender, "kan ik een rapport krijgen")
    assert link.startswith(f"{bot.url}/webhooks/report/{quote(sender, safe='')}?token=")

    page = requests.get(link, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Verslag: nieuwe techniek invoeren" in page.text
    assert "we willen een cobot bij het inpakken" in page.text
    assert "Gespreksverslag" in page.text

    markdown = requests.get(link + "&format=md", timeout=30)
    assert markdown.status_code == 200 and markdown.headers["Content-Type"].startswith("text/markdown")
    assert markdown.text.startswith("# Verslag: nieuwe techniek invoeren")

    bare = link.split("?")[0]
    assert requests.get(bare, timeout=30).status_code == 403
    assert requests.get(bare + "?token=", timeout=30).status_code == 403
    other_token = parse_qs(urlsplit(report_link(bot, "verslag-2")).query)["token"][0]
    assert requests.get(f"{bare}?token={other_token}", timeout=30).status_code == 403
    own = requests.get(f"{bot.url}/webhooks/report/verslag-2?token={other_token}", timeout=30)
    assert own.status_code == 200


INTAKE_ANSWERS = {  # per question (slot), what an owner answers
    "technologie": "we willen een cobot gaan gebruiken bij het inpakken van onderdelen",
    "motief": "we kunnen geen inpakkers meer vinden en het werk is zwaar voor de rug",
    "fase": "we zijn ons nog aan het orienteren",
    "besluitvorming": "ik beslis dat samen met mijn bedrijfsleider, de mensen horen het op het werkoverleg",
    "betrokkenheid": "nog niet, we willen ze erbij halen als de leverancier is gekozen",
    "verandering_werk": "ze hoeven minder te tillen en gaan de cobot bijvullen en bewaken",
    "meerwaarde_medewerkers": "minder zwaar werk en ze leren programmeren",
    "arbeidsmarkt": "we hebben al een jaar twee vacatures open en de meeste mensen zijn boven de 50",
    "leren": "de leverancier geeft een training van twee dagen",
    "rondkijken": "nee, nog nergens gekeken",
    "kennispartners": "nee, we werken niet samen met een hogeschool",
}


def test_end_of_the_intake_offers_the_report_and_ja_gives_the_link(bot, responses):
    """A whole intake, each question answered as asked; at the end "Wil je een verslag?"; "ja" -> link."""
    from bot.intake import QUESTIONS

    by_question = {QUESTIONS[slot].question: answer for slot, answer in INTAKE_ANSWERS.items()}
    sender = "intake-verslag"
    offer = responses["utter_offer_report"]
    said = bot.texts(sender, INTAKE_ANSWERS["technologie"])
    for _ in range(2 * len(INTAKE_ANSWERS)):
        if any(t in offer for t in said):
            break
        asked = [t for t in said if t in by_question]
        assert asked, f"neither a question nor the offer: {said}"
        said = bot.texts(sender, by_question[asked[-1]])
    assert said and said[-1] in offer, f"no report offer after the intake: {said}"
    assert bot.tracker(sender)["slots"]["intake_complete"] is True
    link = report_link(bot, sender, "ja")
    page = requests.get(link, timeout=30)
    assert page.status_code == 200
    assert "we kunnen geen inpakkers meer vinden" in page.text  # the owner's own words
    assert "Bron" in page.text  # advice with its sources
