"""Claims assembled from frames: the disputed proposition, who asserts it, who disputes it, which first."""
from __future__ import annotations

import pytest

from pipeline.linguistics.claims import draft_claims
from tests.conftest import claims_of, parse_one


def test_a_denial_is_not_the_claim(nlp):
    (claim,) = claims_of(nlp, "The minister denied that the army shelled the village.")
    assert claim == ("The army shelled the village.", [], ["The minister"])


def test_claim_and_later_denial_are_one_disputed_claim(nlp):
    text = ("The Daily Star reported that the army shelled the village on Monday. "
            "The defence ministry denied that the army had shelled the village.")
    (claim,) = claims_of(nlp, text)
    assert claim == ("The army shelled the village on Monday.", ["The Daily Star"], ["The defence ministry"])


def test_back_reference_attaches_to_the_claim_it_names(nlp):
    text = ("Prosecutors charged Mr Lee with fraud last year. Analysts said the shares would fall. "
            "Police said the office was searched. Mr Lee has denied the charges.")
    claims = claims_of(nlp, text)
    disputed = [c for c in claims if c[2]]
    assert len(disputed) == 1 and disputed[0][1] == ["Prosecutors"] and disputed[0][2] == ["Mr Lee"]


def test_claimant_named_inside_the_denial(nlp):
    (claim,) = claims_of(nlp, "Mr Brown denied Conservative claims that he had fiddled the figures.")
    assert claim == ("Mr Brown had fiddled the figures.", ["Conservative"], ["Mr Brown"])


def test_nobody_is_claimant_and_denier_of_one_claim(nlp):
    text = ("Acme said its accounts were sound. Acme has denied that its accounts were wrong and that the "
            "audit failed.")
    for _, claimants, deniers in claims_of(nlp, text):
        assert not set(claimants) & set(deniers)


def test_attribution_never_stays_in_the_rule_claim(nlp):
    text = ("According to the police, the driver was drunk. \"The bridge is safe,\" the mayor said. "
            "Officials told reporters that the dam would hold.")
    texts = [c[0] for c in claims_of(nlp, text)]
    assert texts == ["The driver was drunk.", "The bridge is safe.", "The dam would hold."]


def test_disputed_and_lead_claims_come_first(nlp):
    facts = ["exports of steel rose in May", "the central bank would cut rates", "rents in the capital fell",
             "the strike had ended on Friday", "fuel prices were stable", "the mine would reopen soon",
             "tourism had recovered fully"]
    sentences = [f"Analyst {n} said {fact}." for n, fact in zip("ABCDEFG", facts)]
    sentences.insert(5, "The company denied that it had hidden losses.")
    text = " ".join(sentences)
    claims = claims_of(nlp, text, max_claims=3)
    assert len(claims) == 3
    assert any(c[2] == ["The company"] for c in claims)  # disputed, though sixth in the article
    assert claims[0][1] == ["Analyst A"]  # the lead


def test_one_speakers_quotes_do_not_crowd_out_others(nlp):
    quotes = " ".join(f"\"Point {n} is true,\" Ms Adams said." for n in range(1, 6))
    text = quotes + " Mr Brown said the plan would cost 5 million pounds."
    claimants = [c[1] for c in claims_of(nlp, text, max_claims=4)]
    assert ["Mr Brown"] in claimants


def test_feelings_and_exhortations_rank_below_claims_of_fact(nlp):
    text = ("\"We must stay calm,\" the mayor said. \"I am very sad,\" the mayor said. "
            "The mayor said the bridge had been closed since May.")
    (claim,) = claims_of(nlp, text, max_claims=1)
    assert claim[0] == "The bridge had been closed since May."


def test_repeated_text_gives_each_claim_once(nlp, seed_text):
    parsed = parse_one(nlp, seed_text + "\n" + seed_text)
    drafts = draft_claims(parsed, 10)
    texts = [d.rule_text for d in drafts]
    assert len(texts) == len(set(texts))
    assert all(d.evidence[0].start < len(seed_text) for d in drafts)


def test_seed_article(nlp, seed_text):
    claims = claims_of(nlp, seed_text)
    by_denier = {d: c for c in claims for d in c[2]}
    assert any("Tokyo Shimbun" in name for c in claims for name in c[1])
    assert any("Prigozhin" in name for name in by_denier)
    assert 2 <= len(claims) <= 5


