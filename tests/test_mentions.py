"""Speaker phrases and the most specific mention they refer to (sentences written for the tests)."""
from __future__ import annotations

import pytest

from pipeline.linguistics.mentions import MentionIndex
from tests.conftest import claims_of, parse_one


def _speakers(nlp, text):
    return [(claimants, deniers) for _, claimants, deniers in claims_of(nlp, text)]


@pytest.mark.parametrize("text, expected", [
    # an apposed name is the most specific mention of a role
    ("\"We broke no rules,\" the firm's chief executive, John Smith, said.", "John Smith"),
    ("Lord Moore, Tory leader in the Lords, said the bill would be rewritten.", "Lord Moore"),
    # a role noun keeps its "of/for" complement, never a relative clause
    ("A spokesman for the Foreign Ministry said the talks had failed.", "A spokesman for the Foreign Ministry"),
    ("US Central Command, which oversees forces in the region, said the target had been hit.", "US Central Command"),
    # a day before the name, and a heading in capitals, are not part of it
    ("THE DEFENSE Hernandez has said the witness lied.", "Hernandez"),
])
def test_speaker_phrase(nlp, text, expected):
    ((claimants, _),) = _speakers(nlp, text)
    assert claimants == [expected]


def test_pronoun_resolves_to_the_earlier_speaker(nlp):
    text = ("Finance minister Anna Berg spoke in Oslo on Tuesday. Critics said her budget hid a deficit. "
            "But she denied that the figures had been changed.")
    claims = claims_of(nlp, text)
    assert any(deniers == ["Finance minister Anna Berg"] for _, _, deniers in claims)


def test_pronoun_in_a_relayed_attribution(nlp):
    text = ("Critics said the deal was rushed. President Erdogan has said he believed the prosecutors had "
            "ulterior motives.")
    claims = claims_of(nlp, text)
    assert ("The prosecutors had ulterior motives.", ["President Erdogan"], []) in claims


@pytest.mark.parametrize("text, expected", [
    # a title resolves to the article's named holder of it, never to another office
    ("US President Donald Trump spoke on Monday. The president denied that the aides had met the envoy.",
     "US President Donald Trump"),
    ("Vice President Mike Pence spoke on Monday. The president denied that the aides had met the envoy.",
     "The president"),
    ("The president denied that the aides had met the envoy. Later President Donald Trump left.",
     "President Donald Trump"),
    # an institution noun resolves to the organisation named just before
    ("Shares in Acme Corp fell on Monday. The firm denied that its books were wrong.", "Acme Corp"),
    # "Mr Ebbers" is the "Bernie Ebbers" introduced before
    ("Former WorldCom chief Bernie Ebbers took the stand. Mr Ebbers denied that he knew of the fraud.",
     "Former WorldCom chief Bernie Ebbers"),
    # a description of a person refers to the person the article is about
    ("Actor Robert Blake was in court. Mr Blake sat with Ann Lee. The 71-year-old former star has denied murder.",
     "Actor Robert Blake"),
])
def test_most_specific_mention(nlp, text, expected):
    deniers = [d for _, _, ds in claims_of(nlp, text) for d in ds]
    assert deniers == [expected]


def test_one_of_several_is_not_resolved(nlp):
    text = "A senior official said the talks failed. The third official denied that the talks had failed."
    deniers = [d for _, _, ds in claims_of(nlp, text) for d in ds]
    assert deniers == ["The third official"]


def test_coordinated_speakers(nlp):
    text = "Ukraine, the United States and the European Union said the vote was illegal."
    ((claimants, _),) = _speakers(nlp, text)
    assert claimants == ["Ukraine", "the United States", "the European Union"]


def test_the_country_and_names_with_of(nlp):
    text = "Iran tested a missile on Sunday. Trump said the tests must stop. The country denied that the test broke the deal."
    assert [d for _, _, ds in claims_of(nlp, text) for d in ds] == ["Iran"]
    (claim,) = claims_of(nlp, "The Republic of Crimea said the vote was legal.")
    assert claim[1] == ["The Republic of Crimea"]


