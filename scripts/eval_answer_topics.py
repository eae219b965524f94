"""How well bot/answer_topics.py tells which intake question an answer is about, leave-one-file-out.

For every intake answer of the labelled conversations (knowledge/conclusion_training.yml), with the
model trained without the case file it comes from (the typical answers always in):

* asked as labelled, the next questions open: does the model wrongly say it answers a later question
  ("valse sprong": the bot would file a real answer under the wrong question);
* asked one or two questions earlier: does it say which later question it answers ("sprong gevonden");
* asked as labelled, with the two questions before it passed over by the bot (answered, it seemed, by
  an earlier message): does it wrongly file the answer back under one of those ("valse sprong terug");
* asked the next question, with this one passed over: does it file the answer back here ("terug gevonden").

    .venv/bin/python scripts/eval_answer_topics.py [--grid]

``--grid`` prints the figures for other thresholds (how MIN_AHEAD / MAX_ASKED were chosen).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import answer_topics as at  # noqa: E402
from bot.conclusions import ConclusionEngine  # noqa: E402
from bot.conclusions.learned import DEFAULT_TRAINING, load_training  # noqa: E402


def held_out_probabilities(engine, pairs):
    groups = at.by_group(pairs)
    out = []
    for name, held in groups.items():
        if name == "examples":
            continue
        train = [p for p in pairs if p[0] != name]
        model = at.TopicModel.train(engine, train)
        for _, slot, text in held:
            first = at.first_sentence(text)
            out.append((slot, text, model.probabilities(text), model.probabilities(first) if first else None))
    return out


def moved(row, asked, open_after, min_ahead, max_asked, first_keep, unasked_before=()):
    """``TopicModel.ahead_of`` on a held-out row: ``decide``, then the first-sentence check."""
    _, text, proba, first = row
    return at.move(
        proba, text, asked, open_after, (lambda: first) if first is not None else None,
        min_ahead, max_asked, unasked_before, first_keep,
    )


def figures(rows, min_ahead, max_asked, first_keep=at.FIRST_KEEP):
    order = list(at.TOPICS)
    false_jumps = n_false = found = n_found = wrong = 0
    for row in rows:
        slot = row[0]
        i = order.index(slot)
        n_false += 1
        false_jumps += moved(row, slot, order[i + 1 :], min_ahead, max_asked, first_keep) is not None
        for back in (1, 2):
            if i - back < 1:  # not from "motief"/"fase" back to nothing
                continue
            asked = order[i - back]
            got = moved(row, asked, order[i - back + 1 :], min_ahead, max_asked, first_keep)
            n_found += 1
            found += got == slot
            wrong += got is not None and got != slot
    return false_jumps, n_false, found, wrong, n_found


def figures_back(rows, min_ahead, max_asked, first_keep=at.FIRST_KEEP):
    """The same for answers to a question the bot passed over (``unasked_before``)."""
    order = list(at.TOPICS)
    false_back = n_false = found = wrong = n_found = 0
    for row in rows:
        slot = row[0]
        i = order.index(slot)
        if i >= 1:
            n_false += 1
            passed = order[max(0, i - 2) : i]
            got = moved(row, slot, [], min_ahead, max_asked, first_keep, unasked_before=passed)
            false_back += got is not None
        if i + 1 < len(order):
            n_found += 1
            passed = order[max(0, i - 1) : i + 1]
            got = moved(row, order[i + 1], [], min_ahead, max_asked, first_keep, unasked_before=passed)
            found += got == slot
            wrong += got is not None and got != slot
    return false_back, n_false, found, wrong, n_found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    engine = ConclusionEngine.from_file(learned=False)
    pairs = at.training_pairs(load_training(DEFAULT_TRAINING), at.load_examples())
    rows = held_out_probabilities(engine, pairs)
    right = sum(max(p, key=p.get) == slot for slot, _, p, _ in rows)
    print(
        f"antwoorden: {len(rows)} uit {len(at.by_group(pairs)) - 1} bestanden, "
        f"plus {sum(1 for p in pairs if p[0] == 'examples')} voorbeeldantwoorden"
    )
    print(f"meest waarschijnlijke vraag juist: {right}/{len(rows)} ({right / len(rows):.1%})")
    settings = [(at.MIN_AHEAD, at.MAX_ASKED, at.FIRST_KEEP)]
    if args.grid:
        settings += [(a, b, at.FIRST_KEEP) for a in (0.4, 0.5, 0.6, 0.7, 0.8) for b in (0.05, 0.1, 0.2, 0.3)]
        settings += [(at.MIN_AHEAD, at.MAX_ASKED, k) for k in (None, 0.1, 0.15, 0.3, 0.4, 0.5)]
    for min_ahead, max_asked, first_keep in settings:
        fj, nf, found, wrong, nfound = figures(rows, min_ahead, max_asked, first_keep)
        print(
            f"MIN_AHEAD={min_ahead} MAX_ASKED={max_asked} FIRST_KEEP={first_keep}: valse sprong {fj}/{nf} "
            f"({fj / nf:.1%}); sprong gevonden {found}/{nfound} ({found / nfound:.1%}), "
            f"naar een verkeerde vraag {wrong}"
        )
        fb, nb, bfound, bwrong, nbfound = figures_back(rows, min_ahead, max_asked, first_keep)
        print(
            f"    terug: valse sprong terug {fb}/{nb} ({fb / nb:.1%}); "
            f"terug gevonden {bfound}/{nbfound} ({bfound / nbfound:.1%}), naar een verkeerde vraag {bwrong}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
