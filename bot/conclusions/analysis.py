"""Read one statement: tokens and lemmas, sentences, segments, and the signal words in it.

The statement is lower-cased and run through the spaCy pipeline (tokens and lemmas only: no POS tags
or parser are needed, so the fallback pipeline and ``nl_core_news_sm`` both work). Then:

* **sentences** end at ``. ! ? ; :`` and line breaks (we split ourselves: the fallback has no
  sentencizer);
* a sentence ending in ``?`` is a question, not a statement about the plan: it is dropped when it
  starts with a question word (``vraagwoorden``), else only its last segment is dropped
  ("we hebben ze betrokken, is dat genoeg?" keeps "we hebben ze betrokken");
* **segments** (the scope of negation and tense) end at commas, dashes and brackets, before the
  words in ``splitsen`` (maar, want, omdat, die, dat, ...), before ``splitsen_voor_onderwerp``
  words (en, of) when a subject word follows ("en ze ..."), and around a correction
  ("dat klopt niet", "ik bedoel");
* **signals** are found on the surface text: negation (minus the exceptions in
  ``geen_ontkenning``), plans (``gepland`` per segment, ``gepland_zin`` for the whole sentence,
  minus ``geen_gepland``; a form of "gaan" after a form of "zijn", or in a sentence that starts with
  "ja", is past: "we zijn gaan kijken", "ja, bij een collega gaan kijken"),
  things already done (``gedaan``, which wins over a plan), hedging (``twijfel``), skipping
  (``overslaan``), and corrections (``correctie``);
* for an answer to an intake question, the **polarity** of the short answer: ``ja``, ``nee`` or
  none, from the first segment, overridden by a later short segment ("ja, maar nog niet" -> nee).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from bot.conclusions.terms import TermIndex, Token, normalize

_SENTENCE_END = {".", "!", "?", ";", ":", "...", "\u2026", "..", "!!", "??", "?!", "!?"}
_SEGMENT_BREAK = {",", "-", "\u2013", "\u2014", "(", ")", "/", "+"}
#: the first word of a question the owner repeats before a colon ("of ze betrokken zijn: nee")
_ECHO_START = {"of", "wat", "hoe", "wie", "waarom", "welke", "wanneer", "waar", "hoeveel"}
_GAAN = {"ga", "gaat", "gaan"}
_ZIJN = {"ben", "bent", "is", "zijn", "was", "waren"}
_MOETEN = {"moet", "moeten"}
_NOG_STILL = {"steeds", "altijd", "wel", "meer"}
#: at most this many words between "moet" and "nog" ("moeten de jongens op de vloer nog vertellen")
_MOET_NOG_GAP = 7
_LIST_CONJ = {"en", "of"}
#: Short-answer segments longer than this do not set the polarity (they are content).
_SHORT_ANSWER = 4


class Signals:
    """The signal-word lists of the rules file, compiled for surface matching."""

    def __init__(self, lists: Mapping[str, Sequence[str]]) -> None:
        self.index = TermIndex(surface_only=True)
        self.ids: Dict[str, FrozenSet[int]] = {key: self.index.add_all(terms) for key, terms in lists.items()}
        self._keys_of: Dict[int, List[str]] = {}
        for key, ids in self.ids.items():
            for tid in ids:
                self._keys_of.setdefault(tid, []).append(key)

    def spans(self, found: Mapping[int, List[Tuple[int, int]]]) -> Dict[str, List[Tuple[int, int]]]:
        """The (start, end) spans of each signal list in ``found``, in order."""
        out: Dict[str, List[Tuple[int, int]]] = {key: [] for key in self.ids}
        for tid, spans in found.items():
            for key in self._keys_of.get(tid, ()):
                out[key].extend(spans)
        for spans in out.values():
            spans.sort()
        return out


@dataclass
class Sentence:
    """One sentence of a statement: its original text and its range in the token list."""

    text: str
    start: int
    end: int
    hedged: bool = False
    planned: bool = False


@dataclass
class Analysis:
    """Everything the rules look at in one statement."""

    tokens: List[Token]
    sentences: List[Sentence]
    sentence_of: List[int]
    segment_of: List[int]
    negation: List[int]  # token positions of negation signals
    plan: List[int]
    done: List[int]
    corrections: List[int]  # token positions where a correction starts
    # the statement opens with a correction ("nee wacht, dat klopt niet", "sorry, verkeerd getypt: ..."):
    # only fillers, "ja" or "nee" before it, so it is about the previous statement
    opens_with_correction: bool = False
    # the statement opens with "weet ik niet" / "geen idee" (after fillers): what follows is about not knowing
    opens_with_dont_know: bool = False
    # every sentence with content is hedged or says "weet ik niet" ("ik heb het idee dat ze blij zijn, maar
    # dat hebben ze zelf niet gezegd. de eigenaar weet het eigenlijk niet"): an impression, no evidence
    uncertain: bool = False
    # a sentence says only "weet ik niet" / "geen idee" (fillers aside), or the statement opens with it:
    # "goeie vraag, daar heb ik nog niet over nagedacht. geen idee" (blind REST s217)
    says_dont_know: bool = False
    skip: bool = False
    polarity: Optional[str] = None
    polarity_pos: int = 0
    polarity_hedged: bool = False
    terms: Dict[int, List[Tuple[int, int]]] = field(default_factory=dict)
    seg_negation: Dict[int, List[int]] = field(default_factory=dict)
    seg_plan: Dict[int, List[int]] = field(default_factory=dict)
    seg_done: Dict[int, List[int]] = field(default_factory=dict)


#: Words after which a clause ends (for "gaan" at the end of a clause).
_CLAUSE_END_WORDS = {"en", "of", "maar", "want", "dus", "als", "omdat"}


def _ends_clause(
    tokens: Sequence[Token], segment_of: Sequence[int], sentence_of: Sequence[int], i: int
) -> bool:
    """Whether token ``i`` ends its clause (last of its sentence or segment, or a conjunction next)."""
    j = i + 1
    if j >= len(tokens) or sentence_of[j] != sentence_of[i] or segment_of[j] != segment_of[i]:
        return True
    return tokens[j].text in _CLAUSE_END_WORDS or not any(c.isalnum() for c in tokens[j].text)


def _covered(spans: Sequence[Tuple[int, int]]) -> Set[int]:
    return {i for start, end in spans for i in range(start, end)}


def _raw_sentences(doc, text: str, original: str) -> List[Tuple[List[Tuple[Token, bool]], str, bool]]:
    """Split a spaCy doc into sentences of (token, segment break before it) pairs."""
    source = original if len(original) == len(text) else text
    out = []
    current: List[Tuple[Token, bool]] = []
    first_char: Optional[int] = None
    last_char = 0
    pending_break = False

    def flush(question: bool) -> None:
        nonlocal current, first_char, pending_break
        if current:
            out.append((current, source[first_char:last_char].strip(), question))
        current = []
        first_char = None
        pending_break = False

    for tok in doc:
        raw = tok.text
        if tok.is_space:
            if "\n" in raw:
                flush(False)
            continue
        if first_char is None:
            first_char = tok.idx
        last_char = tok.idx + len(raw)
        if raw in _SENTENCE_END or (tok.is_punct and set(raw) <= set(".!?;:\u2026")):
            # "of ze betrokken zijn: nee. ...", "wat het ze oplevert: ...": the owner repeats the question
            # before answering it; such an echo is a question too, not a statement (blind REST s114)
            echo = raw == ":" and bool(current) and current[0][0].text in _ECHO_START
            flush("?" in raw or echo)
            continue
        if raw == "+" and current and current[-1][0].number and tok.i > 0 and not doc[tok.i - 1].whitespace_:
            # "allemaal 55+": spaCy splits off the "+"; the rules see "55+" (text), the lemma stays "55"
            prev, brk = current[-1]
            current[-1] = (prev._replace(text=prev.text + "+"), brk)
            continue
        if raw in _SEGMENT_BREAK or tok.is_punct:
            pending_break = True
            continue
        current.append(
            (
                Token(normalize(raw), normalize(tok.lemma_ or raw), bool(tok.like_num)),
                pending_break,
            )
        )
        pending_break = False
    flush(False)
    return out


def analyse(doc, original: str, signals: Signals, terms: TermIndex, with_polarity: bool) -> Analysis:
    """Analyse one statement (``doc``: the pipeline's output for the lower-cased ``original``)."""
    text = doc.text
    raw_sentences = _raw_sentences(doc, text, original)
    question_words = signals.ids["vraagwoorden"]

    tokens: List[Token] = []
    breaks_before: List[bool] = []
    sentences: List[Sentence] = []
    sentence_of: List[int] = []
    for raw_tokens, sent_text, question in raw_sentences:
        if question:
            first = signals.index.atoms_of(raw_tokens[0][0])
            starts_with_question = any(
                signals.index.terms[tid][0] in first
                for tid in question_words
                if len(signals.index.terms[tid]) == 1
            )
            last_break = max((i for i, (_, brk) in enumerate(raw_tokens) if brk and i > 0), default=0)
            if starts_with_question or last_break == 0:
                continue
            raw_tokens = raw_tokens[:last_break]
        start = len(tokens)
        for tok, brk in raw_tokens:
            tokens.append(tok)
            breaks_before.append(brk)
            sentence_of.append(len(sentences))
        sentences.append(Sentence(text=sent_text, start=start, end=len(tokens)))

    sentence_starts = [s.start for s in sentences]
    found = signals.index.find(tokens, sentence_starts)
    spans = signals.spans(found)

    # Segments: commas etc. (from the tokenizer), splitting words, and around corrections.
    split_before = set()
    for start, _ in spans["splitsen"]:
        # "het is niet zo dat het extra werk is": the negation belongs to the clause after "dat"
        if (
            tokens[start].text == "dat"
            and start > 0
            and (
                tokens[start - 1].text == "niet"
                or (start > 1 and tokens[start - 2].text == "niet" and tokens[start - 1].text == "zo")
            )
        ):
            continue
        split_before.add(start)
    subject_starts = {s for s, _ in spans["onderwerpen"]}
    for start, end in spans["splitsen_voor_onderwerp"]:
        if end in subject_starts:
            split_before.add(start)
    corrections = [start for start, _ in spans["correctie"]]
    for start, end in spans["correctie"]:
        split_before.add(start)
        split_before.add(end)
    segment_of: List[int] = []
    segment = -1
    for i in range(len(tokens)):
        if i in sentence_starts or breaks_before[i] or i in split_before:
            segment += 1
        segment_of.append(segment)

    not_negation = (
        _covered(spans["geen_ontkenning"]) | _covered(spans["overslaan"]) | _covered(spans["correctie"])
    )
    negation = sorted({i for s, e in spans["ontkenning"] for i in range(s, e)} - not_negation)
    negation = _cancel_double_negation(tokens, segment_of, negation)
    not_plan = _covered(spans["geen_gepland"])
    # A sentence that starts with "ja" answers "heb je al ...?": "ja, bij een collega gaan kijken" is
    # the elliptic past of "we zijn gaan kijken". Real plan words ("volgende week", "binnenkort") still count.
    yes_sentences = {sentence_of[s] for s, _ in spans["ja"] if s in sentence_starts}
    plan: List[int] = []
    for s, _ in spans["gepland"]:
        if s in not_plan:
            continue
        if tokens[s].text in _GAAN and _ends_clause(tokens, segment_of, sentence_of, s):
            # future "gaan" governs an infinitive; at the end of a clause it is the verb of "het gaat om
            # ..." ("ik heb uitgelegd dat het om hun ruggen gaat en niet om meer productie")
            continue
        if tokens[s].text in _GAAN and (
            sentence_of[s] in yes_sentences
            or any(tokens[j].text in _ZIJN for j in range(s - 1, -1, -1) if segment_of[j] == segment_of[s])
        ):
            continue
        plan.append(s)
    # "moet/moeten ... nog" with words in between ("ik moet het ze nog uitleggen") is a plan too; the
    # adjacent forms ("moet nog") are in the signal list. Not "nog steeds/altijd/wel" (still).
    for i, tok in enumerate(tokens):
        if tok.text in _MOETEN:
            for j in range(i + 2, min(i + 2 + _MOET_NOG_GAP, len(tokens))):
                if segment_of[j] != segment_of[i]:
                    break
                if tokens[j].text == "nog" and (j + 1 >= len(tokens) or tokens[j + 1].text not in _NOG_STILL):
                    if i not in not_plan:
                        plan.append(i)
                    break
    done = [s for s, _ in spans["gedaan"]]
    for s, _ in spans["gepland_zin"]:
        sentences[sentence_of[s]].planned = True
    for s, _ in spans["twijfel"]:
        sentences[sentence_of[s]].hedged = True
    # "wat ik net zei over minder rugpijn moet ik bijstellen": the sentence names what the owner said before,
    # it does not say it again; like a hedge, an op_orde from it does not count (blind REST s191)
    for s, _ in spans["verwijzing"]:
        sentences[sentence_of[s]].hedged = True
    # "weet ik niet, ..." / "sla over" hedge a sentence they open, not one that merely contains the
    # word ("ze zien op het scherm de volgende stap").
    for s, _ in spans["overslaan"]:
        if s in sentence_starts:
            sentences[sentence_of[s]].hedged = True

    analysis = Analysis(
        tokens=tokens,
        sentences=sentences,
        sentence_of=sentence_of,
        segment_of=segment_of,
        negation=negation,
        plan=sorted(set(plan)),
        done=done,
        corrections=corrections,
    )
    for key, positions in (("seg_negation", negation), ("seg_plan", analysis.plan), ("seg_done", done)):
        table: Dict[int, List[int]] = {}
        for p in positions:
            table.setdefault(segment_of[p], []).append(p)
        setattr(analysis, key, table)

    filler = _covered(spans["opvulling"])
    skipped = _covered(spans["overslaan"])
    content = [i for i in range(len(tokens)) if i not in filler and i not in skipped]
    analysis.skip = not content
    opening = filler | _covered(spans["nee"]) | _covered(spans["ja"])
    analysis.opens_with_correction = bool(corrections) and all(i in opening for i in range(corrections[0]))
    first_content = next((i for i in range(len(tokens)) if i not in filler), None)
    # "o en dat van die werkvloer van net klopt niet helemaal": "dat van ..." names an earlier answer only
    # when it opens the message (blind REST s209); that sentence is hedged like one with a ``verwijzing``
    opening_ref = first_content is not None and any(
        s <= first_content < e for s, e in spans["verwijzing_begin"]
    )
    if opening_ref:
        sentences[sentence_of[first_content]].hedged = True
    if not analysis.opens_with_correction and first_content is not None and corrections:
        # "oh en wat ik eerder zei over het betrekken van de operators klopt niet helemaal. ik vergat ...":
        # a message that opens by naming an earlier answer and says in that sentence that it was wrong
        # (blind REST s184, s188)
        refers = opening_ref or any(s == first_content for s, _ in spans["verwijzing"])
        analysis.opens_with_correction = refers and sentence_of[corrections[0]] == sentence_of[first_content]
    first = next((i for i in range(len(tokens)) if i not in filler), None)
    analysis.opens_with_dont_know = first is not None and any(
        s == first for s, _ in spans["overslaan"]
    )
    dont_know_sentences = {sentence_of[start] for start, _ in spans["overslaan"]}
    content_sentences = {sentence_of[i] for i in content}
    analysis.uncertain = bool(content_sentences) and all(
        sentences[k].hedged or k in dont_know_sentences for k in content_sentences
    )
    analysis.says_dont_know = analysis.opens_with_dont_know or bool(dont_know_sentences - content_sentences)
    if with_polarity and not analysis.skip:
        _polarity(analysis, spans, filler | skipped | _covered(spans["twijfel"]))
    found_terms = terms.find(tokens, sentence_starts)
    if skipped:  # single words inside "weet ik niet" / "sla over" are no evidence ("ik" did not decide)
        found_terms = {
            tid: kept
            for tid, spans_ in found_terms.items()
            if (kept := [(s, e) for s, e in spans_ if e - s > 1 or s not in skipped])
        }
    analysis.terms = found_terms
    return analysis


def _cancel_double_negation(
    tokens: Sequence[Token], segment_of: Sequence[int], negation: List[int]
) -> List[int]:
    """ "het is niet zo dat ze niks te zeggen hadden": a negation of a negated clause is no negation.

    A "niet" right before "zo dat" / "dat" and the next negation in the same segment cancel out.
    """
    drop: Set[int] = set()
    for i in negation:
        if tokens[i].text != "niet" or i in drop:
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].text == "zo":
            j += 1
        if j >= len(tokens) or tokens[j].text != "dat":
            continue
        later = [k for k in negation if k > j and segment_of[k] == segment_of[i] and k not in drop]
        if later:
            drop.update((i, later[0]))
    return [i for i in negation if i not in drop]


