"""The report of a conversation, for the owner and the consultant to keep (Markdown and HTML).

``build_report(tracker, definitions, kb)`` takes the tracker as Rasa's HTTP API and tracker store
give it (``{"sender_id", "slots", "events", ...}``) and returns a ``Report`` with ``.markdown`` and
``.html``: the plan as told (intake answers and recognised facts), each core conclusion with its
status, the evidence in the owner's own words and the advice with ``Bron:`` lines, the open
questions, and the transcript with times. Only what happened after the last restart ("opnieuw
beginnen") is reported, like the bot itself forgets it.

The HTML page is self-contained (inline CSS, no scripts, no external resources) and has print CSS:
"Afdrukken → Opslaan als PDF" in any browser gives the PDF. A server-side PDF library is not used on
purpose (docs/report-and-privacy.md).

Links: ``report_url(sender_id)`` gives ``<BOT_PUBLIC_URL>/webhooks/report/<sender>?token=...`` where
the token is an HMAC-SHA256 of the sender id with ``BOT_REPORT_SECRET`` (served by
``bot/channels/report.py``).

CLI::

    python -m bot.report <sender_id> [--endpoints endpoints.yml] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import html
import logging
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

import yaml

from bot import PROJECT_ROOT
from bot.advice import ORDER, STATUS_TEXT, Definition
from bot.knowledge import KnowledgeBase
from bot.knowledge.answers import citation_line, trim_text

logger = logging.getLogger(__name__)

SECRET_ENV = "BOT_REPORT_SECRET"
PUBLIC_URL_ENV = "BOT_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5005"
TIMEZONE_ENV = "BOT_TIMEZONE"
DEFAULT_TIMEZONE = "Europe/Amsterdam"
SKIPPED = "(overgeslagen)"
#: At most this many advice handles per aandachtspunt (the chat shows one, "meer" the next).
HANDLES_PER_CONCLUSION = 3

TITLE = "Verslag: nieuwe techniek invoeren"
DISCLAIMER = (
    "Dit verslag is automatisch gemaakt door een chatbot, op basis van het gesprek en vijf Nederlandse "
    "publicaties over techniek en mensen in de maakindustrie. De inschatting is een hulpmiddel voor het "
    "gesprek met je medewerkers of je adviseur, geen oordeel."
)
#: Short labels of the intake answers (the questions themselves are in knowledge/intake.yml).
ANSWER_LABELS = {
    "technologie": "Techniek en werk",
    "motief": "Waarom (motief)",
    "fase": "Hoe ver",
    "besluitvorming": "Besluit en communicatie",
    "betrokkenheid": "Betrokkenheid van de werkvloer",
    "verandering_werk": "Wat er verandert in het werk",
    "meerwaarde_medewerkers": "Wat het de medewerkers oplevert",
    "arbeidsmarkt": "Personeel en arbeidsmarkt",
    "leren": "Hoe de mensen het leren",
    "rondkijken": "Rondkijken bij anderen",
    "kennispartners": "Kennispartners",
}
FACT_LABELS = {
    "technologie_type": "Herkende techniek",
    "fase_type": "Fase",
    "sector": "Sector",
    "aantal_medewerkers": "Aantal medewerkers",
}
FASE_TEXT = {
    "orienterend": "oriënterend",
    "besloten": "besloten",
    "invoeren": "bezig met invoeren",
    "problemen": "loopt tegen problemen aan",
}
QUESTIONS_FILE = PROJECT_ROOT / "knowledge" / "intake.yml"


# --------------------------------------------------------------------------------------------
# Links: token and URL


_process_secret: Optional[bytes] = None


def report_secret() -> bytes:
    """``BOT_REPORT_SECRET``; when unset a random secret for this process (links die with it)."""
    global _process_secret
    configured = os.environ.get(SECRET_ENV, "")
    if configured:
        return configured.encode("utf-8")
    if _process_secret is None:
        _process_secret = secrets.token_bytes(32)
        logger.warning(
            "%s is not set: report links use a random secret of this process and stop working when it "
            "ends; the action server and the Rasa server must share one secret for links to work.",
            SECRET_ENV,
        )
    return _process_secret


def report_token(sender_id: str) -> str:
    """HMAC-SHA256 of the sender id (hex)."""
    message = f"report:{sender_id}".encode()
    return hmac.new(report_secret(), message, hashlib.sha256).hexdigest()


def token_valid(sender_id: str, token: Optional[str]) -> bool:
    return bool(token) and hmac.compare_digest(report_token(sender_id), str(token))


def public_url() -> str:
    return (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")


def report_url(sender_id: str, fmt: Optional[str] = None) -> str:
    """The link to the report of ``sender_id``; ``fmt="md"`` for the Markdown version."""
    url = f"{public_url()}/webhooks/report/{quote(sender_id, safe='')}?token={report_token(sender_id)}"
    return url + "&format=md" if fmt == "md" else url


# --------------------------------------------------------------------------------------------
# What the report says (independent of the format)


@dataclass(frozen=True)
class Quote:
    text: str
    rules: Tuple[str, ...]  # rule descriptions (or ids) that used this sentence
    when: str  # "bericht 3, 10:42" or ""


@dataclass(frozen=True)
class Advice:
    text: str
    source: str  # the "Bron: ..." line


@dataclass(frozen=True)
class ConclusionPart:
    id: str
    title: str
    short: str
    status: str
    evidence: Tuple[Quote, ...]
    explanation: str
    advice: Tuple[Advice, ...]
    question: str


@dataclass(frozen=True)
class Line:
    when: str
    who: str  # "Gebruiker" or "Bot"
    text: str


@dataclass
class ReportData:
    sender_id: str
    created: str
    period: str
    answers: List[Tuple[str, str]] = field(default_factory=list)  # (label, answer)
    facts: List[Tuple[str, str]] = field(default_factory=list)
    conclusions: List[ConclusionPart] = field(default_factory=list)
    open_questions: List[str] = field(default_factory=list)
    transcript: List[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    sender_id: str
    markdown: str
    html: str


@lru_cache(maxsize=1)
def intake_questions() -> Tuple[Tuple[str, str], ...]:
    """(slot, question) of the intake, in order, from knowledge/intake.yml."""
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8")) or {}
    return tuple((q["slot"], " ".join(str(q["question"]).split())) for q in data.get("questions") or [])


def report_timezone() -> tzinfo:
    name = os.environ.get(TIMEZONE_ENV) or DEFAULT_TIMEZONE
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz database on this machine: UTC, and say so in the times
        return timezone.utc


def _events_after_restart(events: Sequence[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    last = 0
    for index, event in enumerate(events):
        if event.get("event") == "restart":
            last = index + 1
    return list(events[last:])


def _clock(ts: Optional[float], tz: tzinfo, with_date: bool) -> str:
    if ts is None:
        return ""
    moment = datetime.fromtimestamp(float(ts), tz=tz)
    return moment.strftime("%d-%m-%Y %H:%M" if with_date else "%H:%M")


#: Report links in the transcript lose their token: a printed or forwarded report opens nothing.
_TOKEN = re.compile(r"([?&]token=)[0-9a-fA-F]+")


def _button_titles(event: Mapping[str, Any]) -> Dict[str, str]:
    buttons = (event.get("data") or {}).get("buttons") or []
    return {
        str(b.get("payload")): str(b.get("title")) for b in buttons if b.get("payload") and b.get("title")
    }


def _transcript(events: Sequence[Mapping[str, Any]], tz: tzinfo) -> Tuple[List[Line], Dict[int, str]]:
    """The messages in order with their times, and the time of each user turn (1-based)."""
    lines: List[Line] = []
    turn_times: Dict[int, str] = {}
    last_day = None
    buttons: Dict[str, str] = {}
    turn = 0
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        ts = event.get("timestamp")
        day = _clock(ts, tz, True)[:10]
        when = _clock(ts, tz, day != last_day)
        last_day = day
        text = _TOKEN.sub(r"\1…", str(event.get("text") or "").strip())
        if kind == "user":
            turn += 1
            turn_times[turn] = _clock(ts, tz, False)
            shown = buttons.get(text, text)  # a button press shows as the button's title
            lines.append(Line(when, "Gebruiker", shown))
            buttons = {}
        else:
            buttons = _button_titles(event)
            if buttons:
                text = f"{text}\n[knoppen: {' · '.join(buttons.values())}]".strip()
            if text:
                lines.append(Line(when, "Bot", text))
    return lines, turn_times


def _answer(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or None
    text = " ".join(str(value).split())
    return text or None


def _advice(definition: Definition, kb: KnowledgeBase) -> Tuple[Advice, ...]:
    """The handles of a conclusion with the ``Bron:`` line of the entry behind each; never invented."""
    found: List[Advice] = []
    for handle in definition.handles:
        entry_id = handle if isinstance(handle, str) else handle.entry_id
        try:
            entry = kb.entry(entry_id)
            source = citation_line(entry, kb.publication(entry.publication))
        except (KeyError, ValueError):
            logger.warning("Handle %r of %r is not in the knowledge base; left out.", entry_id, definition.id)
            continue
        text = trim_text(entry.text) if isinstance(handle, str) else handle.text
        found.append(Advice(text, source))
        if len(found) == HANDLES_PER_CONCLUSION:
            break
    return tuple(found)


def collect(
    tracker: Mapping[str, Any],
    definitions: Mapping[str, Definition],
    kb: KnowledgeBase,
    now: Optional[datetime] = None,
) -> ReportData:
    """Everything the report says, from the tracker state."""
    tz = report_timezone()
    slots: Mapping[str, Any] = tracker.get("slots") or {}
    events = _events_after_restart(tracker.get("events") or [])
    transcript, turn_times = _transcript(events, tz)
    stamps = [e.get("timestamp") for e in events if e.get("event") in ("user", "bot") and e.get("timestamp")]
    period = ""
    if stamps:
        first, last = _clock(min(stamps), tz, True), _clock(max(stamps), tz, True)
        if first == last:
            period = first
        elif first[:10] == last[:10]:
            period = f"{first}–{last[11:]}"
        else:
            period = f"{first} tot {last}"
    data = ReportData(
        sender_id=str(tracker.get("sender_id") or ""),
        created=(now or datetime.now(tz)).astimezone(tz).strftime("%d-%m-%Y %H:%M"),
        period=period,
        transcript=transcript,
    )

    for slot, question in intake_questions():
        value = _answer(slots.get(slot))
        label = ANSWER_LABELS.get(slot, slot)
        if value is None:
            data.open_questions.append(f"Nog niet besproken: {question}")
        elif value == SKIPPED:
            data.answers.append((label, "overgeslagen"))
            data.open_questions.append(f"Overgeslagen: {question}")
        else:
            data.answers.append((label, value))
    for slot, label in FACT_LABELS.items():
        value = _answer(slots.get(slot))
        if value is not None:
            data.facts.append((label, FASE_TEXT.get(value, value) if slot == "fase_type" else value))

    status: Mapping[str, Any] = slots.get("conclusion_status") or {}
    for cid in ORDER:
        definition = definitions[cid]
        state = status.get(cid) or {}
        current = state.get("status") if state.get("status") in STATUS_TEXT else "onbekend"
        # one quote per sentence said; several rules on the same sentence are listed together
        grouped: Dict[Tuple[str, Any], List[str]] = {}
        for item in state.get("evidence") or []:
            rules = grouped.setdefault((str(item.get("text") or ""), item.get("turn")), [])
            rule = str(item.get("description") or item.get("rule") or "")
            if rule and rule not in rules:
                rules.append(rule)
        quotes = []
        for (text, turn), rules in grouped.items():
            when = f"bericht {turn}" if turn else ""
            if turn in turn_times:
                when += f", {turn_times[turn]}"
            quotes.append(Quote(text, tuple(rules), when))
        advice = _advice(definition, kb) if current == "aandachtspunt" else ()
        data.conclusions.append(
            ConclusionPart(
                cid, definition.title, definition.short, current, tuple(quotes),
                definition.explanation, advice, definition.question,
            )
        )
        if current == "onbekend":
            asked = any(definition.question and q.endswith(definition.question) for q in data.open_questions)
            ask = f" {definition.question}" if definition.question and not asked else ""
            data.open_questions.append(f"Kernconclusie nog onbekend: {definition.short}.{ask}")
    return data


def _rule_label(rules: Sequence[str]) -> str:
    if not rules:
        return ""
    return f"regel: {rules[0]}" if len(rules) == 1 else f"regels: {'; '.join(rules)}"


# --------------------------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """User and bot text as literal Markdown: no emphasis, links or raw HTML from what people typed."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*)([#+\-=]|\d+\.)", r"\1\\\2", escaped)


