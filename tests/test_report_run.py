"""The report a real CLI run writes (tiny_t5), opened in headless Chromium: highlights are the records' spans
at their offsets, a claim click lights exactly its parts, counts come from the manifest, nothing is fetched.
Skipped when /usr/bin/chromium or the `playwright` package is missing (scripts/install-browser.sh)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED_TEXT, read_jsonl, run_cli, write_jsonl
from tests.test_report import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
ARTICLES = [
    {"id": "seed", "text": SEED_TEXT},
    {"id": "second", "title": "Minister denies report",
     "text": "The minister denied the report on Monday. Critics said the plan would fail, according to Reuters."},
    {"id": "empty", "text": ""},
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report-run")
    source = write_jsonl(tmp / "in.jsonl", ARTICLES)
    proc = run_cli("model=tiny_t5", f"input.path={source}", "cache.enabled=false", f"hydra.run.dir={tmp / 'run'}")
    assert proc.returncode == 1, proc.stderr  # the empty article fails; the other two are in the report
    return tmp / "run"


@pytest.fixture(scope="module")
def page(run_dir):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing: run scripts/install-browser.sh (Debian package 'chromium')")
    sync_api = pytest.importorskip("playwright.sync_api", reason="python package 'playwright' missing")
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                             timeout=120_000)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route, request: (requests.append(request.url),
                                                       route.continue_() if request.url.startswith("file://")
                                                       else route.abort()))
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto((run_dir / "report.html").as_uri(), wait_until="load")
        yield page, requests
        browser.close()


def record_spans(article_index: int, record: dict) -> set[tuple]:
    spans = {(article_index, "agency", s["start"], s["end"]) for s in [record["source_agency"]] if s}
    for claim in record["claims"]:
        for kind, key in (("claimant", "claimants"), ("denier", "deniers"), ("evidence", "evidence")):
            spans |= {(article_index, kind, s["start"], s["end"]) for s in claim[key]}
    return spans


def test_report_shows_the_run_records_with_spans_at_their_offsets(page, run_dir):
    page, _ = page
    records = read_jsonl(run_dir / "facts.jsonl")
    texts = {a["id"]: a["text"] for a in ARTICLES}
    shown = page.evaluate("() => [...document.querySelectorAll('.text')].map(el => el.textContent)")
    assert shown == [texts[r["id"]] for r in records]  # the failed article is not in the report
    meta = page.evaluate("() => JSON.parse(document.getElementById('nf-data').textContent).spans")
    assert {(m["article"], m["kind"], m["start"], m["end"]) for m in meta.values()} == \
        set().union(*(record_spans(i, r) for i, r in enumerate(records)))
    highlighted = page.evaluate(
        """() => { const out = {};
            document.querySelectorAll('.seg').forEach(seg => seg.dataset.spans.split(' ').forEach(
                id => { out[id] = (out[id] || '') + seg.textContent; }));
            return out; }""")
    assert set(highlighted) == set(meta) and meta
    for span_id, info in meta.items():
        assert highlighted[span_id] == shown[info["article"]][info["start"]:info["end"]], span_id


def test_clicking_a_claim_highlights_its_parts(page, run_dir):
    page, _ = page
    seed = read_jsonl(run_dir / "facts.jsonl")[0]
    assert seed["claims"], "the seed article has claims with the tiny model (its attribution sentences)"
    for claim_index, claim in enumerate(seed["claims"]):
        page.click(f"#nf-claim-a0c{claim_index} .claim-text")
        active = page.evaluate("() => [...document.querySelectorAll('.seg.active')].map(el => el.dataset.spans)")
        ids = {span_id for spans in active for span_id in spans.split(" ") if span_id.startswith(f"a0c{claim_index}-")}
        expected = {f"a0c{claim_index}-{kind}-{n}" for kind, key in
                    (("claimant", "claimants"), ("denier", "deniers"), ("evidence", "evidence"))
                    for n in range(len(claim[key]))}
        assert ids == expected, claim_index
        page.click(f"#nf-claim-a0c{claim_index} .claim-text")  # a second click clears the selection
        assert page.evaluate("() => document.querySelectorAll('.seg.active').length") == 0


def test_counts_from_the_manifest_and_no_network(page, run_dir, tmp_path):
    page, requests = page
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"read": 3, "written": 2, "failed": 1}
    cells = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('table.counts tr')].map("
                          "tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent]))")
    assert (cells["Read"], cells["Written"], cells["Errors"]) == ("3", "2", "1")
    assert "newsfacts/tiny-t5" in page.inner_text("body")
    assert set(requests) == {(run_dir / "report.html").as_uri()}
    shot = tmp_path / "report-run.png"
    page.click("#nf-claim-a0c0 .claim-text")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("NEWSFACTS_REPORT_SCREENSHOT"):  # keep a copy for a human look
        shutil.copyfile(shot, os.environ["NEWSFACTS_REPORT_SCREENSHOT"])