#: The opening of a sentence that only acknowledges the question: "ah ja.", "o ja.", "aha."
_ACK_START = frozenset({"ah", "oh", "o", "aha", "oja", "ahja", "ohja", "ahzo", "ohzo"})
_ACK_WORDS = _ACK_START | {"ja", "juist", "zo", "ok", "oke", "oké", "okay", "right"}


def _acknowledges(analysis: Analysis, sentence) -> bool:
    words = [analysis.tokens[i].text for i in range(sentence.start, sentence.end)]
    words = [w for w in words if any(c.isalpha() for c in w)]
    return bool(words) and words[0] in _ACK_START and all(w in _ACK_WORDS for w in words)


def _polarity(analysis: Analysis, spans: Mapping[str, List[Tuple[int, int]]], ignore: Set[int]) -> None:
    """Set the polarity of a short answer (see the module docstring)."""
    if not analysis.sentences:
        return
    yes = {s: e for s, e in spans["ja"]}
    no = {s: e for s, e in spans["nee"]}
    not_no = _covered(spans["geen_ontkenning"])
    connectors = {s for s, _ in spans["splitsen"]} | {s for s, _ in spans["splitsen_voor_onderwerp"]}
    first_sentence = analysis.sentences[0]
    for following in analysis.sentences[1:]:
        # "ah ja. nee, bij de keuze eigenlijk nie": "ah ja" acknowledges the question (blind REST s233); the
        # answer is in the next sentence
        if not _acknowledges(analysis, first_sentence):
            break
        first_sentence = following
    # After a correction only what follows counts: "nee, dat klopt niet, ..." is not a "nee", and in
    # "nee, ik bedoel ja" the answer is "ja".
    start = max([e for s, e in spans["correctie"] if s < first_sentence.end] + [first_sentence.start])
    segments: Dict[int, List[int]] = {}
    for i in range(start, first_sentence.end):
        segments.setdefault(analysis.segment_of[i], []).append(i)
    first = True
    for seg in segments.values():
        words = [i for i in seg if i not in ignore]
        while words and words[0] in connectors:
            words = words[1:]
        if not words:
            continue
        head = words[0]
        if not first and len(words) > _SHORT_ANSWER:
            continue
        if not first and analysis.tokens[head].text == "geen" and head + 1 not in no:
            # a later "geen <iets> meer ..." is content ("handen vrij, geen scanner meer vasthouden"),
            # not a short "nee"
            continue
        first = False
        if head in no and head not in not_no:  # "niet alleen bij ..., ook bij ..." is no "nee"
            analysis.polarity, analysis.polarity_pos = "nee", head
        elif head in yes and analysis.polarity is None:
            # A later short segment can turn a "ja" into "nee" ("ja, maar nog niet"), not the reverse
            # ("nee, nog niet, wel van plan" stays nee).
            analysis.polarity, analysis.polarity_pos = "ja", head
    if analysis.polarity is not None:
        analysis.polarity_hedged = first_sentence.hedged
