"""Self-contained HTML report of a run: `report.html` in the run dir.

The page shows the manifest (counts, model, prompt versions, timings) and, per article, the summary,
the claims and the article text with every claimant / denier / evidence / source-agency span highlighted
at its offsets. Hovering or clicking a claim highlights its parts; clicking a highlighted span selects
its claim.

Design choices:
- Everything is rendered here, server-side, with `html.escape`: article text, titles and ids are
  untrusted (they may hold `<script>` or prompt-injection text) and must only ever be text. The only
  script on the page is our own constant JS plus a JSON block that holds generated ids and integers.
- Offsets are Python code-point offsets; the browser counts UTF-16 units. Cutting the text into
  segments here (not in JS) keeps emoji and other astral characters exact.
- Spans may nest or overlap (a claimant inside an evidence span), so the text is cut at every span
  boundary: each character lands in exactly one segment, which lists every span covering it.
- No network: inline CSS/JS, system fonts only, no images.
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.output import atomic_write_text
from pipeline.records import Article, FactsRecord, Span

REPORT_FILENAME = "report.html"

# Order matters: it is the legend order and the tie-break when spans of equal length nest.
SPAN_KINDS: tuple[str, ...] = ("claimant", "denier", "evidence", "agency")
_KIND_LABELS = {
    "claimant": "Claimant",
    "denier": "Denier",
    "evidence": "Evidence",
    "agency": "Source agency",
}
_KNOWN_STAGES = ("ingest", "summarize", "extract", "validate", "write", "total")


@dataclass(frozen=True)
class Segment:
    """A maximal run of characters `[start, end)` covered by the same set of spans.

    `span_ids` is ordered innermost first (shortest span, then input order), so the first id is the
    one whose colour the segment shows.
    """

    start: int
    end: int
    span_ids: tuple[str, ...]


def build_segments(text_length: int, spans: Sequence[tuple[str, int, int]]) -> list[Segment]:
    """Partition `[0, text_length)` into segments at every span boundary.

    `spans` holds `(span_id, start, end)`. Offsets are clipped to the text; spans that are empty after
    clipping are dropped (they cover no character). Segments with no span are included, so joining all
    segments gives back the whole text.
    """
    kept: list[tuple[str, int, int, int]] = []  # (id, start, end, input order)
    for order, (span_id, start, end) in enumerate(spans):
        start, end = max(0, start), min(text_length, end)
        if start < end:
            kept.append((span_id, start, end, order))

    boundaries = sorted({0, text_length, *(s for _, s, _, _ in kept), *(e for _, _, e, _ in kept)})
    starts_at: dict[int, list[tuple[str, int, int, int]]] = {}
    for span in kept:
        starts_at.setdefault(span[1], []).append(span)

    segments: list[Segment] = []
    active: list[tuple[str, int, int, int]] = []
    for left, right in zip(boundaries, boundaries[1:]):
        # Sweep: drop spans that ended at `left`, add spans that start there.
        active = [span for span in active if span[2] > left] + starts_at.get(left, [])
        innermost_first = sorted(active, key=lambda span: (span[2] - span[1], span[3]))
        segments.append(Segment(left, right, tuple(span[0] for span in innermost_first)))
    return segments


@dataclass(frozen=True)
class _SpanRef:
    """One highlighted span of one article, with the generated (HTML-safe) id the page uses."""

    span_id: str
    kind: str
    span: Span
    claim_id: str | None
    valid: bool  # offsets inside the text and text[start:end] == span.text


def _esc(value: object) -> str:
    # Carriage returns are written as references because the HTML parser folds CR/CRLF into LF, which
    # would shift every later character relative to the record's offsets.
    return html.escape(str(value), quote=True).replace("\r", "&#13;")


def _json_for_script(data: Any) -> str:
    # Inside <script type="application/json"> the only danger is a literal "</script" or "<!--";
    # escaping every <, > and & as \u escapes rules both out and stays valid JSON.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _collect_spans(article_index: int, article: Article, record: FactsRecord) -> tuple[list[_SpanRef], list[str]]:
    """All spans of one record, with generated ids; also the claim ids in claim order."""
    text = article.text

    def is_valid(span: Span) -> bool:
        return 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.text

    refs: list[_SpanRef] = []
    if record.source_agency is not None:
        refs.append(
            _SpanRef(f"a{article_index}-agency", "agency", record.source_agency, None, is_valid(record.source_agency))
        )
    claim_ids: list[str] = []
    for claim_index, claim in enumerate(record.claims):
        claim_id = f"a{article_index}c{claim_index}"
        claim_ids.append(claim_id)
        for kind, spans in (("claimant", claim.claimants), ("denier", claim.deniers), ("evidence", claim.evidence)):
            for span_index, span in enumerate(spans):
                refs.append(_SpanRef(f"{claim_id}-{kind}-{span_index}", kind, span, claim_id, is_valid(span)))
    return refs, claim_ids


def _render_text(text: str, refs: Sequence[_SpanRef]) -> str:
    valid = [ref for ref in refs if ref.valid]
    kind_of = {ref.span_id: ref.kind for ref in valid}
    claim_of = {ref.span_id: ref.claim_id for ref in valid}
    parts: list[str] = []
    for segment in build_segments(len(text), [(r.span_id, r.span.start, r.span.end) for r in valid]):
        piece = _esc(text[segment.start : segment.end])
        if not segment.span_ids:
            parts.append(piece)
            continue
        primary = kind_of[segment.span_ids[0]]
        # Outer spans of another kind show as an underline in their colour, so nesting stays visible.
        outer_kinds = [k for k in dict.fromkeys(kind_of[i] for i in segment.span_ids[1:]) if k != primary]
        classes = ["seg", f"k-{primary}", *(f"also-{k}" for k in outer_kinds)]
        tooltip = "; ".join(
            _KIND_LABELS[kind_of[i]] + (f" of claim {int(claim_of[i].rsplit('c', 1)[1]) + 1}" if claim_of[i] else "")
            for i in segment.span_ids
        )
        parts.append(
            f'<span class="{" ".join(classes)}" data-spans="{" ".join(segment.span_ids)}" '
            f'title="{_esc(tooltip)}">{piece}</span>'
        )
    return "".join(parts)


def _render_chip(ref: _SpanRef) -> str:
    if ref.valid:
        return f'<span class="chip k-{ref.kind}" data-span="{ref.span_id}">{_esc(ref.span.text)}</span>'
    problem = f"offsets {ref.span.start}-{ref.span.end} do not match the article text"
    return (
        f'<span class="chip bad k-{ref.kind}" title="{_esc(problem)}">{_esc(ref.span.text)} '
        f'<small>(not found at {ref.span.start}-{ref.span.end})</small></span>'
    )


def _render_article(article_index: int, article: Article, record: FactsRecord) -> tuple[str, dict[str, Any], int]:
    """HTML of one article section, the span metadata for the page's JSON, and its claim count."""
    refs, claim_ids = _collect_spans(article_index, article, record)
    by_claim: dict[str | None, list[_SpanRef]] = {}
    for ref in refs:
        by_claim.setdefault(ref.claim_id, []).append(ref)

    claim_items: list[str] = []
    for claim_index, (claim_id, claim) in enumerate(zip(claim_ids, record.claims)):
        claim_refs = by_claim.get(claim_id, [])
        rows = []
        for kind, label in (("claimant", "Claimants"), ("denier", "Deniers"), ("evidence", "Evidence")):
            chips = [_render_chip(ref) for ref in claim_refs if ref.kind == kind]
            if chips:
                rows.append(f'<div class="parts"><span class="parts-label">{label}</span> {" ".join(chips)}</div>')
        span_ids = " ".join(ref.span_id for ref in claim_refs if ref.valid)
        claim_items.append(
            f'<li class="claim" id="nf-claim-{claim_id}" data-claim="{claim_id}" data-spans="{span_ids}" '
            f'tabindex="0"><div class="claim-text"><span class="claim-no">{claim_index + 1}</span> '
            f'{_esc(claim.claim)}</div>{"".join(rows)}</li>'
        )

    agency_refs = by_claim.get(None, [])
    agency_html = (
        f'<p class="agency"><span class="parts-label">Source agency</span> {_render_chip(agency_refs[0])}</p>'
        if agency_refs
        else ""
    )
    warnings = [*article.warnings, *record.warnings]
    warnings_html = (
        '<ul class="warnings">' + "".join(f"<li>{_esc(w)}</li>" for w in warnings) + "</ul>" if warnings else ""
    )
    heading = record.title or article.title or article.id
    claims_html = (
        f'<ol class="claims">{"".join(claim_items)}</ol>' if claim_items else '<p class="muted">No claims.</p>'
    )
    section = (
        f'<section class="article" id="nf-article-{article_index}">'
        f'<h2><span class="article-no">#{article_index + 1}</span> {_esc(heading)}</h2>'
        f'<p class="meta">id <code>{_esc(article.id)}</code> · line {_esc(article.line)} · '
        f"model <code>{_esc(record.model)}</code> · {len(record.claims)} claims</p>"
        f"{warnings_html}"
        f'<div class="summary"><span class="parts-label">Summary</span> {_esc(record.summary)}</div>'
        f'<div class="columns"><div class="text" data-article="{article_index}">'
        f"{_render_text(article.text, refs)}</div>"
        f'<div class="side">{agency_html}{claims_html}</div></div>'
        f"</section>"
    )
    span_meta = {
        ref.span_id: {
            "article": article_index,
            "kind": ref.kind,
            "start": ref.span.start,
            "end": ref.span.end,
            "claim": ref.claim_id,
        }
        for ref in refs
        if ref.valid
    }
    return section, span_meta, len(record.claims)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _render_manifest(manifest: dict[str, Any], shown: int, total: int, claims: int) -> str:
    counts = manifest.get("counts") or {}
    count_cells = [
        ("Read", counts.get("read")),
        ("Written", counts.get("written")),
        ("Errors", counts.get("failed", counts.get("errors"))),
        *((str(k).capitalize(), v) for k, v in counts.items() if k not in {"read", "written", "failed", "errors"}),
        ("Claims shown", claims),
    ]
    model = manifest.get("model")
    if not isinstance(model, dict):
        model = {"name": model}
    model_rows = [("Model", model.get("name")), ("Revision", model.get("revision")), ("Backend", model.get("backend"))]
    prompts = manifest.get("prompt_versions") or {}
    if isinstance(prompts, dict):
        model_rows += [(f"Prompt {k}", v) for k, v in prompts.items()]
    model_rows += [("Started", manifest.get("started_at")), ("Finished", manifest.get("finished_at"))]
    timings = manifest.get("timings_s") or {}
    stages = [s for s in _KNOWN_STAGES if s in timings] + [s for s in timings if s not in _KNOWN_STAGES]

    def table(caption: str, rows: Iterable[tuple[Any, Any]], css: str = "") -> str:
        body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(_fmt(v))}</td></tr>" for k, v in rows)
        return f'<table class="{css}"><caption>{_esc(caption)}</caption>{body}</table>'

    timing_rows = [
        (stage, f"{_fmt(timings[stage])} s" if isinstance(timings[stage], (int, float)) else timings[stage])
        for stage in stages
    ]
    shown_note = (
        f'<p class="shown-note">Showing the first {shown} of {total} articles.</p>'
        if total > shown
        else f'<p class="shown-note">Showing all {shown} articles.</p>'
    )
    return (
        '<div class="manifest">'
        + table("Counts", count_cells, "counts")
        + table("Run", model_rows)
        + (table("Timings", timing_rows, "timings") if timing_rows else "")
        + "</div>"
        + shown_note
    )


