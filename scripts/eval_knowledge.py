"""Evaluate knowledge retrieval on the held-out questions and write docs/knowledge.md.

    .venv/bin/python scripts/eval_knowledge.py             # held-out evaluation, writes docs/knowledge.md
    .venv/bin/python scripts/eval_knowledge.py --json      # the same figures as JSON on stdout
    .venv/bin/python scripts/eval_knowledge.py --calibrate # choose the refusal rule (calibration set only)

The held-out set (tests/data/knowledge_questions_fresh.yml, session 3) was written by someone who had
read only the publications, not the entries, and is only used to report. The session-1 held-out set
(tests/data/knowledge_questions.yml) has informed changes since and is now the development set
(``--questions tests/data/knowledge_questions.yml``). The field weights and the refusal rule are
chosen with ``--calibrate`` on tests/data/knowledge_calibration.yml plus leave-one-out of the
entries' own example questions.
Exits with status 1 when a target of the issue is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge import Retriever, load_knowledge_base  # noqa: E402
from bot.knowledge.retrieval import DEFAULT_CONFIG, RankingConfig  # noqa: E402

HELD_OUT = ROOT / "tests" / "data" / "knowledge_questions_fresh.yml"
DEVELOPMENT = ROOT / "tests" / "data" / "knowledge_questions.yml"
CALIBRATION = ROOT / "tests" / "data" / "knowledge_calibration.yml"
REPORT = ROOT / "docs" / "knowledge.md"
COMMAND = ".venv/bin/python scripts/eval_knowledge.py"

#: Targets of the issue.
TARGET_ACCURACY = 0.95
TARGET_WRONG_SOURCES = 0
TARGET_REFUSAL = 0.90

#: Field weightings compared by --calibrate (and in docs/knowledge.md).
WEIGHTINGS: Dict[str, Dict[str, float]] = {
    "alleen entrytekst": {"text": 1.0, "questions": 0.0, "meta": 0.0, "all": 0.0},
    "alleen voorbeeldvragen": {"text": 0.0, "questions": 1.0, "meta": 0.0, "all": 0.0},
    "één index over alle velden": {"text": 0.0, "questions": 0.0, "meta": 0.0, "all": 1.0},
    "tekst + vragen + meta": {"text": 1.0, "questions": 1.0, "meta": 0.5, "all": 0.0},
    "tekst + vragen + meta + alles (gekozen)": {"text": 1.0, "questions": 1.0, "meta": 0.5, "all": 1.0},
    "vragen + alles": {"text": 0.0, "questions": 1.0, "meta": 0.0, "all": 1.0},
}
#: The refusal rule may answer at most this share of the unanswerable calibration questions.
MAX_ANSWERED_UNANSWERABLE = 0.05


@dataclass(frozen=True)
class Question:
    """One evaluation question: acceptable publications (empty = unanswerable), optional entries."""

    q: str
    sources: tuple
    entries: tuple = ()
    about: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def load_questions(path: Path, retriever: Optional[Retriever] = None) -> List[Question]:
    """Read a question set; ``entries`` (calibration format) imply their publications as sources,
    which needs the ``retriever`` (its knowledge base)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    result = []
    for item in data.get("questions", []):
        entries = tuple(item.get("entries") or ())
        sources = tuple(item.get("sources") or ())
        if entries and not sources:
            if retriever is None:
                raise ValueError(f"{path}: 'entries' need a retriever to find their publications")
            sources = tuple(dict.fromkeys(retriever.kb.entry(e).publication for e in entries))
        result.append(
            Question(q=str(item["q"]), sources=sources, entries=entries, about=str(item.get("about", "")))
        )
    return result


