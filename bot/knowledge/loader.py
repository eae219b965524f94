"""Load and validate ``knowledge/publications.yml``, ``knowledge/entries/*.yml`` and the training
questions of ``knowledge/training/*.yml``.

Validation collects every problem it finds and raises one :class:`KnowledgeError` with one line per
problem, each naming the file, the entry id and the field, so a consultant can fix them all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot import PROJECT_ROOT
from bot.knowledge.model import (
    CONCLUSION_IDS,
    ENTRY_KINDS,
    ID_PREFIXES,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Publication,
    TrainingQuestion,
)

DEFAULT_ROOT = PROJECT_ROOT / "knowledge"

_ENTRY_FIELDS = {
    "id",
    "publication",
    "section",
    "speaker",
    "kind",
    "text",
    "topics",
    "conclusions",
    "questions",
}
_REQUIRED_PUBLICATION_FIELDS = ("id", "title", "citation")


def load_knowledge_base(root: Path = DEFAULT_ROOT) -> KnowledgeBase:
    """Load the knowledge base under ``root`` and validate it.

    Raises :class:`KnowledgeError` listing all problems (file, entry, field, what is wrong).
    """
    root = Path(root)
    problems: List[str] = []
    publications = _load_publications(root, problems)
    entries = _load_entries(root, publications, problems)
    training = load_training_questions(root, publications, problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(publications=publications, entries=entries, training=training)


def source_files(root: Path = DEFAULT_ROOT) -> List[Path]:
    """Every file ``load_knowledge_base`` and ``load_synonyms`` read under ``root`` (those that exist), in a
    fixed order: what a retriever built from ``root`` depends on (``bot.cache``)."""
    root = Path(root)
    files = [root / "publications.yml", root / "synonyms.yml"]
    for folder in ("entries", "training"):
        files += sorted((root / folder).glob("*.yml")) if (root / folder).is_dir() else []
    return [f for f in files if f.is_file()]


def _label(root: Path, path: Path) -> str:
    try:
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    except ValueError:
        return str(path)


def read_yaml(path: Path, label: str, problems: List[str]) -> Optional[Any]:
    """Parse one YAML file; a syntax error becomes a problem line with file and line number."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(f"{label}: YAML-syntaxfout{where}: {reason}")
    except OSError as exc:
        problems.append(f"{label}: kan bestand niet lezen: {exc}")
    return None


def is_text(value: Any) -> bool:
    """True for a non-empty string (not only spaces)."""
    return isinstance(value, str) and bool(value.strip())


def _load_publications(root: Path, problems: List[str]) -> Dict[str, Publication]:
    path = root / "publications.yml"
    label = _label(root, path)
    if not path.is_file():
        problems.append(f"{label}: bestand ontbreekt")
        return {}
    data = read_yaml(path, label, problems)
    if data is None:
        return {}
    items = data.get("publications") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        problems.append(f"{label}: veld 'publications' ontbreekt of is geen lijst")
        return {}
    result: Dict[str, Publication] = {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"{label}: publicatie nr. {index}: is geen mapping")
            continue
        pub_id = item.get("id")
        name = f"publicatie '{pub_id}'" if is_text(pub_id) else f"publicatie nr. {index}"
        missing = [f for f in _REQUIRED_PUBLICATION_FIELDS if not is_text(item.get(f))]
        for field_name in missing:
            problems.append(f"{label}: {name}, veld '{field_name}': ontbreekt of is leeg")
        if "id" in missing:
            continue
        if pub_id in result:
            problems.append(f"{label}: {name}, veld 'id': dubbele publicatie-id")
            continue
        authors = item.get("authors") or []
        result[pub_id] = Publication(
            id=pub_id,
            title=str(item.get("title") or ""),
            citation=str(item.get("citation") or ""),
            authors=tuple(str(a) for a in authors) if isinstance(authors, list) else (),
            date=None if item.get("date") is None else str(item.get("date")),
            kind=str(item.get("kind") or ""),
            file=str(item.get("file") or ""),
        )
    return result