_CSS = """
:root { --claimant:#cfe3ff; --claimant-on:#7fb0ff; --claimant-line:#1c64f2;
  --denier:#ffd8d8; --denier-on:#ff9393; --denier-line:#d9363e;
  --evidence:#fff0b3; --evidence-on:#ffd43b; --evidence-line:#d49b00;
  --agency:#d6f5d0; --agency-on:#8ce99a; --agency-line:#2f9e44; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif,
  "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; color: #1d2125;
  background: #f4f5f7; }
header.top { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid #d8dbe0;
  padding: 8px 20px; display: flex; gap: 20px; align-items: center; flex-wrap: wrap; }
header.top h1 { font-size: 17px; margin: 0; }
.legend { display: flex; gap: 10px; flex-wrap: wrap; font-size: 13px; }
.legend .chip { cursor: default; }
main { padding: 12px 20px 40px; max-width: 1400px; margin: 0 auto; }
.manifest { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
table { border-collapse: collapse; background: #fff; border: 1px solid #d8dbe0; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
th { color: #5b636d; font-weight: 500; }
td { font-variant-numeric: tabular-nums; }
.shown-note { color: #5b636d; font-size: 13px; }
section.article { background: #fff; border: 1px solid #d8dbe0; border-radius: 6px; margin: 16px 0;
  padding: 12px 16px; }
section.article h2 { font-size: 17px; margin: 0 0 2px; overflow-wrap: anywhere; }
.article-no { color: #8a929c; font-weight: 400; }
.meta { color: #5b636d; font-size: 12px; margin: 0 0 8px; overflow-wrap: anywhere; }
.warnings { color: #a15c00; font-size: 13px; margin: 0 0 8px; }
.summary { background: #f7f8fa; border-left: 3px solid #adb5bd; padding: 6px 10px; margin-bottom: 10px; }
.parts-label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: #6c757d;
  margin-right: 4px; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
.text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.75; font-size: 15px; }
.seg { border-radius: 2px; cursor: pointer; padding: 1px 0; }
.seg.k-claimant { background: var(--claimant); } .seg.k-denier { background: var(--denier); }
.seg.k-evidence { background: var(--evidence); } .seg.k-agency { background: var(--agency); }
.seg.also-claimant, .seg.also-denier, .seg.also-evidence, .seg.also-agency {
  text-decoration-line: underline; text-decoration-thickness: 3px; text-underline-offset: 4px; }
.seg.also-claimant { text-decoration-color: var(--claimant-line); }
.seg.also-denier { text-decoration-color: var(--denier-line); }
.seg.also-evidence { text-decoration-color: var(--evidence-line); }
.seg.also-agency { text-decoration-color: var(--agency-line); }
/* Lines above and below only, so a span cut into several segments still reads as one box. */
.seg.hover { box-shadow: inset 0 -2px 0 #495057; }
.seg.active { box-shadow: inset 0 2px 0 #212529, inset 0 -2px 0 #212529; }
.seg.active[data-ak=claimant] { background: var(--claimant-on); }
.seg.active[data-ak=denier] { background: var(--denier-on); }
.seg.active[data-ak=evidence] { background: var(--evidence-on); }
.seg.active[data-ak=agency] { background: var(--agency-on); }
.claims { margin: 0; padding: 0; list-style: none; }
.claim { border: 1px solid #e1e4e8; border-radius: 5px; padding: 6px 8px; margin-bottom: 8px; cursor: pointer; }
.claim.hover { border-color: #868e96; }
.claim.active { border-color: #212529; box-shadow: 0 0 0 1px #212529; background: #fbfbfc; }
.claim:focus-visible { outline: 2px solid #1c64f2; }
.claim-text { font-weight: 500; overflow-wrap: anywhere; }
.claim-no { display: inline-block; min-width: 1.5em; color: #8a929c; font-weight: 400; }
.parts { font-size: 13px; margin-top: 3px; }
.chip { display: inline-block; border-radius: 3px; padding: 0 5px; margin: 1px 2px 1px 0;
  border-left: 3px solid transparent; overflow-wrap: anywhere; }
.chip.k-claimant { background: var(--claimant); border-left-color: var(--claimant-line); }
.chip.k-denier { background: var(--denier); border-left-color: var(--denier-line); }
.chip.k-evidence { background: var(--evidence); border-left-color: var(--evidence-line); }
.chip.k-agency { background: var(--agency); border-left-color: var(--agency-line); }
.chip.bad { text-decoration: line-through; opacity: .7; }
.muted { color: #8a929c; }
code { font-size: 12px; background: #f1f3f5; padding: 0 3px; border-radius: 3px; }
"""