def evaluate(retriever: Retriever, questions: Sequence[Question]) -> Dict[str, Any]:
    """Run every question through ``Retriever.answer`` and compute the figures of the issue."""
    latencies: List[float] = []
    misses: List[Dict[str, Any]] = []
    right = wrong_answerable = invented = refused_unanswerable = 0
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    retriever.answer("opwarmen")  # first call loads the spaCy pipeline; not part of the latency
    for item in questions:
        start = time.perf_counter()
        answer = retriever.answer(item.q)
        latencies.append((time.perf_counter() - start) * 1000)
        cited = answer.publication_ids[0] if answer.found else None
        if item.answerable:
            if answer.found and cited in item.sources:
                right += 1
                continue
            if answer.found:
                wrong_answerable += 1
            kind = "wrong_source" if answer.found else "refused"
        else:
            if not answer.found:
                refused_unanswerable += 1
                continue
            invented += 1
            kind = "invented"
        misses.append(
            {
                "q": item.q,
                "kind": kind,
                "expected": list(item.sources),
                "cited": cited,
                "entry": answer.entry_ids[0] if answer.entry_ids else None,
                "score": round(answer.score, 3),
            }
        )
    accuracy = right / len(answerable) if answerable else 0.0
    refusal = refused_unanswerable / len(unanswerable) if unanswerable else 1.0
    result = {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "top1_source_accuracy": round(accuracy, 4),
        "right": right,
        "wrong_source_on_answerable": wrong_answerable,
        "answered_unanswerable": invented,
        "wrong_or_invented_sources": wrong_answerable + invented,
        "refused_answerable": len(answerable) - right - wrong_answerable,
        "refusal_rate_unanswerable": round(refusal, 4),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
        "misses": misses,
    }
    result["targets_met"] = targets_met(result)
    return result


def targets_met(result: Mapping[str, Any]) -> bool:
    """True when all three targets of the issue are met."""
    return (
        result["top1_source_accuracy"] >= TARGET_ACCURACY
        and result["wrong_or_invented_sources"] <= TARGET_WRONG_SOURCES
        and result["refusal_rate_unanswerable"] >= TARGET_REFUSAL
    )


# -- calibration ----------------------------------------------------------------------------------


def precompute(retriever: Retriever, calibration: Sequence[Question]) -> List[tuple]:
    """Field scores of every calibration question and of leave-one-out (LOO) of every example
    question of the entries (that question removed from the knowledge base). Slow: done once.

    Calibration questions also get the publication classifier's probabilities. LOO questions do
    not: the classifier was trained on them, so its vote would be too sure; their publication is
    chosen by BM25 alone (as before the classifier existed).
    """
    items = []
    for item in calibration:
        units = retriever.query_units(item.q)
        items.append(("cal", item.answerable, set(item.sources), None, units, retriever.field_scores(units),
                      retriever.publication_probabilities(item.q)))
    entries = retriever.kb.entries
    for doc_index, (owner, question) in enumerate(retriever.question_docs):
        units = retriever.query_units(question)
        scores = retriever.field_scores(units, exclude_question_doc=doc_index)
        items.append(("loo", True, {entries[owner].publication}, doc_index, units, scores, {}))
    return items


def _features(retriever: Retriever, weights: Mapping[str, float], pre: Sequence[tuple]):
    """(set, answerable, top-1 publication right, score, coverage, unknown, in scope) per question."""
    rows = []
    entries = retriever.kb.entries
    for kind, answerable, sources, doc_index, units, scores, probabilities in pre:
        combined = retriever.combine(scores, weights)
        out_of_scope = any(retriever.analyzer.is_out_of_scope(u) for u in units)
        ranked = retriever.rank(combined, {} if out_of_scope else probabilities)
        top = ranked[0] if ranked else int(np.argmax(combined))
        coverage, unknown, information = retriever.coverage(units, top, doc_index)
        in_scope = retriever.in_scope(units, top, doc_index)
        right = entries[top].publication in sources
        rows.append((kind, answerable, right, float(combined[top]), coverage, unknown, in_scope, information))
    return rows


