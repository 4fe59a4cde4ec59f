"""Attribution frames from the parse: each construction on sentences written for the tests."""
from __future__ import annotations

import pytest

from pipeline.linguistics.content import tokens_text
from pipeline.linguistics.frames import find_frames
from tests.conftest import claims_of, parse_one


def _frames(nlp, text):
    return [(f.cue.lemma_, f.denial, [s.text for s in f.speakers], tokens_text(f.content), f.back_reference)
            for f in find_frames(parse_one(nlp, text))]


@pytest.mark.parametrize("text, speaker, content", [
    ("The minister denied that the army shelled the village.", "minister", "the army shelled the village"),
    ("The ministry on Thursday rejected suggestions that it had sent arms to the rebels.", "ministry",
     "it had sent arms to the rebels"),
    ("Mr Lee denied having met the envoy.", "Lee", "having met the envoy"),
    ("She has denied discussing sanctions with the ambassador.", "She", "discussing sanctions with the ambassador"),
    ("The mayor has continued to deny that any money went missing.", "mayor", "any money went missing"),
    # no evidence / not true: what would make the claim true is said to be missing
    ("Officials said there was no evidence that the army had shelled the village.", "Officials",
     "the army had shelled the village"),
    ("Police found no evidence that the fire was started deliberately.", "Police",
     "the fire was started deliberately"),
    ("The company said there was no truth in reports that it would close the plant.", "company",
     "it would close the plant"),
    ("The spokesman said it was not true that the minister had resigned.", "spokesman", "the minister had resigned"),
])
def test_denial_of_a_proposition(nlp, text, speaker, content):
    (lemma, denial, speakers, found, _), *_ = [f for f in _frames(nlp, text) if f[1]]
    assert denial and speakers == [speaker] and found == content


@pytest.mark.parametrize("text, speaker", [
    ("The club dismissed the case against its owner as very weak.", "club"),
    ("The spokesman called the allegations hearsay.", "spokesman"),
    ("Ms Park described the report as pure fiction.", "Park"),
    ("The bank rebuffed the accusations on Friday.", "bank"),
    ("Mr Diaz pleaded not guilty.", "Diaz"),
])
def test_denials_without_a_denial_verb_or_clause(nlp, text, speaker):
    denials = [f for f in _frames(nlp, text) if f[1]]
    assert denials and denials[0][2] == [speaker]


def test_plea_names_the_charges(nlp):
    (frame,) = [f for f in _frames(nlp, "Mr Diaz pleaded not guilty to charges of fraud and bribery.") if f[1]]
    assert frame[3] == "charges of fraud and bribery" and not frame[4]


@pytest.mark.parametrize("text", [
    "The amendment was narrowly rejected by the Commons.",  # passive: a vote, not a dispute
    "He has complained of being denied his legal rights.",  # passive: deprived of something
    "The official did not deny that the talks took place.",  # negated
    "The council rejected the offer of a new stadium.",  # rejecting an offer is not disputing a claim
    "The minister is expected to deny the report on Monday.",  # not (yet) done
    # declining to comment (GUIDE.md: not a denier): the coordinated verb shares "neither" / "not" / "would"
    "Sean Spicer would neither confirm nor deny on Thursday the report.",
    "The spokesman would not confirm or deny the report.",
    "Sommer produced a great save to deny Robert Lewandowski in the 25th minute.",  # a person thwarted
    "The superstar has been challenging her fans to send in videos of their dance moves.",  # a dare
    "The strategy helps officials because it allows them to deny responsibility.",  # allowed, not done
])
def test_not_a_denial(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[1]]


@pytest.mark.parametrize("text, speakers, content", [
    ("Growth will slow next year, according to analysts at the central bank.", ["analysts"],
     "Growth will slow next year"),
    ("According to the police report, the driver was not wearing a seat belt.", ["report"],
     "the driver was not wearing a seat belt"),
    ("\"We have broken no rules,\" the company's chief executive, John Smith, said on Monday.", ["executive"],
     "We have broken no rules"),
    ("Prosecutors allege that he hid the money in a Swiss account.", ["Prosecutors"],
     "he hid the money in a Swiss account"),
    ("Ukraine, the United States and the European Union said the vote was illegal.",
     ["Ukraine", "States", "Union"], "the vote was illegal"),
    ("Government officials told reporters plans for the raid had been ready for months.", ["officials"],
     "plans for the raid had been ready for months"),
    # the clause before the verb hung on it too: the "that"-clause after it is what it reports
    ("The airline went to court in April last year after the Civil Aviation Authority (CAA) said that pilots "
     "must retire at 60.", ["Authority"], "pilots must retire at 60"),
    ("The cab company went to court in August last year after Transport for Scotland (TfS) said that drivers "
     "should have to prove their ability to read maps.", ["Transport"],
     "drivers should have to prove their ability to read maps"),
])
def test_reports(nlp, text, speakers, content):
    frames = [f for f in _frames(nlp, text) if not f[1]]
    assert frames and frames[0][2] == speakers and frames[0][3] == content