def _md_lines(text: str, prefix: str) -> str:
    lines = text.splitlines()
    return "\n".join(prefix + md_escape(line) if line.strip() else prefix.rstrip() for line in lines)


def render_markdown(data: ReportData) -> str:
    out: List[str] = [f"# {TITLE}", ""]
    out.append(f"- Gesprek: {md_escape(data.sender_id)}")
    if data.period:
        out.append(f"- Gevoerd: {data.period}")
    out += [f"- Verslag gemaakt: {data.created}", "", f"_{DISCLAIMER}_", ""]

    out += ["## Overzicht", "", "| Kernconclusie | Stand |", "|---|---|"]
    out += [f"| {md_escape(c.title)} | {STATUS_TEXT[c.status]} |" for c in data.conclusions]
    out.append("")

    out += ["## Het bedrijf en het plan", ""]
    if not data.answers and not data.facts:
        out += ["Nog niets over verteld.", ""]
    for label, value in data.answers:
        out.append(f"- **{label}:** {md_escape(value)}")
    if data.facts:
        out += ["", "Herkend in het gesprek:", ""]
        out += [f"- **{label}:** {md_escape(value)}" for label, value in data.facts]
    out.append("")

    out += ["## Kernconclusies", ""]
    for number, part in enumerate(data.conclusions, 1):
        out += [f"### {number}. {md_escape(part.title)}", "", f"**Stand: {STATUS_TEXT[part.status]}**", ""]
        if part.evidence:
            out += ["Wat er gezegd is:", ""]
            for q in part.evidence:
                out.append(_md_lines(f"“{q.text}”", "> "))
                meta = "; ".join(x for x in (q.when, _rule_label(q.rules)) if x)
                if meta:
                    out.append(f">\n> — {md_escape(meta)}")
                out.append("")
        if part.status == "aandachtspunt":
            out += [f"Wat dit betekent: {md_escape(part.explanation)}", ""]
            if part.advice:
                out += ["Handvatten:", ""]
                for item in part.advice:
                    out += [f"- {md_escape(item.text)}  ", f"  *{md_escape(item.source)}*"]
                out.append("")
        elif part.status == "op_orde":
            out += ["Dit zit goed; houd het zo.", ""]
        else:
            out += ["Nog niet besproken." + (f" {md_escape(part.question)}" if part.question else ""), ""]

    out += ["## Open vragen", ""]
    out += [f"- {md_escape(q)}" for q in data.open_questions] or ["Geen: alles is besproken."]
    out.append("")

    out += ["## Gespreksverslag", ""]
    if not data.transcript:
        out.append("Geen berichten.")
    for line in data.transcript:
        first, *rest = line.text.splitlines() or [""]
        out.append(f"- {line.when} **{line.who}:** {md_escape(first)}")
        out += [f"  {md_escape(r)}" if r.strip() else "" for r in rest]
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
:root { --ink: #1d2733; --muted: #5b6673; --line: #d8dee5; --gap: #b3261e; --ok: #1e6b3a; --unk: #6b5b00; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
.meta, .muted { color: var(--muted); }
.note { font-size: .9rem; color: var(--muted); border-left: 3px solid var(--line); padding-left: .7rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
dl { display: grid; grid-template-columns: 15rem 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; white-space: pre-wrap; }
.conclusion { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
.status { display: inline-block; font-size: .85rem; font-weight: 600; padding: .05rem .5rem;
          border-radius: 1rem; border: 1px solid currentColor; }
.status-aandachtspunt { color: var(--gap); }
.status-op_orde { color: var(--ok); }
.status-onbekend { color: var(--unk); }
blockquote { margin: .4rem 0; padding: .3rem .8rem; background: #f4f6f8; border-left: 3px solid #9aa7b4; }
blockquote p { margin: 0; white-space: pre-wrap; }
blockquote footer { font-size: .85rem; color: var(--muted); }
.advice li { margin-bottom: .5rem; }
.source { display: block; font-size: .85rem; color: var(--muted); font-style: italic; }
.transcript { list-style: none; padding: 0; }
.transcript li { display: grid; grid-template-columns: 8.5rem 6rem 1fr; gap: .5rem; padding: .25rem 0;
                 border-bottom: 1px dotted var(--line); }
.transcript .text { white-space: pre-wrap; }
.who-bot { color: var(--muted); }
.screen-only { background: #eef4fb; padding: .5rem .8rem; border-radius: 6px; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .screen-only { display: none; }
  .conclusion, blockquote, tr, .transcript li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(data: ReportData) -> str:
    parts: List[str] = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        f"<title>{_h(TITLE)} – {_h(data.sender_id)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_h(TITLE)}</h1>",
        f'<p class="meta">Gesprek: {_h(data.sender_id)}'
        + (f" · gevoerd: {_h(data.period)}" if data.period else "")
        + f" · verslag gemaakt: {_h(data.created)}</p>",
        '<p class="screen-only">Afdrukken of bewaren als PDF: kies <strong>Afdrukken</strong> in je browser '
        "(Ctrl+P of ⌘P) en dan <strong>Opslaan als PDF</strong>.</p>",
        f'<p class="note">{_h(DISCLAIMER)}</p></header>',
        "<section><h2>Overzicht</h2><table><thead><tr><th>Kernconclusie</th><th>Stand</th></tr></thead><tbody>",
    ]
    for part in data.conclusions:
        parts.append(
            f"<tr><td>{_h(part.title)}</td><td><span class=\"status status-{part.status}\">"
            f"{_h(STATUS_TEXT[part.status])}</span></td></tr>"
        )
    parts.append("</tbody></table></section>")

    parts.append("<section><h2>Het bedrijf en het plan</h2>")
    if not data.answers and not data.facts:
        parts.append('<p class="muted">Nog niets over verteld.</p>')
    if data.answers:
        parts.append("<dl>" + "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in data.answers) + "</dl>")
    if data.facts:
        parts.append("<p class=\"muted\">Herkend in het gesprek:</p><dl>")
        parts.append("".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in data.facts) + "</dl>")
    parts.append("</section>")

    parts.append("<section><h2>Kernconclusies</h2>")
    for number, part in enumerate(data.conclusions, 1):
        parts.append(f'<article class="conclusion" id="{part.id}"><h3>{number}. {_h(part.title)}</h3>')
        label = _h(STATUS_TEXT[part.status])
        parts.append(f'<p><span class="status status-{part.status}">{label}</span></p>')
        if part.evidence:
            parts.append("<p>Wat er gezegd is:</p>")
            for q in part.evidence:
                meta = "; ".join(x for x in (q.when, _rule_label(q.rules)) if x)
                footer = f"<footer>{_h(meta)}</footer>" if meta else ""
                parts.append(f"<blockquote><p>“{_h(q.text)}”</p>{footer}</blockquote>")
        if part.status == "aandachtspunt":
            parts.append(f"<p><strong>Wat dit betekent:</strong> {_h(part.explanation)}</p>")
            if part.advice:
                parts.append('<p><strong>Handvatten:</strong></p><ul class="advice">')
                parts += [
                    f'<li>{_h(a.text)}<span class="source">{_h(a.source)}</span></li>' for a in part.advice
                ]
                parts.append("</ul>")
        elif part.status == "op_orde":
            parts.append("<p>Dit zit goed; houd het zo.</p>")
        else:
            ask = f" {_h(part.question)}" if part.question else ""
            parts.append(f'<p class="muted">Nog niet besproken.{ask}</p>')
        parts.append("</article>")
    parts.append("</section>")

    parts.append("<section><h2>Open vragen</h2>")
    if data.open_questions:
        parts.append("<ul>" + "".join(f"<li>{_h(q)}</li>" for q in data.open_questions) + "</ul>")
    else:
        parts.append("<p>Geen: alles is besproken.</p>")
    parts.append("</section>")

    parts.append('<section><h2>Gespreksverslag</h2><ol class="transcript">')
    for line in data.transcript:
        who = "bot" if line.who == "Bot" else "user"
        parts.append(
            f'<li class="who-{who}"><span class="when">{_h(line.when)}</span>'
            f'<strong class="who">{_h(line.who)}</strong><span class="text">{_h(line.text)}</span></li>'
        )
    parts.append("</ol></section></body></html>")
    return "\n".join(parts)


def build_report(
    tracker: Mapping[str, Any],
    definitions: Mapping[str, Definition],
    kb: KnowledgeBase,
    now: Optional[datetime] = None,
) -> Report:
    """The report of one conversation (see the module docstring)."""
    data = collect(tracker, definitions, kb, now)
    return Report(data.sender_id, render_markdown(data), render_html(data))


# --------------------------------------------------------------------------------------------
# Where the definitions and the knowledge base come from (CLI and the report channel)


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    from bot.knowledge import load_knowledge_base

    return load_knowledge_base()


@lru_cache(maxsize=1)
def default_definitions() -> Dict[str, Definition]:
    """The six definitions, built as the action server builds them (``actions.services.definitions``)."""
    from bot import advice, intake
    from bot.conclusions import load_rulebook

    questions = {cid: intake.QUESTIONS[slot].question for cid, slot in intake.CONCLUSION_SLOTS.items()}
    return advice.definitions_from(load_rulebook().conclusions, questions)


# --------------------------------------------------------------------------------------------
# CLI


async def load_tracker(sender_id: str, endpoints: Path, domain_dir: Path) -> Optional[Dict[str, Any]]:
    """The tracker (all sessions) from the tracker store configured in ``endpoints``, or None."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise ValueError(f"{endpoints}: geen tracker_store ingesteld")
    store = TrackerStore.create(config, domain=Domain.load(str(domain_dir)))
    tracker = await store.retrieve_full_tracker(sender_id)
    return tracker.current_state(EventVerbosity.ALL) if tracker else None


def safe_filename(sender_id: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", sender_id).strip("._")
    return name[:100] or "gesprek"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.report", description="Maak het verslag van een gesprek (Markdown en HTML)."
    )
    parser.add_argument("sender_id", help="het gespreks-id (sender)")
    parser.add_argument("--endpoints", default=os.environ.get("BOT_ENDPOINTS", "endpoints.yml"))
    parser.add_argument(
        "--domain", default=str(PROJECT_ROOT / "domain"), help="het Rasa-domein (map of bestand)"
    )
    parser.add_argument("--out", default=".", help="map voor <sender>.md en <sender>.html")
    args = parser.parse_args(argv)
    if not Path(args.endpoints).is_file():
        print(f"Fout: {args.endpoints}: endpoints-bestand niet gevonden", file=sys.stderr)
        return 2
    try:
        tracker = asyncio.run(load_tracker(args.sender_id, Path(args.endpoints), Path(args.domain)))
    except ValueError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    if not tracker or not any(e.get("event") == "user" for e in tracker.get("events") or []):
        print(f"Geen gesprek gevonden met id {args.sender_id!r}.", file=sys.stderr)
        return 1
    report = build_report(tracker, default_definitions(), default_knowledge_base())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = safe_filename(args.sender_id)
    (out / f"{base}.md").write_text(report.markdown, encoding="utf-8")
    (out / f"{base}.html").write_text(report.html, encoding="utf-8")
    print(f"Geschreven: {out / (base + '.md')} en {out / (base + '.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
