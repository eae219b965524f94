"""The website chat in a real browser (headless Chromium via Playwright), against the real bot.

A person opens http://<bot>/webhooks/web/, chats in Dutch, clicks a quick-reply button, asks a knowledge
question and sees its source on a line of its own, reloads and goes on with the same conversation; on a
desktop and on a phone-sized screen. The embed snippet of docs/webchat.md works on an allowed website
and not on another one.

Screenshots go to results/browser/; with ``UPDATE_SCREENSHOTS=1`` also to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Callable, Dict, List
from urllib.parse import urlsplit

import pytest

from bot import PROJECT_ROOT
from bot.intake import QUESTIONS

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
REPLY_TIMEOUT_MS = 45_000
SNIPPET_URL = "https://chat.jouwbedrijf.nl"  # the placeholder in docs/webchat.md
KNOWLEDGE_QUESTION = "wat is een 4.0-teamleider?"

BOT = ".rw-group-message.rw-from-response .rw-message .rw-response"
USER = ".rw-group-message.rw-from-client .rw-message .rw-client"
REPLY_BUTTONS = ".rw-replies .rw-reply"
SOURCE = ".rw-message.mkb-bron"


# --- helpers --------------------------------------------------------------------------------------


def screenshot(page, name: str) -> None:
    targets = [PROJECT_ROOT / "results" / "browser"]
    if os.environ.get("UPDATE_SCREENSHOTS"):
        targets.append(PROJECT_ROOT / "docs" / "screenshots")
    for folder in targets:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / name))


def texts(page, selector: str) -> List[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def wait_for_count(page, selector: str, count: int, timeout: int = REPLY_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, count], timeout=timeout
    )


def settle(page, selector: str = BOT, quiet_ms: int = 2500, timeout: float = 30) -> None:
    """Wait until no new bot bubble came for ``quiet_ms`` (the widget shows a turn's messages one by one)."""
    deadline = time.monotonic() + timeout
    last, since = page.locator(selector).count(), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = page.locator(selector).count()
        if now != last:
            last, since = now, time.monotonic()
        elif (time.monotonic() - since) * 1000 >= quiet_ms:
            return


def say(page, message: str) -> List[str]:
    """Type ``message`` as a person does; return the bot's new bubbles of this turn."""
    before = page.locator(BOT).count()
    box = page.locator(".rw-new-message")
    box.click()
    box.fill(message)
    box.press("Enter")
    wait_for_count(page, BOT, before + 1)
    settle(page)
    return texts(page, BOT)[before:]


def stored_session(page) -> str:
    raw = page.evaluate("() => window.localStorage.getItem('chat_session')")
    assert raw, "the widget keeps the conversation in localStorage"
    return json.loads(raw)["session_id"]


def new_page(browser, viewport: Dict[str, int], phone: bool = False):
    """A fresh browser profile (no stored conversation); (context, page, list of page errors)."""
    context = browser.new_context(
        viewport=viewport, locale="nl-NL", is_mobile=phone, has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def foreign_requests(page, allowed_hosts: List[str]) -> List[str]:
    """Collects every request the page makes to a host not in ``allowed_hosts`` (privacy: none)."""
    seen: List[str] = []

    def check(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc not in allowed_hosts:
            seen.append(request.url)

    page.on("request", check)
    return seen


def one_of(options: List[str]) -> Callable[[str], bool]:
    return lambda text: text in [o.strip() for o in options]


def user_texts(web_bot, sender: str) -> List[str]:
    return [e.get("text") for e in web_bot.tracker(sender)["events"] if e["event"] == "user"]


# --- the bot's own page ---------------------------------------------------------------------------


def test_desktop_chat_buttons_source_and_reload(browser, web_bot, responses):
    context, page, errors = new_page(browser, DESKTOP)
    try:
        elsewhere = foreign_requests(page, [urlsplit(web_bot.url).netloc])
        page.goto(f"{web_bot.url}/webhooks/web/")
        wait_for_count(page, BOT, 2)
        settle(page)
        greeting = texts(page, BOT)
        assert greeting[0] == web_bot.privacy_notice, greeting  # what is stored, for how long: first
        assert one_of(responses["utter_greet"])(greeting[1]), greeting  # initPayload /greet, in Dutch
        assert page.locator(".rw-new-message").get_attribute("placeholder") == "Typ je bericht…"
        session_id = stored_session(page)

        reply = say(page, "hoi")
        assert reply and one_of(responses["utter_greet"])(reply[-1]), reply

        # Quick replies: the intake's first question comes with buttons; a click answers it.
        say(page, "stel je vragen maar")
        page.locator(REPLY_BUTTONS).first.wait_for(state="visible")
        buttons = texts(page, REPLY_BUTTONS)
        assert {"Cobot", "Lasrobot"} <= set(buttons), buttons
        assert buttons == [b["title"] for b in QUESTIONS["technologie"].buttons]
        assert texts(page, BOT)[-1] == QUESTIONS["technologie"].question
        before = page.locator(BOT).count()
        page.locator(REPLY_BUTTONS, has_text=re.compile(r"^Cobot$")).click()
        wait_for_count(page, BOT, before + 1)
        settle(page)
        assert texts(page, USER)[-1] == "Cobot"
        assert texts(page, BOT)[-1] == QUESTIONS["motief"].question
        cobot = next(b["payload"] for b in QUESTIONS["technologie"].buttons if b["title"] == "Cobot")
        assert user_texts(web_bot, session_id)[-1] == cobot, "the button sent its payload"

        # A knowledge answer: the source on its own, styled line right under the answer.
        answer = say(page, KNOWLEDGE_QUESTION)
        source = page.locator(SOURCE).last
        source.wait_for(state="visible")
        assert source.inner_text().strip().startswith("Bron: ")
        assert any(t.startswith("Bron: ") for t in answer), answer
        before_source = answer[[t.startswith("Bron: ") for t in answer].index(True) - 1]
        assert "Bron:" not in before_source and len(before_source) > 40, answer
        css = "el => { const s = getComputedStyle(el); return [s.fontStyle, s.borderLeftStyle, s.fontSize]; }"
        style = source.locator(".rw-response").evaluate(css)
        plain = page.locator(BOT).first.evaluate(css)
        assert style[0] == "italic" and style[1] == "solid", style
        assert float(style[2][:-2]) < float(plain[2][:-2]) and plain[:2] == ["normal", "none"], (style, plain)

        tracker = web_bot.tracker(session_id)
        assert tracker["sender_id"] == session_id
        said = ["hoi", "stel je vragen maar", cobot, KNOWLEDGE_QUESTION]
        assert user_texts(web_bot, session_id)[-4:] == said
        screenshot(page, "webchat-desktop.png")

        # Reload: the conversation is still there and goes on (same sender, same form).
        shown_before = texts(page, BOT), texts(page, USER)
        page.reload()
        wait_for_count(page, BOT, len(shown_before[0]))
        page.locator(SOURCE).last.wait_for(state="visible")
        settle(page)
        assert texts(page, BOT) == shown_before[0], "no new greeting, nothing lost"
        assert texts(page, USER) == shown_before[1]
        assert stored_session(page) == session_id
        after = say(page, "waarom vraag je dat?")
        assert QUESTIONS["motief"].why in after and after[-1] == QUESTIONS["motief"].question, after
        assert user_texts(web_bot, session_id)[-5:] == [*said, "waarom vraag je dat?"]

        # "Nieuw gesprek" forgets it in this browser: a new session, a new greeting.
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.get_by_role("button", name="Nieuw gesprek").click()
        wait_for_count(page, BOT, 2)
        settle(page)
        fresh = texts(page, BOT)
        assert len(fresh) == 2 and fresh[0] == web_bot.privacy_notice, fresh  # a new session: the notice
        assert one_of(responses["utter_greet"])(fresh[1]), fresh
        assert texts(page, USER) == []
        assert stored_session(page) != session_id
        assert not elsewhere, f"requests to other hosts: {elsewhere}"
        assert not errors, errors
    finally:
        context.close()


def test_phone_sized_screen(browser, web_bot, responses):
    context, page, errors = new_page(browser, PHONE, phone=True)
    try:
        page.goto(f"{web_bot.url}/webhooks/web/")
        wait_for_count(page, BOT, 2)
        settle(page)
        say(page, KNOWLEDGE_QUESTION)
        page.locator(SOURCE).last.wait_for(state="visible")
        say(page, "stel je vragen maar")
        page.locator(REPLY_BUTTONS).first.wait_for(state="visible")

        width = PHONE["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "no sideways scrolling"
        box = page.locator(".rw-new-message").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["y"] + box["height"] <= PHONE["height"], "the input is on screen"
        for button in page.locator(REPLY_BUTTONS).all():
            b = button.bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= width and b["height"] >= 32, b
        for bubble in page.locator(BOT).all():
            b = bubble.bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= width, b
        font = page.locator(".rw-new-message").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert font >= 16, "16px or more: phones do not zoom in when typing"
        page.locator(REPLY_BUTTONS).first.scroll_into_view_if_needed()
        screenshot(page, "webchat-phone.png")
        assert not errors, errors
    finally:
        context.close()


# --- the embed snippet on an owner's website ------------------------------------------------------


def embed_page(site, web_bot) -> str:
    """The snippet of docs/webchat.md, pointed at the test bot, on a page of the local site."""
    doc = (PROJECT_ROOT / "docs" / "webchat.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- embed-snippet -->\s*```html\n(.*?)```", doc, re.S)
    assert found, "docs/webchat.md has the embed snippet after <!-- embed-snippet -->"
    snippet = found.group(1).replace(SNIPPET_URL, web_bot.url)
    assert web_bot.url in snippet
    Path(site.root, "embed.html").write_text(
        '<!doctype html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Voorbeeld Metaal BV</title></head>\n<body><h1>Voorbeeld Metaal BV</h1>"
        f"<p>Onze website.</p>\n{snippet}</body></html>\n",
        encoding="utf-8",
    )
    return "embed.html"


def test_embed_snippet_on_an_allowed_website(browser, web_bot, site, responses):
    path = embed_page(site, web_bot)
    context, page, errors = new_page(browser, DESKTOP)
    try:
        page.goto(f"{site.origin('127.0.0.1')}/{path}")
        page.locator(".rw-launcher").click()
        page.locator(".rw-conversation-container .rw-title").wait_for(state="visible")
        assert page.locator(".rw-title").inner_text().strip() == "MKB-techniekadviseur"
        wait_for_count(page, BOT, 2)  # the snippet's initial payload: the privacy notice and the greeting
        settle(page)
        assert texts(page, BOT)[0] == web_bot.privacy_notice
        assert one_of(responses["utter_greet"])(texts(page, BOT)[1])
        assert page.locator(".rw-new-message").get_attribute("placeholder") == "Typ je bericht…"
        reply = say(page, "hoi")
        assert reply and one_of(responses["utter_greet"])(reply[-1]), reply
        assert not errors, errors
    finally:
        context.close()


def test_embed_snippet_on_another_website_gets_no_chat(browser, web_bot, site):
    path = embed_page(site, web_bot)
    context, page, _ = new_page(browser, DESKTOP)
    try:
        refused: List[str] = []
        page.on("response", lambda r: "/socket.io/" in r.url and r.status == 400 and refused.append(r.url))
        page.on("requestfailed", lambda r: "/socket.io/" in r.url and refused.append(r.url))
        page.goto(f"{site.origin('localhost')}/{path}")
        page.wait_for_function("() => window.MkbChat !== undefined")
        deadline = time.monotonic() + 20
        while not refused and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert refused, "the bot refuses the socket of a site that is not in BOT_CORS_ORIGINS"
        launcher = page.locator(".rw-launcher")
        if launcher.count() and launcher.is_visible():
            launcher.click()
        page.wait_for_timeout(3000)
        assert page.locator(BOT).count() == 0, "no conversation"
    finally:
        context.close()