def test_max_claims(nlp, seed_text):
    parsed = parse_one(nlp, seed_text)
    assert draft_claims(parsed, 0) == []
    assert len(draft_claims(parsed, 1)) == 1


def test_evidence_inside_a_speakers_claim_is_the_speakers(nlp):
    (claim,) = claims_of(nlp, "Mark Oaten said Monday's vote showed the government had lost the confidence of MPs.")
    assert claim[1] == ["Mark Oaten"]


def test_critics_dispute_the_claim_they_answer(nlp):
    text = ("Supporters of the bill say it will protect the sleep of people living near mosques. "
            "Critics say the bill will not protect anyone's sleep and targets a minority.")
    claims = claims_of(nlp, text)
    assert len(claims) == 1 and claims[0][2] == ["Critics"] and claims[0][1] == ["Supporters of the bill"]


def test_article_opening_with_a_pronoun(nlp):
    text = "But he denied that he was ruling out membership of the euro. Mr Brown said growth was strong."
    claims = claims_of(nlp, text)
    assert claims[0][2] == ["Mr Brown"]


def test_rejected_claim_of_a_named_source_is_that_sources_claim(nlp):
    text = ("The union argued that the new rota was unsafe for nurses. "
            "\"The hospital may set its own rotas,\" said Judge Anne Hale as she rejected the union's claim.")
    claims = claims_of(nlp, text)
    rota = next(c for c in claims if "unsafe" in c[0])
    assert rota[1] == ["The union"] and rota[2] == ["Judge Anne Hale"]
    judges = next(c for c in claims if "own rotas" in c[0])
    assert judges[2] == []  # the judge rejects the union's claim, not her own words


def test_the_title_resolves_to_a_name_met_as_a_possessor(nlp):
    text = ("Acting President Maria Lopez's government lost a vote on Tuesday. "
            "The president denied reports that her cabinet would resign.")
    (claim,) = [c for c in claims_of(nlp, text) if c[2]]
    assert claim[2] == ["Acting President Maria Lopez"]


def test_a_negation_right_after_a_denial_carries_it_on(nlp):
    text = ("The newspaper reported that the general was the target of the raid. "
            "The army disputed that the general was the target of the raid. "
            "\"The general was not a target,\" Colonel Jane Ward told reporters.")
    raid = next(c for c in claims_of(nlp, text) if "raid" in c[0])
    assert raid[1] == ["The newspaper"] and raid[2] == ["The army", "Colonel Jane Ward"]


def test_a_negation_about_something_else_disputes_nothing(nlp):
    text = ("The newspaper reported that the general was the target of the raid. "
            "The army disputed that the general was the target of the raid. "
            "\"The weather was not good that week,\" Colonel Jane Ward told reporters.")
    raid = next(c for c in claims_of(nlp, text) if "raid" in c[0])
    assert raid[2] == ["The army"]


def test_opposing_a_decision_disputes_the_claim_it_rests_on(nlp):
    text = ("Judge Ann Cole ruled that the strike was lawful. "
            "Max Weber, head of the employers' group, criticised the ruling.")
    (claim,) = claims_of(nlp, text)
    assert claim == ("The strike was lawful.", ["Judge Ann Cole"], ["Max Weber"])


def test_a_vote_against_a_bill_is_no_denial(nlp):
    text = "Ministers said the bill would cut waiting lists. The upper house rejected the bill on Tuesday."
    (claim,) = claims_of(nlp, text)
    assert claim[2] == []


def test_no_evidence_for_a_claim_disputes_it_and_otherwise_is_a_claim(nlp):
    text = ("The rebels said the army had shelled the village on Monday. "
            "Officials said there was no evidence that the army had shelled the village.")
    (claim,) = claims_of(nlp, text)
    assert claim[1:] == (["The rebels"], ["Officials"])
    (alone,) = claims_of(nlp, "Officials said there was no evidence that the army had shelled the village.")
    assert alone == ("There was no evidence that the army had shelled the village.", ["Officials"], [])


def test_opponents_answer_the_supporters_claim(nlp):
    text = ("Supporters of the scheme say it will cut traffic in the city centre. "
            "A study found that bus journeys in Leeds had become faster since 2019. "
            "Opponents say the charge, backed by the council, is a tax on commuters from Leeds.")
    claims = claims_of(nlp, text)
    traffic = next(c for c in claims if "traffic" in c[0])
    assert traffic[1] == ["Supporters of the scheme"] and traffic[2] == ["Opponents"]


