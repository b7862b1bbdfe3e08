"""Argument schemes: the fixed list a curator names the inference of a link by.

Walton's schemes (Walton, Reed and Macagno, *Argumentation Schemes*, 2008) as the AIF scheme
ontology names them (`aif`: the name an AIF RA or CA node carries, which arguebuf reads back),
each with its critical questions: the questions a reader asks to test that kind of inference.
A node's scheme names the inference from the node to its parent (for an undercut, the
inference of the attack itself). The list is closed so maps stay comparable; pure data, no
models, so the formats modules can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scheme:
    key: str
    name: str
    aif: str
    questions: tuple[str, ...]


SCHEMES: dict[str, Scheme] = {
    scheme.key: scheme
    for scheme in (
        Scheme(
            "analogy",
            "argument from analogy",
            "Analogy",
            (
                "Is what holds in the compared case really true there?",
                "Are the two cases alike in the respects that matter here?",
                "Do they differ in a way that undoes the comparison?",
                "Is there another case, just as alike, where the conclusion fails?",
            ),
        ),
        Scheme(
            "expert-opinion",
            "argument from expert opinion",
            "Expert Opinion",
            (
                "How credible is the source as an expert?",
                "Is the source an expert in the field the claim belongs to?",
                "What exactly did the source say, and does it imply the claim?",
                "Is the source personally reliable (free of bias or interest)?",
                "Do other experts agree?",
                "Does the source's view rest on evidence?",
            ),
        ),
        Scheme(
            "witness-testimony",
            "argument from witness testimony",
            "Witness Testimony",
            (
                "Was the witness in a position to know?",
                "Is the testimony consistent in itself and with what else is known?",
                "Has the witness any reason to be biased?",
                "How plausible is what the witness reports?",
            ),
        ),
        Scheme(
            "position-to-know",
            "argument from position to know",
            "Position To Know",
            (
                "Is the source in a position to know whether the claim is true?",
                "Is the source honest and reliable?",
                "Did the source in fact assert the claim?",
            ),
        ),
        Scheme(
            "popular-opinion",
            "argument from popular opinion",
            "Popular Opinion",
            (
                "What shows that the view is widely held?",
                "Even if widely held, is there good reason to doubt it?",
            ),
        ),
        Scheme(
            "example",
            "argument from example",
            "Example",
            (
                "Is the example true as stated?",
                "Does the example support the general claim it is given for?",
                "Is it typical of the cases the claim covers?",
                "Were there special circumstances that make it untypical?",
            ),
        ),
        Scheme(
            "sign",
            "argument from sign",
            "Sign",
            (
                "How strongly is the sign tied to what it is taken to show?",
                "Could something else better account for the sign?",
            ),
        ),
        Scheme(
            "cause-to-effect",
            "argument from cause to effect",
            "Cause To Effect",
            (
                "How strong is the causal link claimed?",
                "Is the evidence strong enough to warrant it?",
                "Could other causes interfere and stop the effect?",
            ),
        ),
        Scheme(
            "correlation-to-cause",
            "argument from correlation to cause",
            "Correlation To Cause",
            (
                "Is there really a correlation, over enough cases?",
                "Could the cause run the other way?",
                "Could a third factor explain both?",
            ),
        ),
        Scheme(
            "evidence-to-hypothesis",
            "argument from evidence to a hypothesis",
            "Evidence To Hypothesis",
            (
                "If the hypothesis were true, would the evidence follow?",
                "Has the evidence been observed as stated?",
                "Could the evidence be explained without the hypothesis?",
            ),
        ),
        Scheme(
            "practical-reasoning",
            "practical reasoning",
            "Practical Reasoning",
            (
                "Which other goals conflict with this one?",
                "Which other actions would reach the goal, and is this one the best?",
                "Is the action possible?",
                "What side effects would it have?",
            ),
        ),
        Scheme(
            "positive-consequences",
            "argument from positive consequences",
            "Positive Consequences",
            (
                "How likely are the good consequences?",
                "What evidence supports that they will follow?",
                "Are there bad consequences to weigh against them?",
            ),
        ),
        Scheme(
            "negative-consequences",
            "argument from negative consequences",
            "Negative Consequences",
            (
                "How likely are the bad consequences?",
                "What evidence supports that they will follow?",
                "Are there good consequences to weigh against them?",
            ),
        ),
        Scheme(
            "precedent",
            "argument from precedent",
            "Precedent",
            (
                "Is the earlier case really like this one?",
                "Did the earlier case turn out as claimed?",
                "Is there a difference that makes the precedent not apply?",
            ),
        ),
        Scheme(
            "ad-hominem",
            "ad hominem (argument against the person)",
            "Generic Ad Hominem",
            (
                "Is the charge against the person well supported?",
                "Does the person's character bear on the claim at issue?",
                "Does the charge show the claim false, or only that it deserves less weight?",
            ),
        ),
        Scheme(
            "tu-quoque",
            "tu quoque (circumstantial ad hominem)",
            "Circumstantial Ad Hominem",
            (
                "Is there really an inconsistency between what the accused say and do?",
                "Does it survive once the circumstances are taken into account?",
                "Does it bear on the claim's truth, or only on the accused's standing to make it?",
            ),
        ),
        Scheme(
            "inconsistent-commitment",
            "argument from inconsistent commitment",
            "Inconsistent Commitment",
            (
                "Is the party really committed to both propositions?",
                "Are the two commitments really inconsistent?",
                "Can the inconsistency be explained away?",
            ),
        ),
        Scheme(
            "bias",
            "argument from bias",
            "Bias",
            (
                "What shows that the source is biased?",
                "Does the bias bear on this claim?",
                "Is the argument weak because of the bias, or would it fail anyway?",
            ),
        ),
        Scheme(
            "verbal-classification",
            "argument from verbal classification",
            "Verbal Classification",
            (
                "Does the case really have the property claimed?",
                "Is the classification based on a clear, accepted definition?",
            ),
        ),
    )
}

CHOICES = [(scheme.key, scheme.name) for scheme in SCHEMES.values()]
BY_AIF = {scheme.aif: scheme for scheme in SCHEMES.values()}
