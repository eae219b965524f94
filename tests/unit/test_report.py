"""The report (bot/report.py) from a fixture tracker: statuses, evidence, sources, open questions,
transcript, escaping of what people typed, the link token, and the CLI on a real SQLite store."""

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from bot import report
from bot.advice import AdviceHandle, Definition
from bot.knowledge import load_knowledge_base
from bot.knowledge.answers import citation_line

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "tracker_intake.json"
#: Real knowledge entries behind the test handles (their Bron lines must appear, nothing else).
HANDLES = {
    "uitleggen": [
        "ssas25-vroeg-informeren-en-vertegenwoordiging", "bestaat-niet", "ssas25-schijnbare-weerstand",
    ],
    "betrekken": ["ssas25-betrekken-voor-het-besluit"],
    "meerwaarde": ["ssas25-persoon-corporaal"],
    "jong_talent": ["ssas25-personeelstekort-en-capaciteit"],
    "rondkijken": ["ssas25-persoon-wolffgramm"],
    "kennisinstellingen": ["ssas25-sprong"],
}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


@pytest.fixture(scope="module")
def definitions():
    return {
        cid: Definition(
            id=cid,
            title=f"Titel-{cid}",
            short=f"kort-{cid}",
            explanation=f"Uitleg over {cid}.",
            handles=tuple(
                AdviceHandle(key=f"{cid}-{i}", text=f"Handvat {i} bij {cid}.", entry_id=entry)
                for i, entry in enumerate(entries)
            ),
            question=f"Vraag-{cid}?",
        )
        for cid, entries in HANDLES.items()
    }


@pytest.fixture(scope="module")
def tracker():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture()
def built(tracker, definitions, kb, monkeypatch):
    monkeypatch.setenv("BOT_TIMEZONE", "Europe/Amsterdam")
    return report.build_report(tracker, definitions, kb)


def section(markdown: str, start: str, end: str) -> str:
    """The Markdown from the heading ``start`` up to the next heading ``end``."""
    head = markdown.index(start)
    return markdown[head : markdown.index(end, head + len(start))]


def test_each_conclusion_has_its_status(built):
    overview = section(built.markdown, "## Overzicht", "## Het bedrijf")
    expected = {
        "uitleggen": "aandachtspunt",
        "betrekken": "aandachtspunt",
        "meerwaarde": "op orde",
        "jong\\_talent": "aandachtspunt",
        "rondkijken": "nog onbekend",
        "kennisinstellingen": "op orde",
    }
    for cid, label in expected.items():
        assert f"| Titel-{cid} | {label} |" in overview
    assert re.search(r'id="uitleggen">.*?status-aandachtspunt', built.html, re.S)
    assert re.search(r'id="meerwaarde">.*?status-op_orde', built.html, re.S)
    assert re.search(r'id="rondkijken">.*?status-onbekend', built.html, re.S)


def test_evidence_is_quoted_in_the_owners_words_under_its_conclusion(built):
    uitleggen = section(built.markdown, "### 1. Titel-uitleggen", "### 2.")
    assert "> “dat heb ik met de leverancier besloten, ze moeten er maar mee werken”" in uitleggen
    # the rule's description when the slot has one, and where in the conversation it was said
    assert "bericht 4, 17:02; regel: het besluit wordt opgelegd zonder uitleg" in uitleggen
    betrekken = section(built.markdown, "### 2. Titel-betrekken", "### 3.")
    assert "“nee, de operators weten nog van niks”" in betrekken
    assert "regel: betrekken.niet\\_betrokken" in betrekken
    assert "leverancier" not in betrekken
    assert "<blockquote><p>“nee, de operators weten nog van niks”</p>" in built.html


def test_advice_only_for_aandachtspunten_with_the_entrys_bron_line(built, kb):
    def bron(entry_id):
        entry = kb.entry(entry_id)
        return citation_line(entry, kb.publication(entry.publication))

    uitleggen = section(built.markdown, "### 1. Titel-uitleggen", "### 2.")
    assert "Wat dit betekent: Uitleg over uitleggen." in uitleggen
    assert "Handvat 0 bij uitleggen." in uitleggen and "Handvat 2 bij uitleggen." in uitleggen
    assert report.md_escape(bron("ssas25-vroeg-informeren-en-vertegenwoordiging")) in uitleggen
    assert report.md_escape(bron("ssas25-schijnbare-weerstand")) in uitleggen
    # a handle whose entry is not in the knowledge base is left out, never shown without a source
    assert "Handvat 1 bij uitleggen." not in built.markdown
    assert uitleggen.count("Bron: ") == 2
    meerwaarde = section(built.markdown, "### 3. Titel-meerwaarde", "### 4.")
    assert "Bron: " not in meerwaarde and "Handvat" not in meerwaarde
    assert "Dit zit goed" in meerwaarde
    rondkijken = section(built.markdown, "### 5. Titel-rondkijken", "### 6.")
    assert "Bron: " not in rondkijken and "Nog niet besproken. Vraag-rondkijken?" in rondkijken
    assert f'<span class="source">{bron("ssas25-betrekken-voor-het-besluit")}</span>' in built.html


def test_plan_as_told_and_recognised_facts(built):
    plan = section(built.markdown, "## Het bedrijf en het plan", "## Kernconclusies")
    assert "- **Waarom (motief):** omdat we geen mensen kunnen vinden voor het inpakken" in plan
    assert "- **Wat er verandert in het werk:** overgeslagen" in plan
    assert "- **Herkende techniek:** cobot" in plan and "- **Sector:** metaal" in plan
    assert "Hoe ver:" not in plan  # not answered: an open question, not an empty line