@pytest.mark.parametrize("text, expected", [
    # critics answer a claim they restate, not one that shares a topic word or two with what they say
    ("The mayor said the new stadium will open next year. Critics say the new stadium budget hurts schools.",
     [("The new stadium will open next year.", ["The mayor"], []),
      ("The new stadium budget hurts schools.", ["Critics"], [])]),
    ("The mayor said the new stadium will bring jobs to the city. Critics say the new stadium will bring no jobs "
     "to the city.", [("The new stadium will bring jobs to the city.", ["The mayor"], ["Critics"])]),
])
def test_critics_counter_only_a_claim_they_restate(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_a_negation_speaking_of_the_stating_sentence_carries_the_denial_on(nlp):
    text = ("The president said in a tweet that the caucus would hurt the party. "
            "Members of the caucus dismissed the president's threats. "
            "\"I'm not going to get hung up on a tweet,\" Rep. Ann Dale said.")
    deniers = {d for c in claims_of(nlp, text) for d in c[2]}
    assert "Rep. Ann Dale" in deniers


@pytest.mark.parametrize("text", [
    # a policy of its own, not one the article spoke of
    "\"America wants to pick a fight there,\" said Duterte, who has openly criticised US security policies.",
    # nobody disputes their own claim
    "Senator Ann Lee said the bill would cut premiums. Senator Ann Lee opposed the bill on Friday.",
])
def test_opposing_what_the_article_did_not_claim_disputes_nothing(nlp, text):
    assert all(not deniers for _, _, deniers in claims_of(nlp, text))


def test_a_claimant_restating_a_claim_in_the_negative_does_not_dispute_it(nlp):
    text = ("\"I cannot vote for any bill that raises premiums,\" Senator Ted Cruz said. "
            "Two senators opposed the bill on Friday. "
            "Cruz said on Sunday that he would not vote for any bill that raises premiums.")
    premiums = next(c for c in claims_of(nlp, text) if "cannot" in c[0])
    assert "Senator Ted Cruz" in premiums[1] and not any("Cruz" in d for d in premiums[2])


def test_disputes_that_attaches_to_the_claim_before(nlp):
    text = "Farmers fear the mine could poison the river. The ministry disputes that."
    (claim,) = claims_of(nlp, text)
    assert claim == ("The mine could poison the river.", ["Farmers"], ["The ministry"])


def test_what_a_denier_says_in_the_same_breath_is_the_denial_s_argument(nlp):
    claims = claims_of(nlp, "Prosecutors said Mr Lee had hidden the money. Mr Lee denied the charge, saying he had "
                            "been abroad at the time.")
    assert claims == [("Mr Lee had hidden the money.", ["Prosecutors"], ["Mr Lee"])]


def test_a_back_reference_names_a_claim_only_within_a_few_sentences(nlp):
    text = ("A newspaper reported that the minister had resigned. The weather was fine. Shops opened late. "
            "Trains ran on time. The White House claimed that the envoy had met the rebels. "
            "The envoy denied the report.")
    claims = claims_of(nlp, text)
    assert ("The envoy had met the rebels.", ["The White House"], ["The envoy"]) in claims


def test_that_is_not_the_case_disputes_the_claim_before_it(nlp):
    claims = claims_of(nlp, "Privacy advocates are concerned that monitoring at work damages trust. \"That is not "
                            "the case,\" said Tim Ellsmore, managing director of the firm.")
    assert claims == [("Monitoring at work damages trust.", ["Privacy advocates"], ["Tim Ellsmore"])]


def test_a_denial_of_a_part_in_a_deed_disputes_what_is_said_of_the_denier(nlp):
    # "the Vela club shooting" shares more words with the second claim, but only the first says Smith did it
    text = ("Prosecutors say Smith shot two men outside the Vela club in 2012. Prosecutors said they plan to show "
            "jurors photos of the Vela club shooting. Smith has denied any role in the shooting at the Vela club.")
    assert claims_of(nlp, text) == [
        ("Smith shot two men outside the Vela club in 2012.", ["Prosecutors"], ["Smith"]),
        ("Prosecutors plan to show jurors photos of the Vela club shooting.", ["Prosecutors"], [])]


def test_who_denies_the_allegations_disputes_the_claim_about_them(nlp):
    text = ("Police said Smith had stolen the car. Officials said the roads were icy that night. "
            "Smith denied the allegations.")
    assert claims_of(nlp, text) == [("Smith had stolen the car.", ["Police"], ["Smith"]),
                                    ("The roads were icy that night.", ["Officials"], [])]


@pytest.mark.parametrize("text, expected", [
    # a dispute set in a clause under the reported proposition is not part of it, and disputes it
    ("Supporters say the plant will create jobs, although economists dispute that assertion.",
     ("The plant will create jobs.", ["Supporters"], ["economists"])),
    ("Amnesty said the US is not taking adequate precautions to protect civilians, though on Monday the US "
     "denied that it had loosened its rules of engagement.",
     ("The US is not taking adequate precautions to protect civilians.", ["Amnesty"], ["the US"])),
])
def test_a_dispute_in_a_clause_under_the_claim_disputes_it(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


@pytest.mark.parametrize("text, expected", [
    # what belongs to somebody only shows something: the denial is of the whole proposition, nobody claims it
    ("Two senior officials dismissed the notion that Walsh's departure signaled Priebus could be next to leave.",
     ("Walsh's departure signaled Priebus could be next to leave.", [], ["Two senior officials"])),
    ("Smith's find shows that the firm paid no tax in 2015.", ("The firm paid no tax in 2015.", [], [])),
    # a report is issued by somebody and a body can speak, whoever they belong to
    ("Amnesty's report found that prisoners were tortured.", ("Prisoners were tortured.", ["Amnesty"], [])),
    ("Syria's army high command confirmed that jets had breached its airspace.",
     ("Jets had breached its airspace.", ["Syria's army high command"], [])),
])
def test_a_thing_of_somebody_s_shows_but_does_not_claim(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


@pytest.mark.parametrize("text, expected", [
    # a claim noun set off after the proposition, with who denies it: a comment on the claim, not part of it
    ("Amnesty said prisoners were tortured, a claim the ministry denied.",
     [("Prisoners were tortured.", ["Amnesty"], ["the ministry"])]),
    ("Police said the suspect fled the country, a claim his lawyer disputed on Monday.",
     [("The suspect fled the country.", ["Police"], ["his lawyer"])]),
    ("The newspaper reported that the minister took bribes, a charge he denies.",
     [("The minister took bribes.", ["The newspaper"], ["the minister"])]),
    ("There has been speculation that Mr Jones could run for mayor - rumours he has flatly denied.",
     [("Mr Jones could run for mayor.", [], ["Mr Jones"])]),
    # nothing claimed that it could be: no claim of its own either
    ("Smith called the raid a failure, an assessment Jones rejected.", []),
])
def test_a_claim_noun_apposed_to_a_proposition_carries_its_denial(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_a_back_reference_in_a_sentence_of_two_claims_disputes_the_nearer_one(nlp):
    text = ("The UN said troops killed civilians, and investigators said the soldiers used torture, which the "
            "government denies.")
    assert sorted(claims_of(nlp, text)) == [("The soldiers used torture.", ["investigators"], ["the government"]),
                                            ("Troops killed civilians.", ["The UN"], [])]


@pytest.mark.parametrize("text, expected", [
    # whoever fits a description is nobody in particular: no denier, no claimant
    ("The minister said the law would punish those who deny the Holocaust.",
     [("The law would punish those who deny the Holocaust.", ["The minister"], [])]),
    ("Historians say the massacre happened in 1943, and anyone who denies it is lying.",
     [("The massacre happened in 1943, and anyone who denies it is lying.", ["Historians"], [])]),
])
def test_those_who_deny_are_nobody_in_particular(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_a_denial_to_do_something_is_a_refusal_and_critics_own_what_they_cite(nlp):
    # "his denial to make ... public" refuses; what the critics say it shows is their claim, not a second one
    text = ("Critics have argued that the mayor's persistent denial to make his returns public shows he has something "
            "to hide.")
    assert claims_of(nlp, text) == [
        ("The mayor's persistent denial to make his returns public shows he has something to hide.", ["Critics"], [])]


@pytest.mark.parametrize("text", ["The minister's denial that he took bribes was not believed by the court.",
                                  "The minister issued a denial that he took bribes."])
def test_a_denial_noun_s_that_clause_is_what_it_denies(nlp, text):
    # (the parser may read "that" as a relative pronoun although the clause has its own subject and object)
    assert claims_of(nlp, text) == [("The minister took bribes.", [], ["The minister"])]


@pytest.mark.parametrize("text, expected", [
    # the "that"-clause of a report hung by the parser on the paper it appeared in is still the report's
    ("Journalists could not verify a report in the Korea Herald that he had canceled a dinner.",
     [("He had canceled a dinner.", ["the Korea Herald"], [])]),
    ("There was a report in the Guardian that the minister would resign.",
     [("The minister would resign.", ["the Guardian"], [])]),
])
def test_a_report_in_a_paper_that_p_is_the_paper_s_claim(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    # a report inside a relative clause with a speaker of its own: the noun described does what is said
    ("Police arrested a man who they say stole the car.", [("A man stole the car.", ["Police"], [])]),
    ("The drug, which the company says is safe, was withdrawn on Monday.", [("The drug is safe.", ["the company"], [])]),
    # what somebody agreed to do is no report; nor is a clause the parser hung on a date
    ("The system, which the government agreed to deploy, arrived on Monday.", []),
])
def test_a_report_inside_a_relative_clause_is_a_claim_about_its_noun(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    # "doing so" stands for the claim before it: the denial disputes that claim, it makes no claim "Doing so."
    ("Prosecutors said Smith stole the money. Smith denied doing so.",
     [("Smith stole the money.", ["Prosecutors"], ["Smith"])]),
    ("Prosecutors said Smith stole the money. Smith has denied having done that.",
     [("Smith stole the money.", ["Prosecutors"], ["Smith"])]),
])
def test_a_denied_pro_form_disputes_the_claim_before_it(nlp, text, expected):
    assert claims_of(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    # a participle of saying the parser hung on the reported clause is the reporter's, and no part of the claim
    ("The official said the snake had swallowed the farmer whole, adding that it was the only such death.",
     [("The snake had swallowed the farmer whole.", ["The official"], []),
      ("It was the only such death.", ["The official"], [])]),
    # a denial coordinated across a change of tense with a reported clause belongs to who reports it
    ('"I acknowledge that the meeting took place, but deny discussing sanctions," Cohen said.',
     [("Cohen discussed sanctions.", [], ["Cohen"]), ("The meeting took place.", ["Cohen"], [])]),
])
def test_a_verb_hung_on_a_reported_clause_belongs_to_its_reporter(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_coordinated_verbs_of_one_tense_share_their_subject(nlp):
    text = "Sessions recused himself from the inquiry but insisted that he answered honestly, he said today."
    assert ("He answered honestly.", ["Sessions"], []) in claims_of(nlp, text)


@pytest.mark.parametrize("text, expected", [
    # a denial of what a bare "it" was disputes the claim it restates ...
    ("Flynn accused Iran of violating a UN resolution on missiles. Iran confirmed the test but denied it was a "
     "breach of UN resolutions.",
     [("Iran violated a UN resolution on missiles.", ["Flynn"], ["Iran"])]),
    ("The Herald reported that Tillerson had cancelled a dinner. Tillerson denied it was true.",
     [("Tillerson had cancelled a dinner.", ["The Herald"], ["Tillerson"])]),
    # ... and is a claim of its own when it restates none
    ("Folks have rights of due process, the lawyer said. Trump now denies that this is a Muslim ban.",
     [("Folks have rights of due process.", ["the lawyer"], []), ("This is a Muslim ban.", [], [])]),
])
def test_a_denial_of_what_it_was_disputes_the_claim_it_restates(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_a_claim_about_somebody_s_aide_is_not_about_them(nlp):
    # ("the charges" De Lima denies are those against her, not those against her aide, stated nearer)
    text = ("Prosecutors say De Lima ran a drug ring. They also say a de Lima aide accepted bribes. "
            "De Lima has denied the allegations.")
    assert [(c, d) for c, _, d in claims_of(nlp, text)] == [
        ("De Lima ran a drug ring.", ["De Lima"]), ("A de Lima aide accepted bribes.", [])]


def test_another_story_s_headline_is_no_claim(nlp):
    text = ("Iran tested a missile. READ MORE: US says Iran broke a UN resolution In a post on Twitter, Trump said "
            "Iran was playing with fire.")
    assert claims_of(nlp, text) == [("Iran was playing with fire.", ["Trump"], [])]


@pytest.mark.parametrize("text, expected", [
    ('"If this law is passed, women will face prison," added Maria Cutaia.',
     "If this law is passed, women will face prison."),
    ("He said that if the bill passes, prices will rise.", "If the bill passes, prices will rise."),
    ("When the talks collapsed, the union walked out, Jones said.", "When the talks collapsed, the union walked out."),
])
def test_a_condition_or_time_clause_stays_in_the_claim(nlp, text, expected):
    # (its "if"/"when" is no complementiser to drop, and the claim is no embedded question)
    ((claim, _, _),) = claims_of(nlp, text)
    assert claim == expected


def test_an_embedded_question_is_still_no_claim(nlp):
    assert claims_of(nlp, "She asked whether the vote was fair. Smith explained how the deal was done.") == []


def test_a_pronoun_in_the_claim_is_who_stated_it_not_who_disputes_it(nlp):
    # ("she" is Sturgeon, whose announcement states the claim; May only rejects the idea later)
    text = ("This means Theresa May is free to start the talks. The result came as Scotland's First Minister Nicola "
            "Sturgeon announced that she intended to hold a second referendum. Ms Sturgeon said she wanted a vote "
            "next year - but there is speculation that Mrs May will reject the idea of the referendum being held soon.")
    claim, claimants, deniers = claims_of(nlp, text)[0]
    assert claim == "Scotland's First Minister Nicola Sturgeon intended to hold a second referendum."
    assert deniers == ["Theresa May"]


@pytest.mark.parametrize("text, expected", [
    ("Cheney accused the Russian President of trying to influence past elections.",
     "The Russian President tried to influence past elections."),
    ('Trump accused her of "ruining Germany" with her refugee policy.', "She ruined Germany with her refugee policy."),
    ("Critics accused the firm of not paying its taxes.", "The firm did not pay its taxes."),
    ("Prosecutors charged the banker with having lied to investigators.", "The banker had lied to investigators."),
    ("The report accused the companies of being involved in the scheme.",
     "The companies were involved in the scheme."),
    ("The party's treasurer, who is accused of forging invoices, resigned on Monday.",
     "The party's treasurer forged invoices."),
    ("Trump accused Beijing of currency manipulation.", "Beijing is guilty of currency manipulation."),
    ("The union blamed the management for the delay.", "The management is to blame for the delay."),
])
def test_an_accusation_claims_the_deed_as_a_sentence(nlp, text, expected):
    # (not "the Russian President of trying to ...": the accused does the deed, in the past tense)
    ((claim, _, _),) = claims_of(nlp, text)
    assert claim == expected


@pytest.mark.parametrize("text, expected", [
    ("Orban accused Soros of backing the groups and meddling in politics.",
     "Soros backed the groups and meddled in politics."),
    ("Residents were charged for medical services.", "Residents were charged for medical services."),
])
def test_coordinated_deeds_and_a_charge_that_is_a_bill(nlp, text, expected):
    # (each coordinated gerund becomes a verb; "charged for" bills somebody, it accuses nobody of anything)
    ((claim, _, _),) = claims_of(nlp, text)
    assert claim == expected


@pytest.mark.parametrize("text, expected", [
    ("Putin has denied any involvement in election meddling.", ("Putin was involved in election meddling.",
                                                                 ["Putin"])),
    ("The Russian government has denied any wrongdoing.", ("The Russian government committed wrongdoing.",
                                                           ["The Russian government"])),
    ("Roy Webster pleaded not guilty to her murder.", ("Roy Webster is guilty of her murder.", ["Roy Webster"])),
    # (contacts between others are not the denier's own: the noun phrase stays)
    ("Trump denied any contacts between his campaign and the Russians.",
     ("Any contacts between his campaign and the Russians.", ["Trump"])),
])
def test_a_denied_part_in_a_deed_is_claimed_of_the_denier(nlp, text, expected):
    ((claim, claimants, deniers),) = claims_of(nlp, text)
    assert (claim, deniers) == expected and claimants == []


@pytest.mark.parametrize("text, expected", [
    ("The banker denied moving the funds to Panama.", ("The banker moved the funds to Panama.", ["The banker"])),
    # ("any" and "ever" only speak under the denial; a common past form, "paid" not "payed")
    ("Senator Hale denied ever paying any money to the lobby group.",
     ("Senator Hale paid money to the lobby group.", ["Senator Hale"])),
    ("Mr Lane denied not paying his staff.", ("Mr Lane did not pay his staff.", ["Mr Lane"])),
    ("The two directors deny having met the buyer.", ("The two directors had met the buyer.", ["The two directors"])),
])
def test_a_denied_deed_is_claimed_of_the_denier(nlp, text, expected):
    # (a gerund without a subject of its own is the denier's doing, not "Moving the funds to Panama.")
    ((claim, claimants, deniers),) = claims_of(nlp, text)
    assert (claim, deniers) == expected and claimants == []


@pytest.mark.parametrize("text, expected", [
    ("Kiev refused to recognise Crimea as part of Russia.", ("Crimea is part of Russia.", ["Kiev"])),
    ("The opposition refuses to recognise the election results as legitimate.",
     ("The election results are legitimate.", ["The opposition"])),
    # (a refused part in a deed is still the refuser's, as with "denied")
    ("The two governments refuse to acknowledge their responsibility for the failure.",
     ("The two governments were responsible for the failure.", ["The two governments"])),
    # (without "as" the thing refused stays as it is)
    ("Kiev refused to recognise the referendum.", ("The referendum.", ["Kiev"])),
])
def test_refusing_to_accept_x_as_y_disputes_that_x_is_y(nlp, text, expected):
    ((claim, claimants, deniers),) = claims_of(nlp, text)
    assert (claim, deniers) == expected and claimants == []


def test_a_clause_word_the_parser_hung_on_a_name_is_no_part_of_the_speaker(nlp):
    text = ("The row began when Foreign Minister Ana Ruiz, who had been in office a week, refused to accept the "
            "border as final.")
    assert claims_of(nlp, text) == [("The border is final.", [], ["Foreign Minister Ana Ruiz"])]


@pytest.mark.parametrize("text, expected", [
    # "Holocaust denial" is denying the Holocaust: the possessor without "'s" is no denier
    ("Officials said the books were removed in Austria, where Holocaust denial is a crime.",
     [("The books were removed in Austria, where Holocaust denial is a crime.", ["Officials"], [])]),
    # "websites denying the famine" modifies "websites": they dispute no "were still online"
    ("An inquiry found that dozens of websites denying the famine were still online.",
     [("Dozens of websites denying the famine were still online.", [], [])]),
])
def test_what_only_looks_like_a_denier(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_a_denied_clause_the_parser_split_at_its_subject_is_whole_again(nlp):
    # "deny jobs will be lost" parsed as denying "jobs", "will be lost" left without a subject
    text = "The three rail companies want a negotiated solution and deny jobs will be lost."
    assert ("Jobs will be lost.", [], ["The three rail companies"]) in claims_of(nlp, text)


def test_what_it_is_false_to_claim_is_the_claim_disputed(nlp):
    # (not a back-reference to whatever claim comes near: the infinitive says what is false to say)
    text = "The company maintained it was wrong to suggest that the hotel had been unsafe."
    assert claims_of(nlp, text) == [("The hotel had been unsafe.", [], ["The company"])]


def test_a_denied_deed_is_the_deed_of_who_denied_doing_it(nlp):
    # (one who repeats the denial did not do the deed: not "Mr Holt and his deputy Ann Reid met ...")
    text = "Mr Holt denied meeting the lobbyists, and his deputy Ann Reid later repeated the denial."
    assert claims_of(nlp, text) == [("Mr Holt met the lobbyists.", [], ["Mr Holt", "his deputy Ann Reid"])]


@pytest.mark.parametrize("text, expected", [
    # "it" of a duration it took, or of what emerged, stands for the clause after it, not for the speaker
    ("Mr Cao said it took him more than 20 years to make the decision.",
     "It took him more than 20 years to make the decision."),
    ("The minister said it emerged that the army had shelled the village.",
     "It emerged that the army had shelled the village."),
    ("Acme Corp said it cut jobs to save money.", "Acme Corp cut jobs to save money."),
])
def test_an_extraposing_it_is_nobody(nlp, text, expected):
    ((claim, _, _),) = claims_of(nlp, text)
    assert claim == expected


def test_a_description_with_modifiers_is_who_was_described_so(nlp):
    # "the defense attorney" is the one introduced as "defense attorney ...", not another attorney in apposition
    text = ("Russia has filed a brief, defense attorney Alexei Tarasov told reporters. He said the brief had been "
            "signed by Michael Sullivan, former attorney for the District of Massachusetts. The defense attorney "
            "added that the court accepted very few cases.")
    claims = claims_of(nlp, text)
    assert ("The court accepted very few cases.", ["defense attorney Alexei Tarasov"], []) in claims


def test_pleading_guilty_disputes_nothing_whatever_is_negated_later(nlp):
    # ("not" must be on "guilty": "cannot" in the next clause does not make the plea a denial)
    text = ("Prosecutors said Abrams withheld information from Congress. He pleaded guilty to two counts of "
            "withholding information, and his name cannot now appear in print without a footnote.")
    assert claims_of(nlp, text) == [("Abrams withheld information from Congress.", ["Prosecutors"], [])]


def test_a_deed_called_wrong_is_no_claim_called_false(nlp):
    # "wrong to hold a referendum" judges a deed; it disputes nothing said before
    text = ("Mr Corbyn said his MPs would not block the request. He said Labour believes it would be wrong to hold "
            "another referendum so soon.")
    assert claims_of(nlp, text) == [("His MPs would not block the request.", ["Mr Corbyn"], []),
                                    ("It would be wrong to hold another referendum so soon.", ["Labour"], [])]


def test_rejecting_what_a_relative_pronoun_stands_for_is_rejecting_that_noun(nlp):
    # "the bill that colleagues rejected" is a vote on the bill; "that" is the bill, no claim said before
    text = ("Ryan said the party had growing pains. The bill that too many of his colleagues ultimately rejected "
            "was based on Ryan's agenda.")
    assert claims_of(nlp, text) == [("The party had growing pains.", ["Ryan"], [])]


def test_am_agrees_with_no_subject_but_i(nlp):
    # "[I] am hopeful that P" coordinated after "the response is inadequate": the response holds no view
    text = '"The response is inadequate at the moment but am hopeful that more countries will help," Ann Lee said.'
    claimants = [c for _, names, _ in claims_of(nlp, text) for c in names]
    assert claimants and "The response" not in claimants and all("Ann Lee" in c for c in claimants)


@pytest.mark.parametrize("text, expected", [
    # the claim noun named before, called false: a denial of that claim, not a claim "The allegations were baseless"
    ("The newspaper alleged that the minister took bribes. The ministry said the allegations were baseless.",
     [("The minister took bribes.", ["The newspaper"], ["The ministry"])]),
    # a statement speaks for who issued it
    ("Reports said the army shelled the village. The ministry issued a statement saying the reports were false.",
     [("The army shelled the village.", ["Reports"], ["The ministry"])]),
    # the claim noun spelling out its claim: that claim is disputed
    ("The ministry said the allegations that the army shelled the village were baseless.",
     [("The army shelled the village.", [], ["The ministry"])]),
])
def test_claims_called_false_by_name(nlp, text, expected):
    assert claims_of(nlp, text) == expected


def test_only_somebody_says_what_a_participle_says(nlp):
    # "a high possibility ..., saying P" (the parser hung "saying" on "possibility"): no speaker "a possibility"
    text = ('Thomas added no hard intelligence indicated a "high possibility" Rimi was at the compound on the night '
            'of the raid, saying that Navy SEALs would have captured any leaders.')
    speakers = [n for _, claimants, deniers in claims_of(nlp, text) for n in claimants + deniers]
    assert not any("possibility" in n for n in speakers)


def test_a_share_of_a_population_is_nobody_disputing(nlp):
    text = "The survey said Muslim immigration should stop. In Spain, 41 percent of the population opposed the statement."
    assert all(deniers == [] for _, _, deniers in claims_of(nlp, text))


def test_a_count_of_people_still_disputes(nlp):
    # (a count is not a share: "millions of members" are people)
    text = "Ankara blames the movement for the coup, charges the group's millions of members around the world deny."
    assert any(deniers for _, _, deniers in claims_of(nlp, text))


@pytest.mark.parametrize("text", [
    # a fault found ("wrong with"), inside a clause of the predicate: nothing called false
    'Officials said the ban was legal. "We had a bad decision, that is the only thing that is wrong with the travel '
    'ban," Trump said.',
    # a deed judged absurd, the infinitive hung on the adjective
    'The mayor said the city needs a wall. "It is unnecessary and totally absurd to build a wall," Guerra said.',
])
def test_falsity_is_predicated_of_a_claim_not_found_in_a_clause(nlp, text):
    assert all(deniers == [] for _, _, deniers in claims_of(nlp, text))