@pytest.mark.parametrize("text, expected", [
    # "they": people named by a plural noun, or an organisation
    ("Prosecutors told the court that the men had planned the attack. They also said the men had bought petrol.",
     "Prosecutors"),
    ("Acme Corp said its profits rose. They also said the new factory would open in May.", "Acme Corp"),
])
def test_they_refers_to_a_group_of_people_or_an_organisation(nlp, text, expected):
    claims = claims_of(nlp, text)
    assert claims[-1][1] == [expected]


@pytest.mark.parametrize("text, expected", [
    # "I"/"we" inside a quote: the quote's speaker
    ("\"I think there is no doubt that the agency was spying on us,\" Mr Spicer said.", "Mr Spicer"),
    ("\"We believe the plant will close in May,\" the union said on Monday.", "the union"),
    # a verb inside a prepositional phrase takes the subject of the verb it hangs on
    ("The mayor won over critics by announcing he would cut the fares.", "The mayor"),
])
def test_speaker_of_a_nested_attribution(nlp, text, expected):
    ((_, claimants, _),) = claims_of(nlp, text)
    assert claimants == [expected]


@pytest.mark.parametrize("text, expected", [
    ("A statement by the central bank on Monday warned of risks. The statement said the currency would stay weak.",
     "the central bank"),
    ("Acme Corp said in a statement that profits fell. The statement said the new plant would open in May.",
     "Acme Corp"),
    ("The statement said the new plant would open in May.", "The statement"),  # nobody issued it before
])
def test_a_document_speaks_for_its_issuer(nlp, text, expected):
    assert claims_of(nlp, text)[-1][1] == [expected]


@pytest.mark.parametrize("text, expected", [
    # a party or nationality before the title need not be part of the name
    ("US President Donald Trump signed the order on Monday. The Republican president has said the policy "
     "protects the country.", "US President Donald Trump"),
    # an apposed role gives the name: "the senator" is the senator the article introduced, not another named later
    ("A court ordered the arrest of Leila de Lima, an opposition senator, on Thursday. The senator said the "
     "charges were invented. Senator Paolo Aquino condemned the arrest.", "Leila de Lima"),
    # a body described more fully before
    ("The order drew complaints from a three-judge panel. The panel said the order was unconstitutional.",
     "a three-judge panel"),
])
def test_a_description_refers_to_the_named_or_fuller_mention(nlp, text, expected):
    claimants = [c for _, cs, _ in claims_of(nlp, text) for c in cs]
    assert claimants[0] == expected


def test_a_pronoun_after_a_capitalised_title_is_the_named_holder(nlp):
    text = ("US President Donald Trump met reporters on Monday. Later the President travelled to Florida. "
            "He said the media were dishonest.")
    assert ("The media were dishonest.", ["US President Donald Trump"], []) in claims_of(nlp, text)


def test_he_is_the_apposed_speaker_not_the_person_in_his_title(nlp):
    # no subject before "he": the mention that is an argument of its clause, not the one inside "adviser to Y"
    text = ("Al Jazeera interviewed Ali Akbar Velayati, foreign-affairs adviser to Ayatollah Ali Khamenei. "
            "\"The Americans know very well that we would retaliate,\" he said.")
    claims = claims_of(nlp, text)
    assert [c for _, c, _ in claims] == [["Ali Akbar Velayati"]]


def test_a_surname_of_a_named_person_is_a_person(nlp):
    # the tagger may label a bare surname a place or an organisation; once the full name was a person, it is one
    mentions = MentionIndex(parse_one(nlp, "Ali Akbar Velayati spoke on Monday. Velayati said Iran would not "
                                           "change its policies."))
    assert {m.span.text: m.kind for m in mentions.mentions}["Velayati"] == "PERSON"


def test_who_denies_reports_did_not_issue_them(nlp):
    claims = claims_of(nlp, "The ministry has denied reports that suggest the army has been selling arms to the "
                            "rebels, calling the allegations groundless.")
    # (the reports claim it, as GUIDE.md writes an unnamed source: "reports"; the ministry only denies)
    assert claims == [("The army has been selling arms to the rebels.", ["reports"], ["The ministry"])]


def test_the_title_is_not_a_former_holder_of_it(nlp):
    text = ("Trump alleged that former President Barack Obama had wiretapped his phones. The President has alleged "
            "that the wiretap was illegal. Asked whether President Obama did that, Mr Pence said nothing.")
    claimants = [c for _, cs, _ in claims_of(nlp, text) for c in cs]
    assert "President Obama" not in claimants and "former President Barack Obama" not in claimants


