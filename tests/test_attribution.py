from pipeline.attribution import find_claim_sites, is_attributed, is_denial, refers_back
from pipeline.sentences import split_sentences


def test_cues():
    assert is_attributed("The minister said taxes would rise.")
    assert is_attributed("According to the report, sales fell.")
    assert not is_attributed("The sun rose over the hills.")
    assert is_denial("The company denied the allegations.")
    assert is_denial("He called the claims groundless.")
    assert not is_denial("She said the plan would work.")


def test_back_reference():
    assert refers_back("Its owner Yevgeny Prigozhin denied the report as “gossip and speculation.”")
    assert not refers_back("The ministry denied that it had sent any weapons to the border region last year "
                           "in violation of sanctions imposed by the council.")


def test_seed_sites_cover_both_disputed_claims(seed_text):
    sentences = split_sentences(seed_text)
    sites = find_claim_sites(sentences, None, max_claims=5)
    assert 2 <= len(sites) <= 5
    texts = [s.sentence.text for s in sites]
    assert any("Tokyo Shimbun" in t for t in texts)
    white_house = next(s for s in sites if "White House claimed" in s.sentence.text)
    # Prigozhin's "denied the report" refers back to the White House claim
    assert any("Prigozhin" in d.text for d in white_house.denial_sentences)
    assert [s.index for s in sites] == sorted(s.index for s in sites)


def test_max_claims_respected(seed_text):
    sentences = split_sentences(seed_text)
    assert find_claim_sites(sentences, None, max_claims=0) == []
    assert len(find_claim_sites(sentences, None, max_claims=1)) == 1