def test_coordinated_verb_takes_the_subject_it_shares(nlp):
    text = "McDonald's announced it would scrap the meals, but denied the film was the reason."
    (denial,) = [f for f in _frames(nlp, text) if f[1]]
    assert denial[2] == ["McDonald"] or denial[2] == ["McDonald's"]
    assert denial[3] == "the film was the reason"


@pytest.mark.parametrize("text", [
    "The appointment is expected to be announced on Friday.",
    "It was reported that the talks had failed.",
    "The so-called survivor is kept secret.",
])
def test_nobody_speaks(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[2]]


@pytest.mark.parametrize("text, content", [
    ("The senator is accused of taking bribes from a construction firm.",
     "The senator is accused of taking bribes from a construction firm"),
    # a relative pronoun stands for the noun it hangs on
    ("Warrants were issued for a former aide, who is accused of accepting bribes.",
     "a former aide is accused of accepting bribes"),
])
def test_passive_accusation_without_agent_is_an_unattributed_claim(nlp, text, content):
    (frame,) = _frames(nlp, text)
    assert frame[2] == [] and frame[3] == content


def test_report_that_calls_a_claim_false_is_a_denial(nlp):
    (frame,) = _frames(nlp, "\"The reports are baseless,\" a ministry spokesperson said.")
    assert frame[1] and frame[4]  # a denial referring back to the reports


def test_insisting_on_the_negation_denies(nlp):
    (frame,) = _frames(nlp, "The company insisted it had broken no rules.")
    assert frame[1] and frame[3] == "it had broken no rules"
    (plain,) = _frames(nlp, "The company said it would open no new stores.")
    assert not plain[1]


@pytest.mark.parametrize("text, source", [
    ("The ministry denied the claim made by the Tokyo Shimbun that arms were sent.", "Shimbun"),
    ("Mr Brown denied Conservative claims that he fiddled the figures.", "Conservative"),
    ("The judge rejected Uber's claim that the test was unfair.", "Uber"),
    ("Police rejected reports by local media that the suspect had fled.", "media"),
])
def test_the_denied_claims_source(nlp, text, source):
    (frame,) = [f for f in find_frames(parse_one(nlp, text)) if f.denial]
    assert [s.text for s in frame.sources] == [source]


def test_back_reference(nlp):
    (frame,) = _frames(nlp, "Its owner Yevgeny Prigozhin denied the report as gossip and speculation.")
    assert frame[1] and frame[4] and frame[3] == "the report"


@pytest.mark.parametrize("text", ["The company disputes that.", "Exxon rejects that."])
def test_a_demonstrative_disputes_what_was_said_before(nlp, text):
    (frame,) = _frames(nlp, text)
    assert frame[1] and frame[4]


def test_denial_noun(nlp):
    (frame,) = [f for f in _frames(nlp, "Vice President Mike Pence went on television to repeat the denial.") if f[1]]
    assert frame[2] == ["Pence"] and frame[4]


def test_relayed_attribution_is_found_inside(nlp):
    frames = _frames(nlp, "The BBC reported that officials said the plant would close.")
    assert ("say", False, ["officials"], "the plant would close", False) in frames


def test_stance_adjective_holds_a_view(nlp):
    (frame,) = _frames(nlp, "Privacy advocates are concerned that monitoring damages trust at work.")
    assert frame[2] == ["advocates"] and frame[3] == "monitoring damages trust at work"
    assert not _frames(nlp, "It is clear that the plan failed.")  # nobody's view


@pytest.mark.parametrize("text", [
    "\"That is not the case,\" said the managing director.",
    "\"This is not true,\" the minister said.",
])
def test_negated_truth_is_a_denial(nlp, text):
    (frame,) = _frames(nlp, text)
    assert frame[1] and frame[4]


@pytest.mark.parametrize("text", [
    # a negation inside one of its clauses is no negated proposition
    "Theresa May confirmed the U-turn, insisting that the Budget was consistent with the commitment not to raise tax.",
    "Nunes insisted that the room was used because the file was available to the White House and not to Congress.",
    # a negated comparative is emphatic agreement
    "The two sang each other's praises as they insisted their working relationship could not be closer.",
])
def test_insisting_on_a_proposition_that_is_not_negated_asserts_it(nlp, text):
    (frame,) = _frames(nlp, text)
    assert not frame[1] and frame[2]  # a claim, with its speaker as claimant