def test_a_noun_that_only_modifies_another_is_no_antecedent(nlp):
    # "Mac" in "a Linux or Mac version" names nobody "He" can refer to (the tagger calls it a person)
    text = ("Swarm Systems built the software. There were no plans for a Linux or Mac version. "
            "He said that adverts would pay for it.")
    assert claims_of(nlp, text) == [("Adverts would pay for it.", [], [])]


def test_a_link_before_a_name_is_not_part_of_it(nlp):
    text = ("Jones has no concept he doesn't work for Exxon shareholders; he works for taxpayers who pay his salary "
            "& need to know what he does w/ it https://t.co/Qq5tiEI Jones also said that excluding the press "
            "allowed the department to save money.")
    assert [claimants for _, claimants, _ in claims_of(nlp, text)] == [["Jones"]]


@pytest.mark.parametrize("text, expected", [
    # an institution whose name carries its noun is not whatever organisation was named last
    ("Amnesty said that prisoners were tortured. The ministry denied it.",
     [("Prisoners were tortured.", ["Amnesty"], ["The ministry"])]),
    ("Amnesty said that prisoners were tortured, but the court disputed that.",
     [("Prisoners were tortured.", ["Amnesty"], ["the court"])]),
    # the ministry named before is still the one meant
    ("The Foreign Ministry said on Monday that talks had failed. Amnesty said that prisoners were tortured. "
     "The ministry denied it.",
     [("Talks had failed.", ["The Foreign Ministry"], []),
      ("Prisoners were tortured.", ["Amnesty"], ["The Foreign Ministry"])]),
])
def test_a_named_institution_noun_refers_only_to_an_institution_of_that_name(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("The Centers for Disease Control and Prevention estimates that one in two patients will recover.",
     "The Centers for Disease Control and Prevention"),
    ("The National Oceanic and Atmospheric Administration said the month was the warmest on record.",
     "The National Oceanic and Atmospheric Administration"),
    ("The Committee to Protect Journalists said the arrests were unjust.", "The Committee to Protect Journalists"),
])
def test_a_name_spanned_by_the_entity_recognizer_is_one_speaker(nlp, text, expected):
    # (its "for", "and" and "to" parts are part of the name, not a complement to trim away)
    ((_, claimants, _),) = claims_of(nlp, text)
    assert claimants == [expected]


def test_a_pronoun_is_not_a_name_inside_its_own_quote(nlp):
    # (a speaker says "I" in their own words: Abe, named in the quote "he" speaks, is somebody else)
    text = ("The new administration is not going to interfere with Japan's ties with Russia, a representative of "
            "the US administration said. \"The United States isn't seeking to interfere with Prime Minister Abe's "
            "priorities in his dealings with Russia,\" he said.")
    claims = claims_of(nlp, text)
    assert len(claims) == 2 and not any("Abe" in name for _, claimants, _ in claims for name in claimants)


def test_a_pronoun_can_be_the_subject_named_in_reported_speech(nlp):
    # (outside quotation marks the name can be the speaker's: she is Milano, and Gorham tweeted it too)
    text = ("The actress Alyssa Milano is doing get-out-the-vote work for the Democrat, she and her colleague "
            "Christopher Gorham tweeted on Monday.")
    assert [claimants for _, claimants, _ in claims_of(nlp, text)] == [["Alyssa Milano",
                                                                        "Christopher Gorham"]]


@pytest.mark.parametrize("text, expected", [
    # a relative pronoun is the noun its clause modifies, or nobody when the parse hangs it elsewhere
    ("The minister, who denied that the army shelled the village, resigned.",
     [("The army shelled the village.", [], ["The minister"])]),
    ('Trump himself, who initially called climate change a "hoax," eventually conceded some connectivity.',
     [("Climate change.", [], [])]),
    # "let's" names no speaker ("'s" is "us")
    ("And then let's get to work to make sure we get a Congress in 2018 that reflects your priorities.",
     [("We get a Congress in 2018.", [], [])]),
])
def test_a_relative_pronoun_or_lets_is_no_name(nlp, text, expected):
    assert claims_of(nlp, text)[:1] == expected