# Constant script: reads only generated ids from the DOM and the JSON block, never article content.
_JS = """
(function () {
  "use strict";
  var meta = JSON.parse(document.getElementById("nf-data").textContent);
  var segsBySpan = {};
  document.querySelectorAll(".seg").forEach(function (seg) {
    seg.dataset.spans.split(" ").forEach(function (id) { (segsBySpan[id] = segsBySpan[id] || []).push(seg); });
  });
  function spanIds(el) { return el.dataset.spans ? el.dataset.spans.split(" ") : []; }
  function mark(claimEl, cls, on) {
    var ids = spanIds(claimEl);
    var own = {};
    ids.forEach(function (id) { own[id] = true; });
    var kindAttr = cls === "active" ? "ak" : "hk";
    ids.forEach(function (id) {
      (segsBySpan[id] || []).forEach(function (seg) {
        if (on) {
          seg.classList.add(cls);
          // Colour by the innermost span of this claim (segment ids are innermost first).
          var first = spanIds(seg).filter(function (s) { return own[s]; })[0];
          seg.dataset[kindAttr] = meta.spans[first].kind;
        } else {
          seg.classList.remove(cls);
          delete seg.dataset[kindAttr];
        }
      });
    });
    claimEl.classList.toggle(cls, on);
  }
  var selected = null;
  function select(claimEl) {
    var previous = selected;
    if (previous) mark(previous, "active", false);
    selected = previous === claimEl ? null : claimEl;
    if (selected) mark(selected, "active", true);
  }
  var hovered = null;
  function hover(claimEl) {
    if (hovered === claimEl) return;
    if (hovered) mark(hovered, "hover", false);
    hovered = claimEl;
    if (hovered) mark(hovered, "hover", true);
  }
  document.addEventListener("click", function (event) {
    var claimEl = event.target.closest(".claim");
    if (claimEl) {
      select(claimEl);
      var chip = event.target.closest(".chip[data-span]");
      var target = chip && (segsBySpan[chip.dataset.span] || [])[0];
      if (target) target.scrollIntoView({ block: "center", behavior: "smooth" });
      return;
    }
    var seg = event.target.closest(".seg");
    if (!seg) return;
    var owner = spanIds(seg).map(function (id) { return meta.spans[id].claim; }).filter(Boolean)[0];
    var ownerEl = owner && document.getElementById("nf-claim-" + owner);
    if (ownerEl) {
      if (ownerEl !== selected) select(ownerEl);
      ownerEl.scrollIntoView({ block: "nearest" });
    }
  });
  document.addEventListener("keydown", function (event) {
    var claimEl = event.target.closest && event.target.closest(".claim");
    if (claimEl && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); select(claimEl); }
  });
  document.addEventListener("mouseover", function (event) { hover(event.target.closest(".claim")); });
})();
"""