def test_insisting_on_innocence_denies(nlp):
    (frame,) = _frames(nlp, "Her supporters insist she is innocent.")
    assert frame[1] and frame[4] and frame[2] == ["supporters"]


def test_modal_cue_asserts_nothing(nlp):
    frames = _frames(nlp, "Lord Moore said ministers should expect the bill to be rewritten.")
    assert [f[0] for f in frames] == ["say"]


def test_evidence_is_not_a_speaker(nlp):
    (frame,) = _frames(nlp, "Official figures show that exports fell by 4%.")
    assert frame[2] == [] and frame[3] == "exports fell by 4%"


def test_deny_with_a_perfect_infinitive_disputes_a_deed(nlp):
    assert [f for f in _frames(nlp, "The minister denied to have met the lobbyist.") if f[1]]


def test_critics_counter_a_claim(nlp):
    (frame,) = [f for f in find_frames(parse_one(nlp, "Critics say the bill is a power grab.")) if f.denial]
    assert frame.counter and [s.text for s in frame.speakers] == ["Critics"]


@pytest.mark.parametrize("text", ["The court denied him bail.", "The law denies redress to thousands of families.",
                                  # a request refused is no claim disputed
                                  "The judge denied a motion by the defence to exclude the video.",
                                  "On Friday a federal judge denied the government's request to postpone the case.",
                                  # two objects: whom something is withheld from, and what
                                  "The court denied the refugees the right to appeal.",
                                  "The order is denying all residents the benefits of an inclusive society.",
                                  "It gives India access to Afghanistan - something Pakistan has denied India for years.",
                                  # an act to do: refused
                                  "Initially, the company had denied to pay any sort of compensation.",
                                  "The firm denied to comment on the reports."])
def test_deny_with_a_recipient_or_a_request_is_a_refusal(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[1]]


@pytest.mark.parametrize("text", [
    "Investigators said they had found no evidence of wrongdoing.",  # names no proposition: their own claim
    "He said there was no sign of a deal.",
])
def test_no_evidence_of_a_thing_is_a_claim_not_a_denial(nlp, text):
    assert [f for f in _frames(nlp, text) if f[1]] == [] and _frames(nlp, text)


@pytest.mark.parametrize("text, content", [
    ("The singer had been drinking before the crash, a court has heard.", "The singer had been drinking before the crash"),
    ("The jury heard that the driver had been drinking.", "the driver had been drinking"),
    ("The inquest was told the pilot had no warning.", "the pilot had no warning"),
])
def test_a_claim_heard_in_court_is_made_by_nobody_named(nlp, text, content):
    assert [(f[1], f[2], f[3]) for f in _frames(nlp, text)] == [(False, [], content)]


def test_hearing_a_noise_is_no_claim(nlp):
    assert _frames(nlp, "She heard a noise outside the house.") == []


@pytest.mark.parametrize("text, speaker, content", [
    ("Despite warnings from the central bank that inflation would rise, the government cut taxes.", "bank",
     "inflation would rise"),
    ("Critics pointed to warnings from the regulator that the bank was short of capital.", "regulator",
     "the bank was short of capital"),
])
def test_a_claim_noun_with_a_source_and_a_that_clause(nlp, text, speaker, content):
    assert (False, [speaker], content) in [(f[1], f[2], f[3]) for f in _frames(nlp, text)]


def test_a_view_nobody_is_said_to_hold_is_no_claim(nlp):
    assert _frames(nlp, "The view that taxes are too high is common.") == []


@pytest.mark.parametrize("text", [
    "The court removed what the board mistakenly believed were legal obstacles.",  # the cue inside a free relative
    "The minister explained how the money had been spent.",  # an embedded question
    "Reporters asked whether the talks had failed.",
    # an adverb before the question word; a question word that is the content verb's own object
    "The report explained exactly how the money had been moved.",
    "An aerial view of the terrain shows just what the mushers must brave to win the race.",
    "The inquiry will reveal what the minister knew.",
])
def test_a_question_or_a_relative_around_the_cue_asserts_nothing(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[3]]


def test_a_free_relative_as_the_subject_of_the_content_is_a_claim(nlp):
    frames = _frames(nlp, "The minister said that what he announced would be enough to win the vote.")
    assert [f[3] for f in frames] == ["what he announced would be enough to win the vote"]


