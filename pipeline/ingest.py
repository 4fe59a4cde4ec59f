"""Ingest: turn an input source into `Article`s, and every input that cannot be one into an `ErrorRecord`.

Nothing is dropped silently: each input line/file/row yields exactly one Article or one ErrorRecord.
Ids: a missing id becomes `line-<n>` (with a warning); a repeated id is an error for the later record
(the first one wins), so ids in the outputs are unique. An error line carries its input's id wherever the
id can still be read: from a JSONL line that is not UTF-8 or not decodable JSON past its id, and from a
text file's name whatever its bytes.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline.records import Article, ErrorRecord

EXAMPLE_ARTICLES = Path(__file__).resolve().parent.parent / "examples" / "articles.jsonl"
_HTML = re.compile(r"<(?:p|div|span|br|a|html|body|script|style|h[1-6]|li|ul|table)\b[^>]*>", re.I)
# A JSON "\ud800" escape decodes to an unpaired surrogate: not Unicode text, and it cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Phrases that address the model instead of the reader. The output's structure is fixed by our code, so
# they cannot change it; free text (summary, claim wording) may still be swayed, hence the warning.
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.\n]{0,30}?\b(?:instructions?|prompts?|rules|directions)\b|\bsystem prompt\b|\byou are now\b", re.I)
# Words frequent in any English prose and rare as words in other Latin-script languages.
_ENGLISH_WORDS = frozenset("the of and to is that for on was with as by at said it from has have be are were "
                           "he she they his her this not which would will".split())
_LANGUAGE_SAMPLE = 20_000
_JSON = json.JSONDecoder()
_JSON_SPACE = re.compile(r"[ \t\n\r]*")

Item = Article | ErrorRecord


class InputConfigError(ValueError):
    """The input source itself is unusable (missing file, unknown kind): fail before any work."""


def check_input(cfg: Mapping[str, Any]) -> None:
    kind = cfg.get("kind")
    if kind not in {"jsonl", "text_dir", "hf_dataset"}:
        raise InputConfigError(f"unknown input kind {kind!r}; use input=jsonl, input=text_dir or input=hf_dataset")
    if kind == "jsonl":
        path = Path(cfg.get("path") or EXAMPLE_ARTICLES)
        if not path.is_file():
            raise InputConfigError(f"input file not found: {path}")
        if not os.access(path, os.R_OK):
            raise InputConfigError(f"input file not readable: {path}")
    elif kind == "text_dir":
        if not cfg.get("path") or not Path(cfg["path"]).is_dir():
            raise InputConfigError(f"input directory not found: {cfg.get('path')}")


def count_inputs(cfg: Mapping[str, Any]) -> int | None:
    """How many inputs `read_articles(cfg)` yields (one per non-blank line, file or row), for a progress bar's
    total and ETA; None when only reading the whole source would tell (hf_dataset)."""
    kind = cfg.get("kind")
    if kind == "jsonl":
        with Path(cfg.get("path") or EXAMPLE_ARTICLES).open("rb") as fh:
            return sum(1 for raw in fh if raw.strip())
    if kind == "text_dir":
        return sum(1 for p in Path(cfg["path"]).glob(cfg.get("glob") or "*.txt") if p.is_file())
    return None


def read_articles(cfg: Mapping[str, Any]) -> Iterator[Item]:
    check_input(cfg)
    kind = cfg["kind"]
    if kind == "jsonl":
        raw = _jsonl_rows(Path(cfg.get("path") or EXAMPLE_ARTICLES))
    elif kind == "text_dir":
        raw = _text_dir_rows(Path(cfg["path"]), cfg.get("glob") or "*.txt")
    else:
        raw = _hf_rows(cfg)
    yield from _unique_ids(raw)


def article_from_mapping(row: Any, line: int, *, id_key: str = "id", title_key: str = "title",
                         text_key: str = "text") -> Item:
    """Validate one decoded input row into an Article, or explain why it is not one."""
    if not isinstance(row, Mapping):
        return ErrorRecord(id=None, line=line, stage="ingest",
                           error=f"expected a JSON object, got {type(row).__name__}")
    raw_id = row.get(id_key)
    warnings: list[str] = []
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        art_id = f"line-{line}"
        warnings.append(f"input has no {id_key!r}; using {art_id!r}")
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        art_id = str(raw_id)
        if _SURROGATE.search(art_id):
            return ErrorRecord(id=None, line=line, stage="ingest",
                               error=f"{id_key!r} is not valid Unicode (it holds an unpaired surrogate escape)")
    else:
        return ErrorRecord(id=None, line=line, stage="ingest",
                           error=f"{id_key!r} must be a string or an integer, got {type(raw_id).__name__}")
    if text_key not in row:
        return ErrorRecord(id=art_id, line=line, stage="ingest", error=f"record has no {text_key!r} field")
    text = row[text_key]
    if not isinstance(text, str):
        return ErrorRecord(id=art_id, line=line, stage="ingest",
                           error=f"{text_key!r} must be a string, got {type(text).__name__}")
    if not text.strip():
        return ErrorRecord(id=art_id, line=line, stage="ingest", error=f"{text_key!r} is empty")
    if bad := _SURROGATE.search(text):
        return ErrorRecord(id=art_id, line=line, stage="ingest",
                           error=f"{text_key!r} is not valid Unicode: unpaired surrogate {bad.group()!a} at "
                                 f"character {bad.start()}")
    title = row.get(title_key)
    if title is not None and not isinstance(title, str):
        warnings.append(f"ignored non-string {title_key!r}")
        title = None
    elif title is not None and _SURROGATE.search(title):
        warnings.append(f"ignored {title_key!r}: not valid Unicode")
        title = None
    warnings.extend(text_warnings(text))
    return Article(id=art_id, text=text, title=title, line=line, warnings=warnings)


def text_warnings(text: str) -> list[str]:
    """Warnings about text we still process: markup, instruction-like phrasing, a language we do not model."""
    warnings = []
    if _HTML.search(text):
        warnings.append("text contains HTML markup; spans refer to the raw text as given")
    if _INJECTION.search(text):
        warnings.append("text contains instruction-like phrasing (possible prompt injection); it was treated as "
                        "article text only, but free-text fields (summary, claim wording) may reflect it")
    if language := _language_warning(text):
        warnings.append(language)
    return warnings


def _language_warning(text: str) -> str | None:
    sample = text[:_LANGUAGE_SAMPLE]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 40:
        return None
    if sum(c.isascii() for c in letters) < 0.5 * len(letters):
        return "text is mostly in a non-Latin script; the models are English-only, so expect weak summaries and claims"
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) >= 30 and sum(w in _ENGLISH_WORDS for w in words) < 0.05 * len(words):
        return "text does not look like English; the models are English-only, so expect weak summaries and claims"
    return None


def _unique_ids(items: Iterator[Item]) -> Iterator[Item]:
    first_line: dict[str, int] = {}
    for item in items:
        if isinstance(item, Article):
            if item.id in first_line:
                yield ErrorRecord(id=item.id, line=item.line, stage="ingest",
                                  error=f"duplicate id {item.id!r} (first seen at line {first_line[item.id]}); "
                                        "the first record is kept")
                continue
            first_line[item.id] = item.line
        yield item


def _jsonl_rows(path: Path) -> Iterator[Item]:
    # Read bytes, so a line that is not UTF-8 is one error rather than a crash of the whole run.
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark (Windows editors) is not part of the first record
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                # Bad bytes become lone surrogates, read only to find the id: an id holding one is not recovered.
                yield ErrorRecord(id=_recover_id(raw.decode("utf-8", "surrogateescape")), line=line_no, stage="ingest",
                                  error=f"line is not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})")
                continue
            # The newline is JSON whitespace; kept, it would make a line cut short fail at "line 2, column 1".
            line = line.rstrip("\r\n")
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield ErrorRecord(id=_recover_id(line), line=line_no, stage="ingest",
                                  error=f"malformed JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}")
                continue
            except (ValueError, RecursionError) as exc:
                # Valid JSON that Python will not decode: an integer of over 4300 digits, or nesting deeper
                # than the recursion limit. Hostile or broken, it is this line's error, not the run's.
                reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
                yield ErrorRecord(id=_recover_id(line), line=line_no, stage="ingest",
                                  error=f"unreadable JSON: {reason}")
                continue
            yield article_from_mapping(row, line_no)


def _recover_id(line: str) -> str | None:
    """The "id" of a JSONL line that does not decode as a whole, or None when it cannot be read.

    The line's top-level members are decoded one by one until one fails, so an id before the broken part
    is found; as with `json.loads`, a repeated "id" key counts by its last readable value. An id that
    `article_from_mapping` would not accept (missing, blank, not a string or integer, invalid Unicode)
    is not recovered either.
    """
    found = None
    pos = _JSON_SPACE.match(line).end()
    if not line.startswith("{", pos):
        return None
    separator = "{"
    while line.startswith(separator, pos):  # pos is at the "{" or "," before the next member
        try:
            key, pos = _JSON.raw_decode(line, _JSON_SPACE.match(line, pos + 1).end())
            pos = _JSON_SPACE.match(line, pos).end()
            if not isinstance(key, str) or not line.startswith(":", pos):
                break
            value, pos = _JSON.raw_decode(line, _JSON_SPACE.match(line, pos + 1).end())
        except (ValueError, RecursionError):  # the broken part (or an over-long number, too deep nesting)
            break
        if key == "id":
            found = _usable_id(value)
        pos = _JSON_SPACE.match(line, pos).end()
        separator = ","
    return found


def _usable_id(raw_id: Any) -> str | None:
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        return None
    article_id = str(raw_id)
    return article_id if article_id.strip() and not _SURROGATE.search(article_id) else None


def _text_dir_rows(directory: Path, pattern: str) -> Iterator[Item]:
    for n, path in enumerate(sorted(p for p in directory.glob(pattern) if p.is_file()), start=1):
        # A file name that is not UTF-8 holds lone surrogates, which cannot be written to errors.jsonl: such
        # a name is shown with replacement characters and gives no id.
        file_id = None if _SURROGATE.search(path.stem) else path.stem
        name = _SURROGATE.sub("\ufffd", path.name)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ErrorRecord(id=file_id, line=n, stage="ingest", error=f"{name} is not valid UTF-8 (byte {exc.start})")
            continue
        except OSError as exc:  # unreadable (permissions, vanished): this file fails, the run goes on
            yield ErrorRecord(id=file_id, line=n, stage="ingest", error=f"cannot read {name}: {exc.strerror}")
            continue
        text = text.removeprefix("\ufeff")  # a byte-order mark is not article text
        yield article_from_mapping({"id": path.stem, "text": text}, n)


def _hf_rows(cfg: Mapping[str, Any]) -> Iterator[Item]:
    import datasets

    if not sys.stderr.isatty():
        datasets.disable_progress_bars()  # "Generating train split" bars would clutter logs and CI output
    kwargs: dict[str, Any] = {"split": cfg.get("split") or "train", "streaming": bool(cfg.get("streaming"))}
    if cfg.get("data_files"):
        files = cfg["data_files"]
        # A file, a list of files, or {split: files}: the mapping is what lets `split` pick a file.
        kwargs["data_files"] = files if isinstance(files, (str, Mapping)) else list(files)
    if cfg.get("name"):
        kwargs["name"] = cfg["name"]
    try:
        dataset = datasets.load_dataset(cfg["path"], **kwargs)
    except Exception as exc:  # datasets raises many types; all mean the source is unusable
        raise InputConfigError(f"cannot load dataset {cfg['path']!r}: {exc}") from exc
    keys = {"id_key": cfg.get("id_column") or "id", "title_key": cfg.get("title_column") or "title",
            "text_key": cfg.get("text_column") or "text"}
    for n, row in enumerate(dataset, start=1):
        yield article_from_mapping(row, n, **keys)