def render_report(
    items: Iterable[tuple[Article, FactsRecord]], manifest: dict[str, Any], max_articles: int = 500
) -> str:
    """The whole report page as one HTML string (no external resources).

    At most `max_articles` articles are rendered; the rest of `items` is only counted, so the page can
    say how many were left out.
    """
    sections: list[str] = []
    span_meta: dict[str, Any] = {}
    claims = 0
    total = 0
    for article, record in items:
        if total < max_articles:
            section, meta, claim_count = _render_article(total, article, record)
            sections.append(section)
            span_meta.update(meta)
            claims += claim_count
        total += 1
    shown = len(sections)
    # The runner may pass only the first N pairs; the manifest then knows the real total.
    written = (manifest.get("counts") or {}).get("written")
    if isinstance(written, int) and written > total:
        total = written

    legend = "".join(f'<span class="chip k-{kind}">{_KIND_LABELS[kind]}</span>' for kind in SPAN_KINDS)
    model = manifest.get("model")
    model_name = model.get("name") if isinstance(model, dict) else model
    title = "newsfacts report" + (f" — {model_name}" if model_name else "")
    body = "".join(sections) if sections else '<p class="muted">No articles.</p>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Belt and braces: even if something slipped through escaping, the page may not load anything.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="top"><h1>{_esc(title)}</h1><div class="legend">{legend}</div>'
        '<span class="muted" style="font-size:12px">hover or click a claim to highlight its parts; '
        "click a highlight to select its claim</span></header>"
        f"<main>{_render_manifest(manifest, shown, total, claims)}{body}</main>"
        f'<script type="application/json" id="nf-data">{_json_for_script({"spans": span_meta})}</script>'
        f"<script>{_JS}</script></body></html>\n"
    )


def write_report(
    run_dir: Path, items: Iterable[tuple[Article, FactsRecord]], manifest: dict[str, Any], max_articles: int = 500
) -> Path:
    """Render and atomically write `run_dir/report.html` (temp file in the same dir + os.replace)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    # lone surrogates (possible in JSON input) become "?" instead of failing the run
    page = render_report(items, manifest, max_articles).encode("utf-8", errors="replace").decode("utf-8")
    target = run_dir / REPORT_FILENAME
    atomic_write_text(target, page)
    return target