class _Rows:
    """The feature rows as numpy arrays, so the rule grid can be scored quickly."""

    def __init__(self, rows):
        self.cal = np.array([r[0] == "cal" for r in rows])
        self.answerable = np.array([r[1] for r in rows])
        self.right = np.array([r[2] for r in rows])
        self.score = np.array([r[3] for r in rows])
        self.coverage = np.array([r[4] for r in rows])
        self.unknown = np.array([r[5] for r in rows])
        self.in_scope = np.array([r[6] for r in rows])
        self.information = np.array([r[7] for r in rows])


def _rates(rows: _Rows, config: RankingConfig) -> Dict[str, float]:
    found = (
        rows.in_scope
        & (rows.information >= config.min_information)
        & (rows.unknown <= config.max_unknown)
        & (rows.score >= config.min_score)
    ) & ((rows.coverage >= config.min_coverage) | (rows.score >= config.sure_score))
    cal_a = rows.cal & rows.answerable
    cal_u = rows.cal & ~rows.answerable
    loo = ~rows.cal
    return {
        "cal_top1": float(rows.right[cal_a].mean()),
        "loo_top1": float(rows.right[loo].mean()),
        "cal_accuracy": float((found & rows.right)[cal_a].mean()),
        "loo_accuracy": float((found & rows.right)[loo].mean()),
        "cal_wrong": int((found & ~rows.right)[cal_a].sum()),
        "cal_answered_unanswerable": int(found[cal_u].sum()),
        "cal_refusal": float((~found)[cal_u].mean()),
    }


GRID: Dict[str, List[float]] = {
    "min_score": [round(x, 3) for x in np.arange(0.0, 0.2001, 0.01)],
    "min_coverage": [round(x, 2) for x in np.arange(0.3, 1.001, 0.05)],
    "sure_score": [round(x, 3) for x in np.arange(0.0, 0.3001, 0.01)],
    # Not tuned (always 1.0 = no limit): the calibration questions were written by someone who knows
    # the knowledge base's words, so unknown words are rarer in them than in real questions, and a
    # limit chosen on them refuses too many real answerable questions (seen on the held-out set).
    "max_unknown": [1.0],
    "min_information": [0.0, 2.0, 3.0, 4.0, 5.0, 6.0],
}


def best_rule(rows: _Rows) -> RankingConfig:
    """The refusal rule, by grid search over ``GRID``.

    Objective: the mean of the share of calibration and of LOO questions answered from the right
    publication, smoothed over the neighbouring grid points of min_score, min_coverage and
    sure_score (so the rule sits on a plateau, not on a lucky peak). Constraint: at most 5% of the
    unanswerable calibration questions answered. Ties go to the stricter rule.
    """
    from scipy.ndimage import uniform_filter

    cal_a = rows.cal & rows.answerable
    cal_u = rows.cal & ~rows.answerable
    loo = ~rows.cal
    allowed = int(MAX_ANSWERED_UNANSWERABLE * int(cal_u.sum()))
    g = {k: np.array(v) for k, v in GRID.items()}
    # found[m, u, i, c, s, n]: question n answered under grid point (m, u, i, c, s)
    base = (
        rows.in_scope[None, None, None, :]
        & (rows.score[None, None, None, :] >= g["min_score"][:, None, None, None])
        & (rows.unknown[None, None, None, :] <= g["max_unknown"][None, :, None, None])
        & (rows.information[None, None, None, :] >= g["min_information"][None, None, :, None])
    )
    either = (rows.coverage[None, None, :] >= g["min_coverage"][:, None, None]) | (
        rows.score[None, None, :] >= g["sure_score"][None, :, None]
    )
    objective = np.zeros(base.shape[:3] + either.shape[:2])
    answered_u = np.zeros_like(objective)
    for m, u, i in itertools.product(*(range(k) for k in base.shape[:3])):
        found = either & base[m, u, i][None, None, :]
        good = found & rows.right[None, None, :]
        objective[m, u, i] = (good[:, :, cal_a].mean(axis=2) + good[:, :, loo].mean(axis=2)) / 2
        answered_u[m, u, i] = found[:, :, cal_u].sum(axis=2)
    smooth = uniform_filter(objective, size=(3, 1, 1, 3, 3), mode="nearest")
    feasible = (answered_u <= allowed) & (
        g["sure_score"][None, None, None, None, :] >= g["min_score"][:, None, None, None, None]
    )
    smooth = np.where(feasible, smooth, -1.0)
    best = None
    for m, u, i, c, s_ in zip(*np.nonzero(smooth >= smooth.max() - 1e-9)):
        key = (
            float(g["min_score"][m] + g["sure_score"][s_] + g["min_information"][i] / 100),
            float(g["min_coverage"][c]),
            -float(g["max_unknown"][u]),
        )
        if best is None or key > best[0]:
            best = (
                key,
                replace(
                    DEFAULT_CONFIG,
                    min_score=float(g["min_score"][m]),
                    min_coverage=float(g["min_coverage"][c]),
                    sure_score=float(g["sure_score"][s_]),
                    max_unknown=float(g["max_unknown"][u]),
                    min_information=float(g["min_information"][i]),
                ),
            )
    assert best is not None
    return best[1]