def _load_entries(root: Path, publications: Dict[str, Publication], problems: List[str]) -> List[Entry]:
    folder = root / "entries"
    files = sorted(folder.glob("*.yml")) if folder.is_dir() else []
    if not files:
        problems.append(f"{_label(root, folder)}: geen entry-bestanden (*.yml) gevonden")
        return []
    entries: List[Entry] = []
    seen: Dict[str, str] = {}  # entry id -> file label where it was first defined
    for path in files:
        label = _label(root, path)
        data = read_yaml(path, label, problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(f"{label}: het bestand moet een mapping zijn met 'publication' en 'entries'")
            continue
        file_pub = data.get("publication")
        if not is_text(file_pub):
            problems.append(f"{label}: veld 'publication': ontbreekt of is leeg")
            file_pub = None
        elif file_pub not in publications:
            problems.append(f"{label}: veld 'publication': onbekende publicatie-id '{file_pub}'")
        elif file_pub != path.stem:
            problems.append(
                f"{label}: veld 'publication': '{file_pub}' hoort bij bestand entries/{file_pub}.yml"
            )
        items = data.get("entries")
        if not isinstance(items, list) or not items:
            problems.append(f"{label}: veld 'entries': ontbreekt of is geen (gevulde) lijst")
            continue
        for index, item in enumerate(items, start=1):
            entry = _check_entry(item, index, label, file_pub, publications, seen, problems)
            if entry is not None:
                entries.append(entry)
    return entries


def _check_entry(
    item: Any,
    index: int,
    label: str,
    file_pub: Optional[str],
    publications: Dict[str, Publication],
    seen: Dict[str, str],
    problems: List[str],
) -> Optional[Entry]:
    """Validate one entry mapping; append problems and return the Entry when it is usable."""
    if not isinstance(item, dict):
        problems.append(f"{label}: entry nr. {index}: is geen mapping")
        return None
    entry_id = item.get("id")
    name = f"entry '{entry_id}'" if is_text(entry_id) else f"entry nr. {index}"
    before = len(problems)

    def problem(field_name: str, message: str) -> None:
        problems.append(f"{label}: {name}, veld '{field_name}': {message}")

    for key in sorted(set(item) - _ENTRY_FIELDS, key=str):
        problem(str(key), f"onbekend veld (toegestaan: {', '.join(sorted(_ENTRY_FIELDS))})")

    publication = file_pub
    if "publication" in item:
        own = item.get("publication")
        if not is_text(own) or own not in publications:
            problem("publication", f"onbekende publicatie-id '{own}'")
        elif file_pub is not None and own != file_pub:
            problem("publication", f"'{own}' verschilt van de publicatie van het bestand ('{file_pub}')")
        publication = own if is_text(own) else file_pub

    if not is_text(entry_id):
        problem("id", "ontbreekt of is leeg")
    else:
        prefix = ID_PREFIXES.get(publication or "")
        if prefix is not None and not entry_id.startswith(prefix):
            problem("id", f"moet beginnen met '{prefix}' (publicatie '{publication}')")
        elif prefix is None and not any(entry_id.startswith(p) for p in ID_PREFIXES.values()):
            problem("id", f"heeft geen bekend voorvoegsel ({', '.join(ID_PREFIXES.values())})")
        if entry_id in seen:
            problem("id", f"dubbele entry-id (ook in {seen[entry_id]})")
        else:
            seen[entry_id] = label

    for field_name in ("section", "text"):
        if not is_text(item.get(field_name)):
            problem(field_name, "ontbreekt of is leeg")
    kind = item.get("kind")
    if kind not in ENTRY_KINDS:
        problem("kind", f"onbekende soort '{kind}' (geldig: {', '.join(ENTRY_KINDS)})")
    speaker = item.get("speaker")
    if speaker is not None and not is_text(speaker):
        problem("speaker", "moet tekst zijn als het er staat")

    questions = _string_list(item.get("questions"), "questions", problem, required=True)
    topics = _string_list(item.get("topics"), "topics", problem)
    for topic in topics:
        if topic != topic.lower():
            problem("topics", f"onderwerp '{topic}' moet in kleine letters")
    conclusions = _string_list(item.get("conclusions"), "conclusions", problem)
    for conclusion in conclusions:
        if conclusion not in CONCLUSION_IDS:
            problem(
                "conclusions", f"onbekende kernconclusie '{conclusion}' (geldig: {', '.join(CONCLUSION_IDS)})"
            )

    if len(problems) > before or publication is None:
        return None
    return Entry(
        id=entry_id,
        publication=publication,
        section=item["section"].strip(),
        kind=kind,
        text=" ".join(item["text"].split()),
        questions=tuple(q.strip() for q in questions),
        topics=tuple(topics),
        conclusions=tuple(conclusions),
        speaker=speaker.strip() if speaker else None,
        source_file=label,
    )


def load_training_questions(
    root: Path, publications: Dict[str, Publication], problems: List[str]
) -> List[TrainingQuestion]:
    """The questions of ``knowledge/training/*.yml`` (the folder is optional).

    Each file is a mapping with ``questions``: a list of ``{q, publication, about}`` (a question that
    publication answers) or ``{q, kind}`` (a question the publications do not answer; ``kind`` says
    why). Problems: a missing or empty ``q``, an unknown publication id, neither ``publication`` nor
    ``kind``, and a question that occurs twice (in any training file).
    """
    folder = root / "training"
    files = sorted(folder.glob("*.yml")) if folder.is_dir() else []
    result: List[TrainingQuestion] = []
    seen: Dict[str, str] = {}  # normalised question -> label of its first occurrence
    for path in files:
        label = _label(root, path)
        data = read_yaml(path, label, problems)
        if data is None:
            continue
        items = data.get("questions") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            problems.append(f"{label}: veld 'questions': ontbreekt of is geen (gevulde) lijst")
            continue
        for index, item in enumerate(items, start=1):
            name = f"{label}: vraag nr. {index}"
            if not isinstance(item, dict):
                problems.append(f"{name}: is geen mapping")
                continue
            question = item.get("q")
            if not is_text(question):
                problems.append(f"{name}, veld 'q': ontbreekt of is leeg")
                continue
            publication = item.get("publication")
            kind = item.get("kind")
            if publication is not None and publication not in publications:
                problems.append(f"{name}, veld 'publication': onbekende publicatie-id '{publication}'")
                continue
            if publication is None and not is_text(kind):
                problems.append(
                    f"{name}: noem 'publication' (de publicatie die de vraag beantwoordt) of 'kind' "
                    "(waarom de publicaties haar niet beantwoorden)"
                )
                continue
            key = " ".join(question.lower().split())
            if key in seen:
                problems.append(f"{name}, veld 'q': dubbele vraag (ook in {seen[key]})")
                continue
            seen[key] = f"{label}, vraag nr. {index}"
            result.append(
                TrainingQuestion(
                    q=question.strip(),
                    publication=publication,
                    kind="" if publication is not None else str(kind),
                    source_file=label,
                )
            )
    return result


def _string_list(value: Any, field_name: str, problem, required: bool = False) -> Tuple[str, ...]:
    if value is None:
        if required:
            problem(field_name, "ontbreekt (minstens één vraag nodig)")
        return ()
    if not isinstance(value, list):
        problem(field_name, "moet een lijst zijn")
        return ()
    if required and not value:
        problem(field_name, "is leeg (minstens één vraag nodig)")
    bad = [v for v in value if not is_text(v)]
    if bad:
        problem(field_name, f"bevat een leeg of ongeldig element: {bad[0]!r}")
    return tuple(v for v in value if is_text(v))