def test_open_questions_list_unanswered_skipped_and_unknown(built):
    open_part = section(built.markdown, "## Open vragen", "## Gespreksverslag")
    assert "- Nog niet besproken: Hoe ver ben je ermee?" in open_part
    assert "- Overgeslagen: Wat verandert er in het werk van de mensen die ermee gaan werken?" in open_part
    assert "- Kernconclusie nog onbekend: kort-rondkijken. Vraag-rondkijken?" in open_part
    assert "kort-meerwaarde" not in open_part and "Techniek en werk" not in open_part


def test_transcript_in_order_with_times_after_the_last_restart(built, tracker):
    transcript = built.markdown[built.markdown.index("## Gespreksverslag") :]
    lines = [line for line in transcript.splitlines() if line.startswith("- ")]
    after = tracker["events"][[e["event"] for e in tracker["events"]].index("restart") + 1 :]
    messages = [e for e in after if e["event"] in ("user", "bot")]
    assert len(lines) == len(messages) == 21
    assert lines[0] == "- 24-11-2025 17:00 **Gebruiker:** hoi"
    assert lines[1].startswith("- 17:00 **Bot:** Hoi! Ik ben de digitale adviseur")
    who = ["Gebruiker" if e["event"] == "user" else "Bot" for e in messages]
    assert [re.search(r"\*\*(\w+):\*\*", line).group(1) for line in lines] == who
    assert "oude tekst die vergeten is" not in built.markdown + built.html  # forgotten at the restart
    assert "- 17:07 **Gebruiker:** Ja, graag" in lines  # a button press shows as its title
    assert "token=…" in transcript and "token=abc" not in built.markdown + built.html


def test_user_text_is_escaped(built):
    assert "<script>" not in built.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in built.html
    assert "\\<script\\>" in built.markdown and "<script>" not in built.markdown
    assert built.html.count("<style>") == 1 and "<link" not in built.html and "src=" not in built.html


def test_html_is_a_printable_dutch_page(built):
    assert built.html.startswith("<!DOCTYPE html>") and '<html lang="nl">' in built.html
    assert "@media print" in built.html and "@page" in built.html
    assert "Opslaan als PDF" in built.html


def test_report_with_the_real_conclusion_definitions(tracker, kb):
    real = report.default_definitions()
    built = report.build_report(tracker, real, kb)
    assert real["uitleggen"].title in built.markdown
    gaps = ("uitleggen", "betrekken", "jong_talent")
    expected = sum(min(len(real[c].handles), report.HANDLES_PER_CONCLUSION) for c in gaps)
    assert built.markdown.count("Bron: ") == expected > 0


def test_link_token_is_an_hmac_of_the_sender(monkeypatch):
    monkeypatch.setenv("BOT_REPORT_SECRET", "geheim-1")
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://bot.example.nl/")
    token = report.report_token("eigenaar 1")
    assert report.token_valid("eigenaar 1", token)
    assert not report.token_valid("eigenaar 2", token)
    assert not report.token_valid("eigenaar 1", "") and not report.token_valid("eigenaar 1", None)
    assert report.report_url("eigenaar 1") == (
        f"https://bot.example.nl/webhooks/report/{quote('eigenaar 1', safe='')}?token={token}"
    )
    assert report.report_url("eigenaar 1", "md").endswith("&format=md")
    monkeypatch.setenv("BOT_REPORT_SECRET", "geheim-2")
    assert not report.token_valid("eigenaar 1", token)  # another secret: old links stop working


def test_without_a_secret_a_random_one_per_process(monkeypatch, caplog):
    monkeypatch.delenv("BOT_REPORT_SECRET", raising=False)
    monkeypatch.setattr(report, "_process_secret", None)
    first = report.report_token("x")
    assert report.report_token("x") == first and len(first) == 64
    assert "BOT_REPORT_SECRET is not set" in caplog.text
    monkeypatch.setattr(report, "_process_secret", None)
    assert report.report_token("x") != first


def test_cli_writes_both_files_from_the_tracker_store(tmp_path, tracker, monkeypatch, capsys):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import PrivacySQLTrackerStore

    db = tmp_path / "conversations.db"
    domain = Domain.load(str(report.PROJECT_ROOT / "domain"))
    store = PrivacySQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
    saved = DialogueStateTracker.from_dict("eigenaar/verslag", tracker["events"], domain.slots)
    asyncio.run(store.save(saved))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: bot.tracker_store.PrivacySQLTrackerStore\n  dialect: sqlite\n  db: {db}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert report.main(["eigenaar/verslag", "--endpoints", str(endpoints), "--out", str(out)]) == 0
    markdown = (out / "eigenaar_verslag.md").read_text(encoding="utf-8")
    html_page = (out / "eigenaar_verslag.html").read_text(encoding="utf-8")
    assert "- Gesprek: eigenaar/verslag" in markdown
    assert "“nee, de operators weten nog van niks”" in markdown  # slots replayed from the stored events
    assert "&lt;script&gt;" in html_page
    assert report.main(["onbekend-id", "--endpoints", str(endpoints), "--out", str(out)]) == 1
    assert "Geen gesprek gevonden" in capsys.readouterr().err


def test_one_quote_per_sentence_when_several_rules_used_it(tracker, definitions, kb):
    changed = json.loads(json.dumps(tracker))
    evidence = changed["slots"]["conclusion_status"]["uitleggen"]["evidence"]
    evidence.append({**evidence[0], "rule": "uitleggen.van_bovenaf", "description": "besluit van bovenaf"})
    uitleggen = section(report.build_report(changed, definitions, kb).markdown, "### 1.", "### 2.")
    assert uitleggen.count("“dat heb ik met de leverancier besloten") == 1
    assert "regels: het besluit wordt opgelegd zonder uitleg; besluit van bovenaf" in uitleggen