def test_a_reporting_verb_after_its_clause_with_the_speaker_as_its_object(nlp):
    # quotative inversion "P, reported X": the parser may take X for the verb's object
    frames = _frames(nlp, "The deal would allow the army to recruit local soldiers as contractors, but they would "
                          "first have to leave the police, reported Tass.")
    assert [(f[0], f[2]) for f in frames] == [("report", ["Tass"])]
    assert frames[0][3].startswith("The deal would allow the army to recruit")


def test_a_participle_after_a_relative_clause_speaks_for_the_main_subject(nlp):
    frames = _frames(nlp, "The ministry has denied reports that suggest the army has been selling arms to the "
                          "rebels, calling the allegations groundless.")
    calling = [f for f in frames if f[0] == "call"]
    assert calling and calling[0][2] == ["ministry"]


def test_a_relative_clause_hung_on_a_noun_that_cannot_speak_speaks_for_the_phrase_before_it(nlp):
    # the parser hangs "which claims" on "pay"; the relative follows "the council's statement on pay", and a
    # statement speaks for whoever issued it
    claims = claims_of(nlp, "Readers should take a look at the council's statement on pay which claims that wages "
                            "rose by 3 percent last year.")
    assert claims == [("Wages rose by 3 percent last year.", ["the council"], [])]


def test_a_verb_the_parser_took_for_a_subject_is_nobody(nlp):
    from spacy.tokens import Doc

    from pipeline.linguistics.roles import speakers_of

    # "... he works [for voters] Jones also said that ...": run-on text where the parser makes "works" the
    # subject of "said"; the speaker is then the name right before the verb, never the verb
    words = ["he", "works", "Jones", "also", "said", "that", "prices", "rose"]
    doc = Doc(nlp.vocab, words=words, heads=[1, 4, 1, 4, 4, 7, 7, 4],
              deps=["nsubj", "nsubj", "dobj", "advmod", "ROOT", "mark", "nsubj", "ccomp"],
              pos=["PRON", "VERB", "PROPN", "ADV", "VERB", "SCONJ", "NOUN", "VERB"])
    assert [t.text for t in speakers_of(doc[4])] == ["Jones"]


@pytest.mark.parametrize("text, speaker", [
    # the noun the parse hangs the relative on stands, whether or not the lexicon knows it for a person
    ("Reporters questioned the commissioner, who has said that the smear campaign never existed.",
     "the commissioner"),
    ("Celebrity chefs are among the restaurateurs who have said that the dinner will raise money for refugees.",
     "the restaurateurs"),
])
def test_a_relative_clause_speaks_for_the_noun_it_modifies(nlp, text, speaker):
    ((_, claimants, _),) = claims_of(nlp, text)
    assert claimants == [speaker]


def test_quick_to_deny_is_a_denial_by_the_adjective_s_subject_likely_to_deny_is_none(nlp):
    done = claims_of(nlp, "The minister said the army would leave the region, but Palestinian officials were "
                          "quick to deny such claims.")
    assert done == [("The army would leave the region.", ["The minister"], ["Palestinian officials"])]
    not_yet = claims_of(nlp, "Reports said the bank would close, but officials are likely to deny the reports.")
    assert not_yet == [("The bank would close.", ["Reports"], [])]


def test_a_quote_going_on_without_attribution_is_still_the_speaker_s(nlp):
    text = ("\"I never had meetings with Russian officials about the campaign,\" Berg told reporters today. "
            "\"And the idea that I was part of a continuing exchange of information with them is false.\"")
    claims = claims_of(nlp, text)
    assert ("I was part of a continuing exchange of information with them.", [], ["Berg"]) in claims
    # not when the sentence is nobody's quote: the journalist's own words
    plain = ("\"I never had meetings with Russian officials,\" Berg told reporters today. The idea that she was part "
             "of an exchange of information is false.")
    assert all(not deniers for _, _, deniers in claims_of(nlp, plain))


def test_a_bare_demonstrative_is_nobody_but_those_who_say_are_somebody(nlp):
    frames = _frames(nlp, "When a delegation is deprived of the right to vote, this contradicts the principles of "
                          "democracy.")
    assert all(f[2] == [] for f in frames)
    frames = _frames(nlp, "Those who oppose the bill say it will raise prices.")
    assert [f[2] for f in frames if f[0] == "say"] == [["Those"]]


def test_a_measure_or_a_document_at_odds_with_something_is_no_denier(nlp):
    frames = _frames(nlp, "Merkel said the ban contradicts the basic tenets of international aid.")
    assert [f[2] for f in frames if f[1]] in ([], [[]])
    # while people named by a plain noun are ("its members" is in no lexicon)
    frames = _frames(nlp, "Critics say the group is secretive, but its members reject such claims.")
    assert [f[2] for f in frames if f[0] == "reject"] == [["members"]]


