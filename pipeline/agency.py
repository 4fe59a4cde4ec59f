"""Source agency: the news agency an article credits for its content (GUIDE.md, `source_agency`).

Agencies are credited in a handful of fixed typographic forms (credit lines, datelines, contributor
notes). A rule over those forms is exact and grounded, which a model answering "who wrote this?" is not:
an agency that is merely quoted inside the story ("as cited by the KCNA news agency") is not the source.
"""
from __future__ import annotations

import re

from pipeline.records import Span
from pipeline.spans import make_span

# Wire services (not newspapers/broadcasters: "Source: Al Jazeera" credits an outlet, not an agency).
AGENCIES = [
    "Agence France-Presse", "Agence France Presse", "AFP", "Reuters", "Associated Press", "AP",
    "TASS", "ITAR-TASS", "dpa", "DPA", "Deutsche Presse-Agentur", "Xinhua", "ANSA", "EFE", "Kyodo",
    "Yonhap", "UPI", "United Press International", "PTI", "Press Trust of India", "IANS", "ANI",
    "Bernama", "Anadolu", "Anadolu Agency", "RIA Novosti", "Interfax", "Sputnik", "AAP", "PA",
    "Press Association", "APA", "KNA", "epd", "SID", "CNA", "Antara", "WAFA", "MENA", "IRNA",
]
_AGENCY = "|".join(sorted((re.escape(a) for a in AGENCIES), key=len, reverse=True))
_ONE = rf"(?:{_AGENCY})"
# agencies listed together: "AFP, dpa", "AFP/Reuters", "AFP and AP", "AFP-Reuters", "Reuters – AFP"
_GROUP = rf"(?P<group>{_ONE}(?:\s*(?:,|/|and|&|-|–)\s*{_ONE})*)"

# Each pattern is a credit form; the named group is the credited agency (or agencies).
_CREDIT_FORMS = [
    # "Source: AFP", "Sources: AFP, dpa", "Source:-AFP" on its own line
    re.compile(rf"(?im)^\s*sources?\s*:\s*-?\s*{_GROUP}\s*\.?\s*$"),
    # dateline "WASHINGTON (Reuters) -", "(AP) —" at the start of a paragraph
    re.compile(rf"(?m)^[^\n]{{0,60}}?\(\s*{_GROUP}\s*\)\s*[-–—:]"),
    # "KIEV, March 19. /TASS/."
    re.compile(rf"(?m)^[^\n]{{0,60}}?/\s*{_GROUP}\s*/"),
    # trailing credit "... state. es/sms (AFP, dpa)", "(Reuters)" or "(AFP, dpa) -" at the very end of the text
    re.compile(rf"\(\s*{_GROUP}\s*\)\s*[-–—]?\s*$"),
    # an editors' initials credit anywhere, as pages carry it before their share buttons: "dm/rc-(Reuters, AFP)
    # Send Facebook ...", "jr/gsw (Süddeutsche Zeitung, AFP, Reuters)", "sri/uhe (AFP, Federal Ministry ...)"
    re.compile(rf"\b[a-z]{{2,4}}/[a-z]{{2,4}}\s*[-–]?\s*\((?:[^()]{{0,60}}?,\s*-?\s*)??{_GROUP}(?=\s*[,)])"),
    # "Source:-AP news agency" closing a paragraph that is not a line of its own
    re.compile(rf"(?im)\bsources?\s*:\s*-?\s*{_GROUP}(?:\s+news\s+agency)?\s*\.?\s*$"),
    # "The Associated Press contributed to this report.", "Associated Press writer X in Y contributed."
    re.compile(rf"(?i:the\s+)?{_GROUP}\s+contributed\s+to\s+this\s+(?:report|story|article)"),
    re.compile(rf"(?i:the\s+)?{_GROUP}\s+(?:writers?|reporters?|correspondents?)\b[^.]{{0,200}}?\bcontributed\b"),
    # TASS press reviews: "TASS is not responsible for the material quoted in the press reviews"
    re.compile(rf"{_GROUP}\s+is\s+not\s+responsible\s+for\s+the\s+material\s+quoted"),
    # a closing "..., with dpa"
    re.compile(rf"[.!?\"”]\s+with\s+{_GROUP}\s*\.?\s*\Z"),
    # "Reporting by ... for Reuters" / "Compiled by ... (Reuters)" are covered by the forms above;
    # "— AFP", "- Reuters", "AFP-Reuters –" or "(AFP) -" as the whole last line: a dash before or after
    re.compile(rf"(?m)^\s*[-–—]\s*\(?\s*{_GROUP}\s*\)?\s*\.?\s*\Z"),
    re.compile(rf"(?m)^\s*\(?\s*{_GROUP}\s*\)?\s*[-–—]\s*\Z"),
]


def find_source_agency(text: str) -> Span | None:
    """The credited agency as a grounded span, or None when the article credits none."""
    hits: list[tuple[int, re.Match[str]]] = []
    for rank, form in enumerate(_CREDIT_FORMS):
        for match in form.finditer(text):
            hits.append((rank, match))
    if not hits:
        return None
    # Prefer the most explicit credit form, then the last occurrence (credit lines close an article).
    rank, match = min(hits, key=lambda h: (h[0], -h[1].start("group")))
    return make_span(text, match.start("group"), match.end("group"))
