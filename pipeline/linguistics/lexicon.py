"""Word classes the attribution rules use, by lemma: general English vocabulary of reporting and disputing,
not words picked from any article. The parser decides how they are used (verb or noun, active or passive,
negated or not, what their subject and complement are)."""
from __future__ import annotations

# Verbs that report somebody's assertion, finding or prediction ("X said that ...").
REPORTING_VERBS = frozenset({
    "say", "tell", "claim", "allege", "accuse", "report", "state", "announce", "insist", "argue", "warn", "add",
    "believe", "suggest", "confirm", "acknowledge", "admit", "maintain", "testify", "charge", "contend", "assert",
    "predict", "estimate", "reveal", "conclude", "find", "write", "tweet", "declare", "note", "explain", "stress",
    "emphasise", "emphasize", "indicate", "disclose", "complain", "concede", "think", "fear", "hint", "blame",
    "speculate", "forecast", "calculate", "show", "demonstrate", "prove", "agree", "recall", "observe",
    "remark", "comment", "proclaim", "affirm", "certify", "inform", "notify", "assure", "caution", "alert", "boast", "brag", "accept", "recognise",
    "recognize", "expect", "understand", "learn", "discover", "establish", "determine", "rule", "hold", "judge",
    "suspect", "surmise", "guess", "imply", "insinuate", "signal", "post", "publish", "describe",
})
# Reporting verbs whose content is an accusation: the object and its "of/for" complement ("accused Russia of
# shelling", "blamed the storm for the delay").
ACCUSING_VERBS = frozenset({"accuse", "blame", "charge", "suspect", "criticise", "criticize", "condemn"})
# Verbs that dispute whatever they take: "denied that ...", "denied murder", "refuted the figures".
DENYING_VERBS = frozenset({"deny", "refute", "rebut", "debunk", "contradict", "dispute", "disprove", "gainsay"})
# Verbs that dispute only a claim (a clause, a claim noun, or "... as false"): "rejected the allegations" is a
# denial, "rejected the offer" is not.
# ("disavowed the armed rebellion", "repudiated the treaty": distancing oneself from a deed or a pact)
REJECTING_VERBS = frozenset({"reject", "dismiss", "rebuff", "contest", "challenge", "question", "counter", "disavow",
                             "repudiate", "downplay", "discount", "ridicule", "deride", "scorn", "mock", "slam",
                             "decry"})
# Verbs of opposing: they dispute a claim, and also a decision or measure that puts somebody's claim into effect
# ("criticised the ruling", "opposed the bill": the judge's, the sponsors' claims); "rejected the bill" is a vote.
OPPOSING_VERBS = frozenset({"criticise", "criticize", "condemn", "denounce", "oppose", "attack", "slam", "decry",
                            "deplore", "lambast", "blast", "assail"})
# What an opposing verb disputes besides claim nouns: decisions and measures, which somebody argued for.
DECISION_NOUNS = frozenset({"ruling", "decision", "judgment", "judgement", "verdict", "measure", "bill", "law",
                            "legislation", "plan", "proposal", "policy", "move", "order", "ban", "reform",
                            "amendment", "deal"})
# Verbs that describe something as something ("called the reports groundless", "described it as nonsense").
DESCRIBING_VERBS = frozenset({"call", "describe", "brand", "label", "term", "dismiss", "reject", "characterise",
                              "characterize", "denounce", "condemn", "slam", "decry", "deride"})