@pytest.mark.parametrize("text", ["Both groups have long disavowed the armed rebellion.",
                                  "The new government repudiated the treaty.",
                                  "Both athletes filed appeals disputing the ruling."])
def test_distancing_from_a_deed_or_a_pact_or_an_appeal_is_no_denier(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[1] and f[2]]


@pytest.mark.parametrize("text", ["The ministry repudiated the allegations.", "He disavowed the reports."])
def test_repudiating_or_disavowing_a_claim_is_still_a_denial(nlp, text):
    assert [f[1] for f in _frames(nlp, text)] == [True]


def test_a_that_clause_misread_as_adverbial_is_what_the_verb_reports(nlp):
    # (the parser hangs "that Ma broke laws" on "found" as an adverbial clause when a phrase comes between)
    text = "The prosecutors found, after a six-month probe, that Ma broke laws on the protection of privacy."
    assert claims_of(nlp, text) == [("Ma broke laws on the protection of privacy.", ["The prosecutors"], [])]
    assert claims_of(nlp, "He worked hard so that his children would succeed.") == []


@pytest.mark.parametrize("text, expected", [
    # whose opinion it is speaks, not the opinion
    ('Environment minister Sergei Ivanov spoke on Monday. According to his opinion, "wild animals should live in '
     'zoos."', [("Wild animals should live in zoos.", ["Environment minister Sergei Ivanov"], [])]),
    # a document speaks for itself
    ("Smith was nominated on Monday. According to his tax filings, he owns shares worth $10m.",
     [("He owns shares worth $10m.", ["his tax filings"], [])]),
])
def test_according_to_somebody_s_opinion_is_theirs(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text", [
    "Aides tried to bring discipline to a White House that has frequently contradicted itself.",  # inconsistent
    "The militants have attacked a number of Sufi shrines in many cities.",  # what a number counts
    "A senator called on the president to release his bank records in order to disprove the allegations.",  # meant
    # a negation scopes over "or": declining to comment
    "Kabila has not yet confirmed or denied the reports that he will run for a third term.",
    "The minister has neither confirmed nor denied the report.",
    # a claim noun with an infinitive proposes a deed: a proposal declined
    "South Korea had rejected the North's suggestion to co-host the Games.",
])
def test_no_claim_is_disputed(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[1]]


@pytest.mark.parametrize("text, denier", [
    ("The club, which denies any contact with the player, was not charged.", "club"),  # the relative is the subject
    ("The commissioner, who has strenuously denied knowledge of any smear campaign, resigned.", "commissioner"),
])
def test_a_relative_clause_of_the_denier_still_denies(nlp, text, denier):
    assert [f[2] for f in _frames(nlp, text) if f[1]] == [[denier]]


def test_declining_to_confirm_is_no_denial(nlp):
    text = ("The owner denies the video shows an arrangement with the employees. A police spokesman said the "
            "department cannot confirm the authenticity of the video.")
    assert [deniers for _, _, deniers in claims_of(nlp, text)] == [["The owner"], []]


@pytest.mark.parametrize("text, expected", [
    # a document states what it shows or finds; figures and events only show it
    ("Nearly 56,000 bridges are structurally deficient, a new report finds.",
     [("Nearly 56,000 bridges are structurally deficient.", ["a new report"], [])]),
    ("The report indicated the engine is to be used for the space programme.",
     [("The engine is to be used for the space programme.", ["The report"], [])]),
    ("The figures show that exports fell by 4%.", [("Exports fell by 4%.", [], [])]),
])
def test_a_document_claims_what_it_shows(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text, speaker, content", [
    ('Asked on Monday if the minister would resign over the affair, the spokesman replied: "No."',
     "spokesman", "the minister would resign over the affair"),
    ('Asked whether he wanted to shoot the man, Reeves said, "Absolutely not."', "Reeves", "he wanted to shoot the man"),
    ('Asked whether the talks had failed, Jones said: "Not at all."', "Jones", "the talks had failed"),
])
def test_a_negative_answer_disputes_what_was_asked(nlp, text, speaker, content):
    (frame,) = [f for f in _frames(nlp, text) if f[1]]
    assert frame[2] == [speaker] and frame[3] == content


@pytest.mark.parametrize("text", [
    'Asked whether he would run again, Smith said: "Of course. I love this job."',
    "Asked if the deal was dead, she said no one knew.",
])
def test_other_answers_dispute_nothing(nlp, text):
    assert not [f for f in _frames(nlp, text) if f[1]]
