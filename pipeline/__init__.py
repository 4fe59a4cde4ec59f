"""newsfacts: summarize news articles and extract grounded claims as validated JSON."""
from pipeline.api import FactsExtractor, extract_facts
from pipeline.records import Article, Claim, ErrorRecord, FactsRecord, Span

__all__ = ["Article", "Claim", "ErrorRecord", "FactsExtractor", "FactsRecord", "Span", "extract_facts"]