# "refused to accept/recognise ...": a refusal to grant a claim.
REFUSED_VERBS = frozenset({"accept", "recognise", "recognize", "acknowledge", "believe", "admit", "concede"})
# Reporting verbs that, with a negated complement, deny ("insisted it had broken no rules").
# (verbs whose sense is holding a position against somebody else's, not merely stating one)
INSISTING_VERBS = frozenset({"insist", "maintain", "protest", "counter", "retort"})
# Nouns that name a claim: what can be denied, and what a back-reference refers to ("denied the report").
CLAIM_NOUNS = frozenset({
    "claim", "allegation", "accusation", "report", "suggestion", "charge", "assertion", "rumour", "rumor",
    "speculation", "story", "statement", "assessment", "finding", "conclusion", "idea", "notion", "theory",
    "view", "testimony", "criticism", "contention", "account", "version", "case", "argument", "insinuation",
    "news", "article", "complaint", "prediction", "forecast", "estimate", "analysis", "interpretation",
    "characterisation", "characterization", "description", "portrayal", "premise", "belief", "assumption",
    "impression", "perception", "reporting", "coverage", "remark", "comment", "implication",
    "inference", "suspicion", "evidence", "figure", "data", "number", "study", "survey", "research", "result",
    "information", "intelligence", "leak", "gossip", "threat", "warning", "assurance", "hypothesis", "thesis", "narrative", "message",
})
# What one calls a claim one disputes ("called the allegations hearsay", "the reports are baseless").
FALSITY_WORDS = frozenset({
    "false", "baseless", "groundless", "unfounded", "untrue", "nonsense", "absurd", "hearsay", "lie", "lies",
    "fabricate", "fabricated", "fabrication", "ridiculous", "rubbish", "misleading", "incorrect", "inaccurate",
    "wrong", "fake", "bogus", "fiction", "fictitious", "fantasy", "gossip", "slander", "slanderous", "smear",
    "propaganda", "unsubstantiated", "erroneous", "preposterous", "laughable", "libellous", "libelous",
    "defamatory", "speculative", "speculation", "distortion", "distorted", "exaggerated", "exaggeration",
    "herring", "myth", "nonsensical", "untruth", "falsehood", "disinformation", "misinformation", "invention",
    "invented", "ludicrous", "spurious", "unjustified", "garbage", "tripe", "hogwash", "drivel", "lying",
    "mistaken", "flawed", "misguided", "farcical", "insinuation", "conjecture",
    "unproven", "untenable", "far-fetched", "hoax", "concoction", "concocted", "twisted",
    "rumour", "rumor", "innuendo",
})
# What a claim would need to be true: "there is no evidence/proof/truth that P" disputes P.
SUPPORT_NOUNS = frozenset({"evidence", "proof", "truth", "basis", "indication", "sign", "foundation", "substance",
                           "grounds", "ground"})
# What one asks for and is granted or refused: "the judge denied the motion", "denied them entry" refuse it.
REQUEST_NOUNS = frozenset({"request", "motion", "application", "appeal", "petition", "bid", "stay", "bail",
                           "permission", "access", "entry", "visa", "asylum", "approval", "licence", "license",
                           "parole", "waiver", "extension", "injunction", "demand", "plea"})
# Nouns whose "not guilty" plea or protest is a denial ("pleaded not guilty", "protested his innocence").
INNOCENCE_WORDS = frozenset({"innocence", "innocent"})
# What one denies of oneself: a part in a deed ("denied any role in the shootings", "denies wrongdoing").
INVOLVEMENT_NOUNS = frozenset({"role", "involvement", "part", "participation", "complicity", "responsibility",
                               "wrongdoing", "link", "hand"})
# Claim nouns that state an assertion by somebody, which a clause can spell out ("reports that P").
ASSERTION_NOUNS = frozenset({"claim", "allegation", "accusation", "charge", "report", "rumour", "rumor",
                             "suggestion", "assertion", "speculation", "contention", "insinuation"})
# Nouns of disputing ("issued a denial", "his rejection of the claims").
DENIAL_NOUNS = frozenset({"denial", "rebuttal", "refutation", "rejection", "repudiation", "dismissal"})
# What a claim is said not to be when it is disputed ("that is not true", "this is not the case").
TRUTH_WORDS = frozenset({"true", "correct", "accurate", "case", "right", "fact", "truth", "factual", "so"})
# Adjectives of holding a view: "X is concerned / confident / convinced that P" asserts P as X's view.
STANCE_ADJECTIVES = frozenset({"concerned", "worried", "confident", "convinced", "sure", "certain", "adamant",
                               "afraid", "fearful", "hopeful", "optimistic", "pessimistic", "sceptical", "skeptical",
                               "clear", "positive", "satisfied", "insistent", "alarmed", "aware"})
# Reporting verbs whose subject may be evidence rather than a speaker ("the figures show", "a study found").
EVIDENTIAL_VERBS = frozenset({"show", "indicate", "suggest", "prove", "demonstrate", "reveal", "find", "confirm",
                              "imply", "signal"})
# Who argues for something by definition: the camp critics and opponents answer.
SUPPORTER_NOUNS = frozenset({"supporter", "proponent", "backer", "advocate", "defender", "champion", "sponsor",
                             "architect", "author"})
# Bodies before which claims are made: "a court heard that P", "the inquiry was told P".
HEARING_BODIES = frozenset({"court", "jury", "juror", "tribunal", "inquiry", "inquest", "hearing", "trial",
                            "committee", "panel", "commission"})
# Who disputes by definition: what such a speaker says is a counter-claim ("critics say ...").
OPPONENT_NOUNS = frozenset({"critic", "opponent", "detractor", "sceptic", "skeptic", "naysayer", "dissenter",
                            "objector", "foe"})