def calibrate(retriever: Retriever, calibration_path: Path = CALIBRATION) -> Dict[str, Any]:
    """Compare field weightings and pick the refusal rule (calibration set + LOO, never held-out)."""
    calibration = load_questions(calibration_path, retriever)
    pre = precompute(retriever, calibration)
    table = []
    chosen_rows = None
    for name, weights in WEIGHTINGS.items():
        rows = _Rows(_features(retriever, weights, pre))
        rule = best_rule(rows)
        rates = _rates(rows, rule)
        table.append({"weighting": name, "weights": weights, **rates, "rule": _rule_dict(rule)})
        if dict(weights) == dict(retriever.config.weights):
            chosen_rows = rows
    current = _rates(chosen_rows, retriever.config) if chosen_rows else {}
    return {
        "calibration_questions": len(calibration),
        "calibration_answerable": sum(q.answerable for q in calibration),
        "loo_questions": len(retriever.question_docs),
        "table": table,
        "current_rule": _rule_dict(retriever.config),
        "current": current,
    }


def _rule_dict(config: RankingConfig) -> Dict[str, float]:
    return {
        "min_score": config.min_score,
        "min_coverage": config.min_coverage,
        "sure_score": config.sure_score,
        "max_unknown": config.max_unknown,
        "min_information": config.min_information,
    }


# -- report ---------------------------------------------------------------------------------------


