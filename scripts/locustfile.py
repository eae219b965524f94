"""Locust load profile for scripts/benchmark.py: owners having a whole conversation over REST.

Each simulated user is one owner (one ``sender`` id) who goes through a realistic Dutch intake,
answering every question, asking a knowledge question and "waarom?" on the way, asking for the
advice, and then starts a new conversation (a new sender). The next message goes out as soon as
the reply is in (closed loop, no think time), so the figures are the server's capacity.

``BENCH_SCRIPT=baseline`` plays the conversation of Rasa's own ``rasa init`` assistant (moodbot)
instead, so both bots get the same load shape. A reply counts as an error unless it is HTTP 200
with at least one bot message.

Run by scripts/benchmark.py with the locust of ``.venv-bench`` (scripts/benchmark.lock).
"""

from __future__ import annotations

import os
import uuid

from locust import HttpUser, constant, task

INTAKE = [
    "hoi",
    "we willen een cobot gaan gebruiken bij het inpakken van onderdelen",
    "we kunnen geen inpakkers meer vinden en het werk is zwaar voor de rug",
    "wat is een 4.0-teamleider?",
    "we zijn ons nog aan het orienteren",
    "waarom vraag je dat?",
    "ik beslis dat samen met mijn bedrijfsleider, de mensen horen het op het werkoverleg",
    "nog niet echt, we willen ze erbij halen als de leverancier is gekozen",
    "ze hoeven minder te tillen en gaan de cobot bijvullen en bewaken",
    "minder zwaar werk en ze leren programmeren",
    "we hebben al een jaar twee vacatures open en de meeste mensen zijn boven de 50",
    "de leverancier geeft een training van twee dagen",
    "nee, nog nergens gekeken",
    "nee",
    "geef me je advies",
]

BASELINE = ["hello", "I am sad", "yes", "great, thanks", "bye"]

SCRIPT = BASELINE if os.environ.get("BENCH_SCRIPT") == "baseline" else INTAKE


class Owner(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.new_conversation()

    def new_conversation(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex}"
        self.step = 0

    @task
    def say_next(self) -> None:
        text = SCRIPT[self.step]
        with self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            name="/webhooks/rest/webhook",
            catch_response=True,
            timeout=60,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
            else:
                try:
                    messages = resp.json()
                except ValueError:
                    messages = None
                if not messages:
                    resp.failure(f"no reply to {text!r}")
                else:
                    resp.success()
        self.step += 1
        if self.step == len(SCRIPT):
            self.new_conversation()