def machine() -> Dict[str, str]:
    """nproc, Python and the spaCy pipeline in use."""
    from bot import nlp

    info = nlp.describe()
    return {
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pipeline": info.summary if info else "geen spaCy-pipeline voorbereid",
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


#: Earlier runs on the held-out set while this was built (each after changes chosen on the
#: calibration set; the held-out set was run five times in all). Kept here so the report keeps them.
HISTORY = [
    "1. Eerste versie (drie indexen, strenge regel op score en dekking): 67,9% juist, "
    "10 verkeerde/verzonnen bronnen, 91,2% weigering.",
    "2. Plus 135 informele voorbeeldvragen (vooral `ssas-2025-techniek`), index `all`, gewicht voor "
    "synoniemen en woorddelen, `buiten_bereik`, dekking en informatie: 77,7% juist, 9 fout, 91,2% weigering.",
    "3. Plus 82 voorbeeldvragen voor de andere vier publicaties en meer synoniemen; regel opnieuw "
    "gekalibreerd (met grens op onbekende woorden): 73,9% juist, 12 fout, 91,2% weigering.",
    "4. Brede synoniemgroepen (werven, verandering, concurrentie, ...) weer weg, regel gladgestreken over "
    "buurpunten: 73,9% juist, 12 fout, 91,2% weigering.",
    "5. De grens op onbekende woorden geschrapt (de kalibratievragen bevatten te weinig woorden die de "
    "kennisbank niet kent; gezien aan de missers van run 4) en een fout met `o&o` gerepareerd: 77,2% "
    "juist, 12 fout, 91,2% weigering.",
    "6. Twee fouten gerepareerd die bij het testen opvielen (niet op de held-out set): de "
    "`buiten_bereik`-controle keek ook naar de voorbeeldvragen (\"kosten robots banen?\" liet \"wat kost "
    "een lasrobot?\" door) en een toegevoegde voorbeeldvraag noemde Enschede, wat niet in de entry "
    "staat: 77,2% juist, 12 fout, 91,2% weigering.",
    "7. Sessie 3: de set van runs 1-6 (`tests/data/knowledge_questions.yml`) had intussen te veel "
    "keuzes gestuurd en is nu **ontwikkelset**. De publicatiekeuze met de tekstclassificatie (gekozen op de "
    "kalibratieset) gaf daar 77,7% juist, 8 fout (was 12), 91,2% weigering. Daarna is een nieuwe held-out "
    "set geschreven door iemand die alleen de publicaties las, niet de entries "
    "(`tests/data/knowledge_questions_fresh.yml`, 160 vragen); de eerste meting daarop staat bovenaan.",
]


def render_markdown(result: Mapping[str, Any], calib: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """docs/knowledge.md: figures, misses, method, why this ranking, history, how to reproduce."""
    met = "gehaald" if result["targets_met"] else "**niet gehaald**"
    lines = [
        "# Kennisbank: vrije vragen met bronvermelding",
        "",
        f"Gemeten op {dt.date.today().isoformat()} met `{COMMAND}`; dit bestand wordt door dat script",
        "geschreven (draai het opnieuw na een wijziging in `knowledge/` of `bot/knowledge/`).",
        "",
        f"- Machine: {env['nproc']} cores (nproc), Python {env['python']}, {env['platform']}",
        f"- {env['pipeline']}",
        "",
        "## Resultaat op de held-out vragen",
        "",
        f"`{result.get('file', 'tests/data/knowledge_questions_fresh.yml')}`: {result['questions']} vragen, "
        f"{result['answerable']} "
        f"beantwoordbaar en {result['unanswerable']} die de vijf publicaties niet beantwoorden. "
        f"Doelen van de issue: {met}.",
        "",
        "| maat | doel | gemeten |",
        "|---|---|---|",
        f"| top-1 bronjuistheid (beantwoordbaar: antwoord gegeven met de juiste publicatie) | ≥ 95% | "
        f"{_pct(result['top1_source_accuracy'])} ({result['right']}/{result['answerable']}) |",
        f"| verkeerde of verzonnen bronnen | 0 | {result['wrong_or_invented_sources']} "
        f"({result['wrong_source_on_answerable']} verkeerde publicatie, {result['answered_unanswerable']} "
        "antwoord op een onbeantwoordbare vraag) |",
        f"| eerlijke weigering (onbeantwoordbaar) | ≥ 90% | {_pct(result['refusal_rate_unanswerable'])} |",
        f"| beantwoordbare vragen geweigerd | – | {result['refused_answerable']} |",
        f"| latentie per vraag p50 / p95 | ruim onder 20 ms | {result['latency_ms_p50']} / "
        f"{result['latency_ms_p95']} ms |",
        "",
        "De latentie is `Retriever.answer` per vraag (index al gebouwd; het bouwen, met de",
        "publicatieclassificatie, kost ±4 s bij de start van de actieserver).",
        "De p95 hangt af van de belasting van de machine; de rekentijd zelf is ongeveer 1 ms per vraag.",
        "",
        "**Eerlijk gezegd:** de doelen zijn niet samen te halen met woordovereenkomst alleen. De",
        "weigerregel moet kiezen tussen beantwoordbare vragen in spreektaal die weinig woorden met de",
        "entry delen, en onbeantwoordbare vragen die juist veel woorden uit de kennisbank bevatten",
        '("welke AR-bril raden jullie aan"). De regel is gekalibreerd op hoogstens 5% antwoorden op',
        "onbeantwoordbare kalibratievragen; dat levert hier ruim 90% weigering maar niet nul verzonnen",
        "bronnen op, en kost beantwoordbare vragen. De meeste missers zijn weigeringen, geen verkeerde bron.",
        "",
    ]
    if result["misses"]:
        lines += [
            "### Missers",
            "",
            "`refused`: beantwoordbaar maar geweigerd; `wrong_source`: antwoord uit een andere publicatie;",
            "`invented`: antwoord (met bron) op een vraag die de publicaties niet beantwoorden.",
            "",
            "| soort | vraag | verwacht | gegeven (entry, score) |",
            "|---|---|---|---|",
        ]
        for miss in result["misses"]:
            if miss["cited"]:
                got = f"{miss['cited']} ({miss['entry']}, {miss['score']})"
            else:
                got = f"geweigerd ({miss['score']})"
            expected = ", ".join(miss["expected"]) or "weigeren"
            question = miss["q"].replace("|", "/")
            lines.append(f"| {miss['kind']} | {question} | {expected} | {got} |")
        lines.append("")
    lines += _method_lines(calib)
    return "\n".join(lines) + "\n"


def _method_lines(calib: Mapping[str, Any]) -> List[str]:
    rule = calib.get("current_rule", {})
    current = calib.get("current", {})
    lines = [
        "## Methode",
        "",
        "1. **Tekstanalyse** (`bot/knowledge/analysis.py`): lemma's van de Nederlandse spaCy-pipeline",
        "   (`bot.nlp`), accenten weg, daarna een kleine stemmer voor wat de lemmatabel mist (meervoud,",
        "   -en, -ende, bijvoeglijk -e; `brillen` → bril, `duurzame` → duurzaam). Stopwoorden: spaCy plus",
        "   `stopwoorden` uit `knowledge/synonyms.yml`. Een woord met koppelteken telt als zijn delen plus",
        "   het aaneengeschreven woord (`AR-bril` → ar, bril, arbril).",
        "2. **Synoniemen en samenstellingen** (`knowledge/synonyms.yml`, leesbaar voor consultants): elk",
        "   woord of woordgroep uit een groep voegt een groepsterm toe (`operators`, `de jongens` →",
        "   `=medewerker`); samenstellingen krijgen hun delen erbij (bekende woorddelen: lasrobot → robot;",
        "   of twee woorden die de kennisbank kent: personeelstekort → personeel + tekort). Een onbekend",
        "   woord in een vraag wordt, als dat eenduidig is, herleid tot een werkwoordsvorm (stelt → stel,",
        "   gewerkt → werk) of tot een bekend woord met één tikfout.",
        "3. **Ranking** (`bot/knowledge/index.py`, `retrieval.py`): BM25 uit de bibliotheek `bm25s`",
        "   (Lucene-variant, k1 = 1.2, b = 0.75) in vier indexen per entry: de tekst, elke",
        "   voorbeeldvraag als eigen document (de entry telt haar beste vraag), meta (sectie, spreker,",
        "   onderwerpen) en alles samen. Per vraagwoord telt het beste alternatief één keer: het woord",
        "   zelf volledig, een synoniem voor 0,75 en een woorddeel voor 0,5. Elke veldscore wordt gedeeld",
        "   door het maximum dat de vraag in dat veld kan halen (Σ idf·(k1+1); een woord dat niemand kent",
        "   telt met de hoogste idf), zodat de velden op één schaal 0..1 liggen: gewichten tekst 1,",
        "   vragen 1, meta 0,5, alles 1.",
        "   **Publicatiekeuze** (`bot/knowledge/classifier.py`): een tekstclassificatie (scikit-learn,",
        "   logistische regressie op TF-IDF van letter-n-grammen 3-5 en van lemma's/synoniemen 1-2)",
        "   getraind op alle voorbeeldvragen en teksten, met de publicatie als label, geeft per",
        "   publicatie een kans. Per publicatie telt: beste BM25-score van haar entries / beste",
        "   score overall + 1,0 × die kans; de beste entry van de winnende publicatie komt bovenaan.",
        "   Zo wint één losse entry met toevallig gedeelde woorden niet meer van een publicatie die",
        "   als geheel over de vraag gaat. Vragen met een `buiten_bereik`-woord (prijs, subsidie, ...)",
        "   rangschikt BM25 alleen. Gewicht 1,0 gekozen op de kalibratieset (0 / 0,25 / 0,5 / 1 / 2 / 4:",
        "   top-1 publicatie 95,4 / 96,0 / 97,1 / 98,3 / 97,1 / 96,5%). Bij LOO stemt de classificatie",
        "   niet mee (ze is op die vragen getraind).",
        "4. **Weigeren** (`RankingConfig.accepts`): de bot antwoordt alleen als",
        "   - de vraag specifiek genoeg is: informatie (Σ idf van de bekende woorden) ≥ "
        f"{rule.get('min_information')};",
        f"   - de beste entry scoort ≥ {rule.get('min_score')} én ofwel een *dekking* ≥ "
        f"{rule.get('min_coverage')} heeft (het idf-gewogen deel",
        f"     van de vraagwoorden dat in de entry staat) ofwel een score ≥ {rule.get('sure_score')};",
        "   - een woord uit `buiten_bereik` (prijs, kosten, subsidie, wet, garantie, loon, ...) in de entry",
        '     zelf staat. "Hoeveel kost een cobot" vindt wel cobot-entries, maar geen entry met "kost".',
        "5. **Antwoord** (`bot/knowledge/answers.py`): de entrytekst, ingekort tot drie zinnen (de eerste",
        "   plus de zinnen met de meeste vraagwoorden), dan `Bron: <korte citatie uit publications.yml> —",
        '   <sectie>; <spreker>`, altijd van de publicatie van die entry. Weigeren: "Dat staat niet in de',
        '   publicaties die ik ken." plus waarmee de bot wel kan helpen, zonder `Bron:`-regel.',
        '6. **Overzichten** (`bot/knowledge/listing.py`): "wat zegt het rapport over X", "geef alle',
        '   kernconclusies" → hoogstens 8 regels, gegroepeerd per publicatie met een `Bron:`-regel per',
        "   publicatie; `None` als de vraag geen overzicht vraagt.",
        "",
        "## Waarom deze ranking (gemeten op de kalibratieset, niet op de held-out set)",
        "",
        "Kalibratieset `tests/data/knowledge_calibration.yml` (zelf geschreven): "
        f"{calib.get('calibration_questions')} "
        f"vragen, waarvan {calib.get('calibration_answerable')} beantwoordbare",
        "parafrases en informele eigenaarsvragen en de rest onbeantwoordbaar (prijzen, subsidies,",
        "leveranciers, wetten, weer, ...). Daarnaast leave-one-out (LOO) van de",
        f"{calib.get('loo_questions')} voorbeeldvragen van de entries: de vraag wordt uit de vragenindex, de",
        "`all`-index (opnieuw gebouwd) en de dekking gehaald. Per weging is de weigerregel gekozen die het",
        "gemiddelde van juist beantwoord (kalibratie, LOO) maximaliseert, met hoogstens 5% antwoorden op",
        "onbeantwoordbare kalibratievragen, gladgestreken over naburige drempels.",
        "",
        "| weging (tekst / vragen / meta / alles) | top-1 publicatie kalibratie | top-1 LOO "
        "| juist beantwoord kalibratie | juist beantwoord LOO | onbeantwoordbaar beantwoord |",
        "|---|---|---|---|---|---|",
    ]
    for row in calib.get("table", []):
        w = row["weights"]
        weights = f"{w['text']:g} / {w['questions']:g} / {w['meta']:g} / {w['all']:g}"
        lines.append(
            f"| {row['weighting']} ({weights}) | {_pct(row['cal_top1'])} | {_pct(row['loo_top1'])} | "
            f"{_pct(row['cal_accuracy'])} | {_pct(row['loo_accuracy'])} | "
            f"{row['cal_answered_unanswerable']} |"
        )
    lines += [
        "",
        "Alleen de entrytekst mist de woorden waarmee eigenaren vragen stellen; alleen de voorbeeldvragen",
        "mist de inhoud. Aparte indexen per veld, genormaliseerd en gemengd, plus één index over alles,",
        "rangschikken het best (hoogste top-1 bij LOO, en het meeste juist beantwoord na de weigerregel).",
        "Getest en niet beter: k1 0,9 / 1,5 / 2,0 en b 0,5 / 0,9 (verschillen < 1 procentpunt);",
        "woorddelen even zwaar als het woord zelf (top-1 kalibratie 1 procentpunt lager); synoniemen",
        "voor 0,5 of 1 in plaats van 0,75 (gelijk of lager). `Retriever.answer` gebruikt geen",
        "overzichten: \"de hele lijst kernconclusies\" hoort via `list_entries` te lopen.",
        "Met de gekozen weging en regel: kalibratie "
        f"{_pct(current.get('cal_accuracy', 0))} juist beantwoord, "
        f"{current.get('cal_answered_unanswerable', '?')} onbeantwoordbare vragen beantwoord "
        f"(weigering {_pct(current.get('cal_refusal', 0))}); LOO {_pct(current.get('loo_accuracy', 0))}.",
        "",
        "## Verloop op de held-out set",
        "",
        *HISTORY,
        "",
        "## Reproduceren",
        "",
        "```",
        "cd /work/main",
        f"{COMMAND}              # held-out evaluatie + dit rapport; exit 1 als een doel gemist wordt",
        f"{COMMAND} --json       # dezelfde cijfers als JSON",
        f"{COMMAND} --calibrate  # wegingen vergelijken en de weigerregel kiezen (kalibratie + LOO)",
        ".venv/bin/python -m pytest tests/unit -q",
        "```",
    ]
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=HELD_OUT, help="question set (held-out by default)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--calibrate", action="store_true", help="compare weightings, pick the refusal rule")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the Markdown report")
    parser.add_argument("--no-report", action="store_true", help="do not write the report (faster)")
    args = parser.parse_args(argv)

    retriever = Retriever(load_knowledge_base())
    if args.calibrate:
        calib = calibrate(retriever)
        if args.json:
            print(json.dumps(calib, ensure_ascii=False, indent=2))
        else:
            for row in calib["table"]:
                print(json.dumps(row, ensure_ascii=False))
            print("current rule:", calib["current_rule"], calib["current"])
        return 0

    result = evaluate(retriever, load_questions(args.questions, retriever))
    try:
        result["file"] = str(args.questions.resolve().relative_to(ROOT))
    except ValueError:
        result["file"] = str(args.questions)
    if not args.no_report:
        calib = calibrate(retriever)
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(render_markdown(result, calib, machine()), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"top-1 bronjuistheid {_pct(result['top1_source_accuracy'])} | verkeerde/verzonnen bronnen "
            f"{result['wrong_or_invented_sources']} | weigering onbeantwoordbaar "
            f"{_pct(result['refusal_rate_unanswerable'])} | latentie p50 {result['latency_ms_p50']} ms, "
            f"p95 {result['latency_ms_p95']} ms | "
            f"doelen {'gehaald' if result['targets_met'] else 'NIET gehaald'}"
        )
        for miss in result["misses"]:
            cited = miss["cited"] or "geweigerd"
            print(f"  {miss['kind']:<12} {miss['q']}  -> {cited} ({miss['entry']}, {miss['score']})")
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
