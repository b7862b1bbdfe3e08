#!/usr/bin/env python3
# ruff: noqa: E501  (the map below quotes the sources verbatim; a quote is easier to check whole)
"""Build fixtures/draft-map.argmap2.json: the DeepSeek-R1 debate re-mapped to docs/mapping-guide.md.

Standalone, standard library only. The map is written below as data: each node with the
exact words it quotes. Offsets are never typed by hand: every quote is found with str.find in
the stored text (fixtures/sources.json), and must occur exactly once in the part of the text it
is looked for in (a reader comment's Section, the article body, or the whole document).

    python3 scripts/remap_build.py            # writes the draft
    python3 scripts/remap_check.py            # validates it
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "fixtures" / "sources.json"
OUT = ROOT / "fixtures" / "draft-map.argmap2.json"
CONTEXT = 32

# Short names for the five sources.
B = "not-sputnik-blog"  # 000
E = "china-showed-it-essay"  # 001
R = "reason-sputnik-moment-article"  # 002 (article body = Section 0, reader comments 1..44)
N = "deepseek-personal-notes"  # 003
A = "deepseek-analyst-summary"  # 004

# fmt: off
# What each text says about itself (see docs/mapping-guide.md, "Sources").
METADATA = {
    B: {  # YAML front matter: title, date, tags
        "title": "DeepSeek-R1 is not Sputnik",
        "title_by": "text",
        "author": None,
        "publisher": None,
        "date": "2025-01-30",
        "tags": ["starred", "ai"],
        "disclosure": None,
    },
    E: {  # first line is the title; the site signature "astro" is the only name given
        "title": "DeepSeek R1 and the moment China showed it",
        "title_by": "text",
        "author": "astro",
        "publisher": "astro",
        "date": None,
        "tags": [],
        "disclosure": None,
    },
    R: {  # headline; the editor's note names reason.com; reader comments name the writer "Bailey"
        "title": "Is This New Chinese AI a 'Sputnik Moment'?",
        "title_by": "text",
        "author": "Bailey (as the reader comments name the writer)",
        "publisher": "reason.com",
        "date": None,
        "tags": [],
        "disclosure": "I have small holdings in both Microsoft and Nvidia.",
    },
    N: {  # first line "Deepseek" is the title
        "title": "Deepseek",
        "title_by": "text",
        "author": None,
        "publisher": None,
        "date": None,
        "tags": [],
        "disclosure": None,
    },
    A: {  # the text has no title: this one is the curators'
        "title": "Analyst summary of DeepSeek r1 and its implications",
        "title_by": "curators",
        "author": None,
        "publisher": None,
        "date": None,
        "tags": [],
        "disclosure": None,
    },
}

BODY = 0  # Section position of the article body in source R


def q(source, exact, voice="asserts", speaker=None, c=None):
    """One anchor: `c` is the reader comment's number when the quote is in a comment of R."""
    return {"source": source, "exact": exact, "voice": voice, "speaker": speaker, "c": c}


NODES: list[dict] = []


def node(id, parent, relation, kind, text, *anchors, heading=False, label=""):
    NODES.append(
        {
            "id": id,
            "kind": kind,
            "heading": heading,
            "label": label,
            "text": text,
            "parent": parent,
            "relation": relation,
            "anchors": list(anchors),
        }
    )


def H(id, parent, relation, label, text):
    node(id, parent, relation, "claim", text, heading=True, label=label)


SUP, OPP, UND = "supports", "opposes", "undercuts"
CL, EV = "claim", "evidence"
REP, CON = "reports", "concedes"

# ---------------------------------------------------------------------------------------------
node("thesis", None, None, "thesis", "DeepSeek-R1 is a 'Sputnik moment' for American AI")

# 1. The analogy itself ------------------------------------------------------------------------
H("analogy-fits", "thesis", SUP, "The Sputnik analogy",
  "Like Sputnik, R1 is a rival's surprise achievement that challenges American AI dominance")
node("andreessen-sputnik-moment", "analogy-fits", SUP, EV,
     "Investor Marc Andreessen declared R1's release \"AI's Sputnik moment\", an analogy implying a threat to "
     "American AI dominance comparable to the challenge of the first Soviet orbital satellite in 1957",
     q(R, 'Silicon Valley investor Marc Andreessen to declare that we have reached "AI\'s sputnik moment."',
       REP, "Marc Andreessen (as quoted)", BODY),
     q(R, "The analogy implies that the product threatens American AI dominance in a way comparable to "
          "the space-race challenge posed by the Soviet Union's first orbital satellite in 1957.", c=BODY))
node("r1-caused-shock", "analogy-fits", SUP, EV,
     "On R1's release the essayist's group chat was on fire: every AI researcher the essayist knows was sending "
     "the same link",
     q(E, "I woke up to a group chat on fire."),
     q(E, "Every AI researcher I know was sending the same link."))
node("nothing-to-lose-competitor", "analogy-fits", SUP, CL,
     "Never compete with someone who has nothing to lose (a maxim the commenter quotes from Baltasar Gracian)",
     q(R, "In the words of Baltasar Gracian - Never compete with someone who has nothing to lose.", c=25))
node("buran-moment", "analogy-fits", OPP, CL,
     "R1 is not a \"Sputnik moment\" but \"a Buran moment\", recalling the Soviet effort to copy the American space shuttle",
     q(R, 'the former OpenAI staffer Andrew Mayne rejected the "Sputnik moment" comparison. Instead he called this '
          '"a Buran moment," invoking the Soviet effort to copy the American space shuttle.',
       REP, "Andrew Mayne (as quoted)", BODY))
node("too-early-sputnik-or-buran", "analogy-fits", OPP, CL,
     "Whether R1 is a Sputnik or a Buran will be known well before the end of this decade",
     q(R, "Sputnik or Buran? We'll know well before the end of this decade.", c=BODY))
node("hayek-moment", "analogy-fits", OPP, CL,
     "R1 is rather a \"Hayek moment\": a break with Big Tech's model of AI",
     q(R, "It's actually a Hayek moment. Until now, Big Tech's model for AI has been:", c=41))
node("big-tech-black-box-rent", "hayek-moment", SUP, CL,
     "Big Tech's AI takes everything people have put online and, spending tens of billions, lets them reach it "
     "only as it chooses, inside a black box, taking whatever they do with it too",
     q(R, "OK. Yeah we've stolen everything that you all put on the Internet.", c=41),
     q(R, "tens of billions of dollars so that you can access it via all the ways we choose to let you access it", c=41),
     q(R, "from inside a black box that works by magic. And everything that you access from that is also going to be stolen by us.", c=41))
node("big-tech-agi-serfdom", "hayek-moment", SUP, CL,
     "Big Tech's path leads to AGI, job losses by the billions and serfdom for all but a few",
     q(R, "Obviously that leads to the tech dream of AGI and Skynet and lost jobs by the billions and serfdom for everyone but the few", c=41))
node("deepseek-cheap-common-knowledge", "hayek-moment", SUP, CL,
     "DeepSeek's model is, or can be, a cheap way into the same common knowledge: yesterday's knowledge is worth "
     "leftovers, not a rental stream forever",
     q(R, "The DeepSeek model is (or can be):", c=41),
     q(R, "But we spent a lot less money and just proved the aphorism - yesterday's breakfast isn't worth a rental "
          "stream on all the food you will ever eat in the future. It's worth leftovers.", c=41),
     q(R, "So, here's a way you can tap into all that cheaply.", c=41))
node("incentives-dispersed-knowledge", "hayek-moment", SUP, CL,
     "Cheap common models change the incentive to create and use knowledge: valuable personal knowledge can "
     "rest on cheap common knowledge",
     q(R, "It changes the incentive to create and use knowledge - in future.", c=41),
     q(R, "the personal knowledge (which is valuable) can rest on the shoulders of the common knowledge", c=41))
node("dispersed-knowledge-quote", "incentives-dispersed-knowledge", SUP, CL,
     "The knowledge of the circumstances we must use never exists in concentrated form, only as dispersed, "
     "incomplete bits held by separate individuals (a passage the commenter quotes without naming its author)",
     q(R, "the knowledge of the circumstances of which we must make use never exists in concentrated or integrated "
          "form but solely as the dispersed bits of incomplete and frequently contradictory knowledge which all the "
          "separate individuals possess.", c=41))

# 2. The blog's own thesis (000) with its stated reasons ----------------------------------------
node("not-sputnik-gpu-gap", "thesis", OPP, CL,
     "R1 is not a Sputnik: its lead differs from Sputnik's chiefly through the gap in access to powerful GPUs, "
     "and there should be no perceived technical gap",
     q(B, "DeepSeek-R1's lead is fundamentally different than what Sputnik's was for many reasons, the primary one "
          "being the difference in access to powerful GPUs."),
     q(B, "That's the main difference compared to Sputnik—there shouldn't be any perceived technical gap"))
node("incentives-to-build-on-limited-hw", "not-sputnik-gpu-gap", SUP, CL,
     "DeepSeek did not design R1 to train on H800s just to see if it could: it had monetary and political "
     "incentives to build a powerful model on such limited hardware",
     q(B, "DeepSeek did not design R1 to be trained on H800s just to see if it was possible—there were monetary and "
          "political incentives for them to create a powerful model on such limited hardware."))
node("efficiency-unneeded-by-us", "not-sputnik-gpu-gap", SUP, CL,
     "DeepSeek's innovation is unnecessary in the eyes of American AI companies",
     q(B, "because DeepSeek's innovation is unnecessary in the eyes of American AI companies"))
node("us-focus-on-inference", "efficiency-unneeded-by-us", SUP, CL,
     "American AI companies have felt no need to optimize training, because they focus on a different goal: "
     "fast, cheap inference",
     q(B, "In contrast, American AI companies have not felt any need to optimize model training, since they are much "
          "more focused on a different goal: fast, cheap inference."))
node("innovation-still-benefits-us", "efficiency-unneeded-by-us", OPP, CL,
     "DeepSeek's innovation will still benefit American AI companies immensely",
     q(B, "(but it will still benefit these companies immensely)", CON, "the author"))
node("us-can-adopt-open-research", "not-sputnik-gpu-gap", SUP, CL,
     "With access to Nvidia's GPUs and DeepSeek's openly published training architecture, American AI companies "
     "can easily build more powerful reasoning models than R1",
     q(B, "Since American AI companies have access to the supplier of powerful GPUs (Nvidia) and now know a more "
          "performant training architecture through DeepSeek's open research, there's nothing stopping them from "
          "easily creating more powerful reasoning models than DeepSeek-R1."))
node("compiler-student-analogy", "not-sputnik-gpu-gap", SUP, CL,
     "DeepSeek is like a student who writes a compiler through hard effort; OpenAI is like an experienced "
     "researcher who gets a similar result with much less effort",
     q(B, "As an analogy, I think of it as a student writing a compiler"),
     q(B, "Therefore, even if DeepSeek is a student who—through a lot of hard effort—created a compiler, OpenAI is an "
          "experienced researcher who creates a similar result with much less effort."))
node("potential-with-better-hardware", "not-sputnik-gpu-gap", OPP, CL,
     "Training impressive models on limited hardware shows DeepSeek's architecture could train an even more "
     "powerful model with more powerful hardware",
     q(B, "it takes hard work for someone of their age, and fortells their ability to do much more complicated work "
          "as a future computer scientist", CON, "the author"),
     q(B, "DeepSeek is training impressive models on limited hardware, showing their architecture's potential for "
          "training an even more powerful model if they had access to more powerful hardware.", CON, "the author"))
node("openai-hardware-easy-parity", "compiler-student-analogy", SUP, CL,
     "OpenAI already trains on powerful hardware, so it can easily train models as good as R1 even with a worse "
     "architecture",
     q(B, "However, OpenAI already has access to the powerful hardware and is training their models using it, "
          "allowing them to easily train models with the same performance as R1, even with a worse model architecture."))
node("parity-no-cause-for-alarm", "not-sputnik-gpu-gap", SUP, CL,
     "DeepSeek's work should be no scare for the American AI market",
     q(B, "their work should not be any sort of scare for the American AI market"))
node("blog-grants-great-work", "parity-no-cause-for-alarm", OPP, CL,
     "DeepSeek has been doing great work",
     q(B, "DeepSeek has been doing great work", CON, "the author"))
node("r1-benchmarks-close-to-o1", "parity-no-cause-for-alarm", SUP, EV,
     "R1 benchmarks extremely closely with o1",
     q(B, "R1 benchmarks extremely closely with o1"))
node("china-depends-on-nvidia", "not-sputnik-gpu-gap", SUP, CL,
     "DeepSeek and other Chinese AI companies still rely heavily on Nvidia, which lets the United States easily "
     "control the technology gap",
     q(B, "DeepSeek and other Chinese AI companies still have a heavy reliance on Nvidia, allowing the United States "
          "to easily control the technological gap between it and China."))
node("no-chinese-made-gpus", "china-depends-on-nvidia", SUP, CL,
     "DeepSeek is not using Chinese-made GPUs; if it were, that should alarm American AI companies",
     q(B, "it's not as if DeepSeek is using Chinese-made GPUs—if they were doing that, it would definitely should be "
          "a scare to American AI companies"))

# 3. Capability --------------------------------------------------------------------------------
H("capability-matches-us", "thesis", SUP, "Capability and benchmarks",
  "DeepSeek-R1 performs close to the best American reasoning models")
node("r1-on-par-with-o1", "capability-matches-us", SUP, EV,
     "R1 approximately matches OpenAI's o1 and performs comparably to the top American releases; its benchmark "
     "results sit next to o1's",
     q(E, "the benchmarks were sitting right next to OpenAI’s o1. Not below. Next to."),
     q(R, "DeepSeek R1 performs comparably to the top releases from American AI labs", c=BODY),
     q(A, "managed to approximately replicate OpenAI's o1 (publicly released September 12)"))
node("gemini-outperforms-r1", "r1-on-par-with-o1", OPP, EV,
     "A Google reasoning model still does better than R1: Gemini Flash-Thinking in the Chatbot Arena, and Google's "
     "latest reasoning model in one author's own use",
     q(R, "although Google's Gemini Flash-Thinking still outperforms it in the Chatbot Arena", CON, "the author", BODY),
     q(N, "I am still getting better results from Google’s latest reasoning model experiment"))
node("r1-near-frontier-before-rivals", "capability-matches-us", SUP, EV,
     "R1 is very close to the absolute frontier of capability and came out earlier than comparable models from "
     "Anthropic, Google DeepMind, Meta GenAI and x.AI",
     q(A, "which is very close to the absolute frontier of model capabilities and earlier than relevant Western "
          "competitors Anthropic, Google DeepMind, Meta GenAI, and x.AI"))
node("o3-is-the-frontier", "capability-matches-us", OPP, EV,
     "OpenAI's o3, announced Dec 20, is the current publicly known frontier of capability",
     q(A, "(The current publicly-known frontier of model capability is OpenAI o3, announced Dec 20)."))
node("hf-leaderboard-open-vs-closed", "capability-matches-us", SUP, EV,
     "On the Hugging Face leaderboard a Chinese open-weight model now sits next to the best American closed-source "
     "model, which would have sounded unrealistic a year ago",
     q(E, "The Hugging Face leaderboard now has a Chinese open-weight model sitting next to the best American "
          "closed-source model."),
     q(E, "A year ago, that sentence would’ve sounded unrealistic."))
node("r1-widely-seen-as-impressive", "capability-matches-us", SUP, CL,
     "R1 is an impressive, good model",
     q(N, "Deepseek R1 (and V3) is impressive."),
     q(R, "the model is impressive, and it will have a ripple impact", REP, "Wedbush analysts (as quoted)", BODY),
     q(R, "Now, that doesn't mean that DeepSeek is not good.", REP, "Mark Malek (as quoted by a reader commenter)", 2))
node("r1-same-bucket-as-other-llms", "capability-matches-us", SUP, CL,
     "In one commenter's test, R1 easily belongs in the same class as the other large language models",
     q(R, "As a simple intro, this easily passes into the same bucket as the other LLM's.", c=15))
node("clinical-prompt-comparison", "r1-same-bucket-as-other-llms", SUP, EV,
     "Given an identical hematology prompt, DeepSeek's and ChatGPT's detailed answers were much alike and in line "
     "with clinical practice",
     q(R, "here's a partial example of an identical prompt that I've also set up through chatGPT", c=15),
     q(R, "The long details of both are quite similar and in line with what is actually online and clinical practice.", c=15))
node("deepseek-summary-more-cohesive", "r1-same-bucket-as-other-llms", SUP, EV,
     "In that test DeepSeek's introduction and summary were, in the commenter's opinion, more cohesive than "
     "ChatGPT's generic ones",
     q(R, "DeepSeek is imo much better at the intro and summary paragraphs. Those two are far more cohesive and in "
          "synch with the details. ChatGPT is just generic.", c=15))
node("ddos-shows-value", "capability-matches-us", SUP, CL,
     "Mass DDoS attacks on DeepSeek show that whoever is behind them sees real value in it",
     q(R, "The entities behind those attacks are clearly confident that there is enough value in the product that "
          "denying its existence is worth spending effort on to undermine", c=9))
node("ddos-blocked-registration", "ddos-shows-value", SUP, EV,
     "Millions of DDoS attacks have kept anyone from registering to try DeepSeek for many hours",
     q(R, "The millions of DDoS attacks that have been preventing anyone from registering to test drive it for many hours now.", c=9),
     q(R, "the millions of DDoS attacks (presumably orchestrated by Silicon Valley) that are preventing anyone from "
          "registering and taking it for a test ride", c=25))
node("ddos-claim-unverified", "ddos-blocked-registration", OPP, CL,
     "The only source for the DDoS claim appears to be DeepSeek itself, and the claim may serve to keep anyone "
     "from verifying its product claims",
     q(R, "As far as I can see the only source for that claim is the company itself, and it's not outside the realm "
          "of possibility the claim of a DDoS is to shield them from anyone actually verifying their product claims.", c=11))
node("great-firewall-ddos-doubt", "ddos-claim-unverified", SUP, CL,
     "It is unclear how a service behind China's \"great firewall\" could be hit by a DDoS from international sources",
     q(R, "How does one DDoS something behind 'the great firewall' one wonders.", c=10),
     q(R, "Nothing you've written here explains how it could be that a DDoS attack is occurring in China from "
          "international sources.", c=13))
node("github-verifiable", "ddos-claim-unverified", OPP, CL,
     "DeepSeek is truly open source: its setup and test results are on GitHub for anyone to check",
     q(R, "open source means that its test results and setup and everything else are available online at github", c=9),
     q(R, "They've put everything on github. It's truly open source.", c=12))
node("replication-cost-6m", "github-verifiable", OPP, CL,
     "Replicating the model to check whether it is all true will take around $6 million",
     q(R, "Granted that will take around $6 million to replicate to see if its all true.", CON, "a reader commenter", 9))
node("github-repo-thin", "github-verifiable", OPP, EV,
     "DeepSeek's GitHub page has 3 authors and 4 contributors, and its first commit was last week",
     q(R, "Their Github page has 3 authors, 4 contributors, and had its first commit last week!", c=19))
node("users-need-working-model", "github-verifiable", UND, CL,
     "Most people want a working model they can register for and test, not specifications for building one",
     q(R, "Obviously the vast vast vast majority of people (basically everyone except Big Tech) want to see a working "
          "model not specs", CON, "a reader commenter", 12),
     q(R, "An ability to register so you can start asking questions and testing prompts.", CON, "a reader commenter", 12))
node("google-registration-workaround", "ddos-claim-unverified", OPP, EV,
     "DeepSeek accepts registration through Google, which bypasses the attacks and lets people try the model",
     q(R, "And in fact they are able to accept registration via Google.", c=12),
     q(R, "which does bypass the DDoS attacks on DeepSeek itself", c=12),
     q(R, "it's a way to play with it unless/until you want to serious deploy it", c=12))
node("outage-normal-demand", "ddos-blocked-registration", OPP, CL,
     "The outage may be ordinary demand overwhelming an unprepared service rather than an attack",
     q(R, "I'm guessing not an attack. They just didn't plan for the desired usage from all the buzz. This is a "
          "distributed denial of service via normal user behavior.", c=18),
     q(R, "that could simply be normal traffic on an unprepared web service", c=13))
node("r1-narrow-task-specific", "capability-matches-us", OPP, CL,
     "R1 is a smaller, task-specific model that does not compete with broad, general-purpose tools such as OpenAI's",
     q(R, "this is a smaller, more focused AI, not thr broad attempt with openAI.", c=2),
     q(R, 'Malek noted that DeepSeek, "DOESN\'T COMPETE WITH OPENAI,"', REP, "Mark Malek (as quoted by a reader commenter)", 2),
     q(R, "OpenAI has vast capabilities in natural language processing, while DeepSeek is created to be task-specific",
       REP, "Mark Malek (as quoted by a reader commenter)", 2))

# 4. Training cost ------------------------------------------------------------------------------
H("training-cost-fraction", "thesis", SUP, "Training cost",
  "DeepSeek trained R1 for a small fraction of what US labs spend")
node("cost-under-10m-vs-100-500m", "training-cost-fraction", SUP, EV,
     "DeepSeek reportedly spent under $10 million to train R1, where a comparable model from a US lab might cost "
     "$100–500 million",
     q(E, "Where a comparable model from a US lab might cost $100-500 million to train"),
     q(E, "DeepSeek reportedly spent under $10 million.", REP, "DeepSeek (self-reported, as the essay reports)"))
node("self-reported-cost-skepticism", "cost-under-10m-vs-100-500m", OPP, CL,
     "Self-reported training costs deserve some skepticism; the figures may not hold",
     q(E, "If those numbers hold (and I have some healthy skepticism about self-reported training costs)", CON, "the author"))
node("cost-5-5m-figure", "training-cost-fraction", SUP, EV,
     "R1 is widely said to have cost $5.5 million to train",
     q(A, "the number everyone is bandying about is that it **cost $5.5M to train**", REP,
       "commentators generally (as the analysis reports)"))
node("cost-excludes-full-costs", "cost-5-5m-figure", UND, CL,
     "The $5.5 million is only an estimate for one base-model training run on rented GPUs; DeepSeek's actual cost "
     "is significantly higher (repeated runs, salaries, cluster set-up, the reinforcement-learning step)",
     q(A, "this is purely an estimate of the cost of doing a single *base* model training run by renting the GPUs on "
          "the open market"),
     q(A, "the actual cost to DeepSeek is significantly higher (multiple training run attempts, salaries, fixed costs "
          "of setting up a cluster, the actual reinforcement learning training step to produce r1)"))
node("still-order-of-magnitude-cheaper", "training-cost-fraction", SUP, CL,
     "Even so, DeepSeek's total cost is at least an order of magnitude lower than a comparable Western lab's",
     q(A, "Still, the total cost is at least an order of magnitude lower than a comparable Western lab."))
node("cheapness-chief-threat", "training-cost-fraction", SUP, CL,
     "DeepSeek claims to be much cheaper than many of its American competitors, and that is its chief immediate "
     "threat to US models",
     q(R, "But DeepSeek's chief immediate threat to U.S. models is that it claims to be much cheaper than many of its "
          "American competitors.", c=BODY))
node("leadership-not-biggest-check", "training-cost-fraction", SUP, CL,
     "R1 weakens the assumption that AI leadership goes to whoever spends the most money",
     q(E, "They challenge the assumption that you need the most money."),
     q(E, "the assumption that AI leadership belongs to whoever writes the biggest check is weaker today than it was yesterday"))
node("fewer-staff-funding-time", "training-cost-fraction", SUP, EV,
     "DeepSeek did something impressive with far fewer employees, less funding and less time than OpenAI",
     q(R, '"DeepSeek did something really impressive with far fewer employees and funding than openAI did, and in '
          'less time," said Mark Malek, CIO at Siebert.', REP, "Mark Malek (as quoted by a reader commenter)", 2))
node("narrow-model-needs-less", "fewer-staff-funding-time", UND, CL,
     "DeepSeek is not the same thing as OpenAI's models, so it would logically take fewer resources",
     q(R, "What is important to understand is that it is not the same thing as OpenAI, so it would logically take "
          "fewer resources.", REP, "Mark Malek (as quoted by a reader commenter)", 2))
node("overloaded-service-shows-cheap", "training-cost-fraction", SUP, CL,
     "That the attacks succeeded suggests DeepSeek focused on one thing and not another, which is evidence that it is "
     "cheap",
     q(R, "Those attacks succeeding kind of prove that they were focused on one thing - and not the other thing - "
          "which is evidence of cheap.", c=9))

# 5. Hardware and export controls ---------------------------------------------------------------
H("export-controls-undermined", "thesis", SUP, "Hardware and export controls",
  "R1 weakens the case that US chip export controls can contain Chinese AI")
node("trained-on-older-allowed-chips", "export-controls-undermined", SUP, EV,
     "R1 was trained on older, less capable Nvidia chips, of a kind US export controls still allowed China to buy",
     q(E, "DeepSeek trained R1 on older NVIDIA GPUs. Not H100s. Not the latest silicon."),
     q(E, "The kind of chips that the US export controls were specifically designed to allow China to still access, "
          "because they were considered “not advanced enough” to train frontier models."),
     q(R, "The U.S. has imposed export controls on the most advanced computer chips, forcing the Chinese developers "
          "to optimize their new model using much less capable chips.", c=BODY),
     q(N, "They didn’t have access to the most powerful Nvidia GPUs"))
node("constraints-forced-ingenuity", "export-controls-undermined", SUP, CL,
     "Export controls forced DeepSeek to be inventive and highly efficient",
     q(E, "Constraints, it turns out, are creative directors."),
     q(E, "DeepSeek’s response was to get creative with less."),
     q(A, "DeepSeek was forced to be **inventive and highly efficient** because of significant chip export controls"))
node("efficiency-techniques", "constraints-forced-ingenuity", SUP, EV,
     "DeepSeek used a mixture-of-experts architecture, better data curation, more efficient training recipes and "
     "clever engineering throughout the stack instead of brute force",
     q(E, "Mixture-of-experts architecture. Better data curation. More efficient training recipes. Clever engineering "
          "at every layer of the stack."),
     q(E, "They didn’t brute-force their way to a frontier model. They finessed their way there."))
node("low-level-compute-squeeze", "constraints-forced-ingenuity", SUP, EV,
     "DeepSeek worked around its compute limits, extracting more compute than expected from the chips it was allowed to buy",
     q(N, "they did some impressive low level coding work to work around their compute limitations"),
     q(A, "they were able to extract more compute than expected from the China-specific chips that NVIDIA were allowed "
          "to sell them"))
node("sanctions-unintended-consequences", "constraints-forced-ingenuity", SUP, CL,
     "If the reports are true, they show that sanctions have unintended consequences, in particular strong incentives "
     "to work around them",
     q(R, "1. If true, it illustrates that sanctions have unintended consequences, in particular strong incentives to "
          "work around them.", c=20),
     q(R, "In the words of Jurassic Park - Life finds a way", c=25))
node("embargo-holes", "export-controls-undermined", SUP, CL,
     "R1 will likely reveal holes in the chip embargo",
     q(R, "This will likely reveal the holes in the chip embargo", c=44))
node("built-on-banned-chips", "embargo-holes", SUP, CL,
     "R1 was very likely built on the same Nvidia chips OpenAI uses, which China is not supposed to have, and a review "
     "will show China obtained them through some back door",
     q(R, "it's very likely this model was built on the same Nvidia chips OpenAI uses and China isn't supposed to have.", c=44),
     q(R, "It will be reviewed that China obtained the chips in some backdoor manner.", c=44))
node("export-controls-took-hit", "export-controls-undermined", SUP, CL,
     "The assumption that export controls can contain AI capability has taken a serious hit",
     q(E, "And the assumption that export controls can contain AI capability just took a serious hit."))
node("export-strategy-premise", "export-controls-took-hit", SUP, CL,
     "The US chip export strategy rested on the premise that limiting access to the best GPUs limits the ability to "
     "train the best models",
     q(E, "The US chip export strategy was built on a simple thesis: if you limit access to the best GPUs, you limit "
          "the ability to train the best AI models."),
     q(E, "the frame was simple: whoever has the most GPUs wins"))
node("wall-made-less-relevant", "export-controls-took-hit", SUP, CL,
     "Rather than climb the chip wall, DeepSeek made it less relevant by showing that what lies beyond it is not "
     "needed, at least at the current frontier",
     q(E, "DeepSeek didn’t try to climb the wall. They made the wall less relevant by showing you don’t need what’s on "
          "the other side, at least not at the current frontier."),
     q(E, "That’s a problem if your entire strategy depends on the wall working."))
node("compute-capability-not-linear", "export-controls-took-hit", SUP, CL,
     "R1 is evidence that capability is not as linearly tied to compute as assumed",
     q(E, "But DeepSeek R1 is evidence that the relationship between compute and capability isn’t as linear as we assumed."),
     q(E, "It released a question: what if the compute advantage doesn’t matter as much as we thought?"))
node("more-compute-still-helps", "compute-capability-not-linear", OPP, CL,
     "More compute does still help: Nvidia's H100 and B200 are genuinely superior hardware",
     q(E, "That frame isn’t wrong, exactly. More compute does help. NVIDIA’s H100 and B200 are genuinely superior "
          "hardware.", CON, "the author"))
node("scaling-question-open", "compute-capability-not-linear", OPP, CL,
     "No one knows whether DeepSeek's efficiency gap will scale as compute needs grow, or whether raw compute will "
     "eventually win",
     q(E, "Does the efficiency gap that DeepSeek demonstrated scale up? Or does raw compute eventually win because the "
          "problems get so large that cleverness alone can’t compensate?", CON, "the author"),
     q(E, "I don’t know. Nobody does.", CON, "the author"))
node("controls-impeded-china", "export-controls-undermined", OPP, CL,
     "Export controls have not failed: they have significantly impeded DeepSeek and other Chinese AI labs",
     q(A, "However, that **does *not* mean chip export controls have failed**: they have *significantly impeded* "
          "progress by DeepSeek and other Chinese AI labs"))
node("ceo-chips-main-bottleneck", "controls-impeded-china", SUP, EV,
     "DeepSeek's CEO named access to advanced chips, rather than more funding, as the primary bottleneck",
     q(A, "the DeepSeek CEO explicitly highlighted access to advanced chips to be the primary bottleneck over e.g. "
          "additional funding", REP, "the DeepSeek CEO (as reported)"))

# 6. US lead ------------------------------------------------------------------------------------
H("us-retains-lead", "thesis", OPP, "US lead",
  "American labs keep the lead over DeepSeek")
node("us-agi-endgame-infrastructure", "us-retains-lead", SUP, CL,
     "US tech is focused on the AGI endgame, with infrastructure and an ecosystem that, in Wedbush analysts' view, "
     "China and especially DeepSeek cannot come close to",
     q(R, "the reality is that [Magnificent] 7 and US tech is focused on the [artificial general intelligence] endgame "
          "with all the infrastructure and ecosystem that China and especially DeepSeek cannot come close to in our view.",
       REP, "Wedbush analysts (as quoted)", BODY))
node("stargate-millions-of-experiments", "us-agi-endgame-infrastructure", SUP, CL,
     "DeepSeek and current chatbots are like running one experiment at a time; the American projects in the works "
     "will be like running millions at once",
     q(R, "He analogized DeepSeek and current chatbots as the equivalent of running one experiment at time; the "
          "American AI projects currently in the works, he argues, will be comparable to running millions simultaneously.",
       REP, "an AI insider (as quoted)", BODY))
node("stargate-first-principles", "us-agi-endgame-infrastructure", SUP, CL,
     "Projects like Stargate aim far beyond chatbots, at new first-principles insights in biology, physics, chemistry "
     "and climatology",
     q(R, "projects like Stargate aim to go far beyond the chatbot level to deriving new insights from first principles "
          "in biology, physics, chemistry, climatology, etc.", REP, "an AI insider (as quoted)", BODY))
node("ai-will-peak-data-limits", "us-agi-endgame-infrastructure", OPP, CL,
     "AI will peak soon anyway, because it is running out of information to train on",
     q(R, "AI is going to peak soon anyway because we're running out of information to feed it.", c=27))

# 7. Copying ------------------------------------------------------------------------------------
H("copied-not-innovated", "thesis", OPP, "Copying and following",
  "DeepSeek followed and copied American work rather than out-innovating American labs")
node("follower-generic-drug", "copied-not-innovated", SUP, CL,
     "DeepSeek has not caught up with OpenAI by beating it at its own game: it is a follower, not a leader",
     q(N, "Deepseek has not caught up to OpenAI by beating them at their own game."),
     q(N, "it does mean they are still followers not leaders in the space"),
     q(R, "Boldly going where others have already gone.", c=1))
node("generic-drug-analogy", "follower-generic-drug", SUP, CL,
     "DeepSeek is like a generic drug company that copied the formula from the firm that did the research and development",
     q(N, "They are like a generic drug company that has copied the formula from the org that did the R&D."))
node("reasoning-models-not-novel", "follower-generic-drug", SUP, CL,
     "Reasoning models are not that interesting: \"think step by step\" was already known to improve performance, "
     "and R1 builds that step into the model",
     q(N, "Reasoning models are not that interesting (we already knew that “think step by step” improved performance, "
          "this is just encoding that step into the model’s automatic response)."))
node("approach-similar-to-o1", "reasoning-models-not-novel", SUP, EV,
     "R1's technical approach, reinforcement learning on chain-of-thought, is very similar to what is publicly known about o1",
     q(A, "The **technical approach** (reinforcement learning on chain-of-thought) is very similar to what is publicly known about o1."))
node("cheap-claim-misleading", "follower-generic-drug", SUP, CL,
     "That DeepSeek trained R1 cheaply is misleading: the cost leaves out training data, test runs and failed runs",
     q(N, "That they did it cheaply is (1) misleading: they don’t mention the cost of training data, test runs, failed runs…"))
node("r1-cost-borne-by-v3", "cheap-claim-misleading", SUP, EV,
     "Much of R1's cost was borne by V3, whose cost is not mentioned",
     q(N, "a lot of the cost of R1 is borne by V3, the cost of which is not mentioned"))
node("trained-on-us-model-outputs", "follower-generic-drug", SUP, CL,
     "R1 is almost certainly downstream of OpenAI's and/or Google's reasoning models, trained on their outputs; the "
     "complaint that this happened likely has some truth",
     q(N, "it’s also almost certainly downstream of OpenAI and/or Google’s reasoning models (i.e., trained on the "
          "outputs from their models)"),
     q(N, "I assume the complaint that it happened likely has some truth"))
node("insider-data-from-other-models", "copied-not-innovated", SUP, CL,
     "Circumstantial evidence suggests that part of the data used to train DeepSeek's models came directly from other "
     "models, beyond contamination from web scraping",
     q(R, "One AI insider has argued to me that the circumstantial evidence around the DeepSeek models suggests that "
          "part of the data to train them came directly from other models in ways that go beyond contamination from "
          "web scraping.", REP, "an AI insider (as quoted)", BODY),
     q(R, "DeepSeek models suggests that part of the data to train them came directly from other models in ways that "
          "go beyond contamination from web scraping.", REP, "an AI insider (as quoted by a reader commenter)", 35))
node("gemini-likelier-source", "trained-on-us-model-outputs", SUP, CL,
     "The notes' author guesses that Gemini's reasoning model is the likelier source, since its \"thinking\" tokens "
     "are not obfuscated",
     q(N, "I would guess actually Gemini’s reasoning model is a more likely target, since their “thinking” tokens are "
          "not obfuscated"))
node("compute-allows-more-experiments", "follower-generic-drug", SUP, CL,
     "Owning a million H100s lets US labs run many more experiments and afford more failed training runs, an edge "
     "that keeps the leaders leading",
     q(N, "having a million H100s means that they can do tons of interesting experiments to try to improve performance, "
          "and they can afford to have a whole lot more failed training runs."),
     q(N, "When you’re trying to beat the best model, you don’t always manage on the first try."),
     q(N, "it’s definitely still an edge (and the leaders are still the leaders)"))
node("experiments-pay-off-rarely", "compute-allows-more-experiments", OPP, CL,
     "Those experiments and extra training runs pay off less often than would be ideal",
     q(N, "Do those experiments and extra training runs pay off? Clearly not as frequently as would be ideal", CON, "the author"))
node("would-innovate-elsewhere-with-compute", "follower-generic-drug", SUP, CL,
     "Had DeepSeek had the compute, it would have innovated somewhere more useful than working around compute limits",
     q(N, "If they had had the compute, they would have innovated somewhere more useful."))
node("sv-throws-money-at-compute", "follower-generic-drug", SUP, CL,
     "Silicon Valley does not innovate on working around compute limits because it can throw money at that problem "
     "and spend its time elsewhere",
     q(N, "the reason Silicon Valley is not innovating there is that you can throw money at that problem and it goes "
          "away so they can spend time elsewhere"))
node("notes-grant-good-model", "follower-generic-drug", OPP, CL,
     "DeepSeek does have a good model",
     q(N, "That doesn’t mean Deepseek doesn’t have a good model (they do!)", CON, "the author"))
node("genuine-innovations", "follower-generic-drug", OPP, CL,
     "DeepSeek made two major public innovations",
     q(N, "They have two major (public) innovations", CON, "the author"))
node("r1-zero-rl-reasoning", "genuine-innovations", SUP, CL,
     "R1-Zero learns to reason from a \"think step by step\" prompt and rewards for correct answers, without large "
     "sets of sample reasoning texts",
     q(N, "The key innovation is that they don’t need tons of sample reasoning texts, they can just say “think step by "
          "step” and reward correct answers and penalize incorrect answers and the model learns to produce useful reasoning."))
node("reasoning-trades-compute-for-accuracy", "r1-zero-rl-reasoning", SUP, EV,
     "A reasoning model produces a lot of chain-of-thought before answering, which tends to raise accuracy at the "
     "cost of compute",
     q(N, "which just produces a lot of “chain of thought” reasoning before giving a final answer, and that tends to "
          "increase accuracy of responses at the cost of compute power"))
node("reasoning-data-expensive", "r1-zero-rl-reasoning", SUP, CL,
     "This matters because gathering training data is expensive and training against it can be brittle",
     q(N, "This matters because gathering training data is expensive and training against it can be brittle."))
node("rl-boosts-capability-cheaply", "r1-zero-rl-reasoning", SUP, CL,
     "Reinforcement learning on chain-of-thought quickly increases a model's capabilities with much less compute",
     q(A, "it quickly increase the model capabilities with much less compute"))
node("needs-strong-pretrained-model", "rl-boosts-capability-cheaply", OPP, CL,
     "The method still needs a good pre-trained model, built from all the existing training data, and that is the "
     "costliest step in compute",
     q(A, "Though it requires a good pre-trained model (the costliest step in terms of compute)", CON, "the author"),
     q(N, "you still need all the existing training data to get the model to a point where it can learn from the "
          "“think step by step” feedback", CON, "the author"))
node("simpler-than-expected-documented", "r1-zero-rl-reasoning", SUP, CL,
     "The method is simpler than expected, and DeepSeek explains the more complex methods it tried",
     q(A, "It's also simpler than expected (they explain what other, more complex methods they tried)"))
node("may-exist-privately-at-us-labs", "r1-zero-rl-reasoning", UND, CL,
     "The same technique possibly or likely already exists in private at Google and OpenAI",
     q(N, "it’s possible/likely the first exists in private at Google and OpenAI"))
node("stolen-copy", "copied-not-innovated", SUP, CL,
     "DeepSeek's model is a cheap, stolen copy of others' work; China has probably stolen the code outright",
     q(R, "it's a cheap, stolen copy of other people's work.", c=32),
     q(R, "China probably has just outright stolen the code", c=36))
node("no-reporting-on-theft-tests", "stolen-copy", OPP, CL,
     "The commenter has not yet seen reporting on what testing set off the alarms about theft",
     q(R, "I've not seen reporting on what testing was done to set off these alarm bells yet", CON, "a reader commenter", 36))
node("ip-theft-hypocrisy", "stolen-copy", UND, CL,
     "Taking others' work is arguably central to the AI business itself, so American AI firms' complaints of IP "
     "theft by DeepSeek are a double standard",
     q(R, "Our theft of IP is ok, China theft is bad.", c=35),
     q(R, "Just laughing at the AI creators now worried about IP theft when arguably that is central to the AI business model.", c=36),
     q(R, "Yeah, it's actually pretty amusing to me that now they might care about IP law.", c=37),
     q(R, "OK. Yeah. We stole what they stole earlier.", c=41))
node("no-sympathy-for-openai", "ip-theft-hypocrisy", SUP, CL,
     "OpenAI's complaint of having its model \"stolen\" or its terms of service violated earns no sympathy",
     q(N, "You can cry me a river for OpenAI having their model “stolen” or Terms of Service violated or whatever"))
node("one-way-openness-analogy", "ip-theft-hypocrisy", SUP, CL,
     "The double standard is like wanting borders open in one direction only",
     q(R, 'Feels and awful lot like the "The borders should be completely open (but only in one direction', c=38))

# 8. Open weights -------------------------------------------------------------------------------
H("open-weights-threaten-business", "thesis", SUP, "Open weights and model serving",
  "R1's free, open release threatens the business of American AI labs")
node("undercuts-model-serving", "open-weights-threaten-business", SUP, CL,
     "Free, cheap to run and highly performant, R1 severely undercuts closed-source model-serving businesses such as "
     "OpenAI and Anthropic",
     q(A, "It's free, cheap to run, and extremely performant; this severely undercuts closed-source **model serving** "
          "businesses (OpenAI, Anthropic; to a lesser extent GDM, x.AI)."))
node("r1-free-open-weights", "undercuts-model-serving", SUP, EV,
     "DeepSeek released R1 free, as a cheap open-weight (open-source) model",
     q(A, "put it out for free as an open-weight model r1"),
     q(R, "DeepSeek has released a cheap, open-source artificial intelligence.", c=BODY))
node("distillation-cuts-inference-cost", "undercuts-model-serving", SUP, CL,
     "Training small models on R1's outputs gives them strong capabilities, further reducing inference cost",
     q(A, "show that training small models on the outputs of r1 gives them strong capabilities (\"model distillation\"), "
          "further reducing inference cost"))
node("distillations-weaker", "distillation-cuts-inference-cost", OPP, CL,
     "The smaller distilled models do not perform like the full R1, and those that run on consumer hardware will not "
     "break any records",
     q(N, "These models don’t have the same performance as the “big daddy” R1."),
     q(N, "the ones that can be hosted on consumer hardware are not going to break any records"))
node("distillations-impressive", "distillations-weaker", OPP, CL,
     "The distilled models are impressive in their own right",
     q(N, "They’re impressive in their own right", CON, "the author"))
node("many-models-called-r1", "distillations-weaker", SUP, EV,
     "Several different models are all being called \"R1\", among them smaller distillations based on Meta and Alibaba models",
     q(N, "there are a bunch of different models that are all getting called “R1”"),
     q(N, "There are also smaller “distillations” based on models from Meta and Alibaba."))
node("full-r1-needs-big-hardware", "undercuts-model-serving", OPP, CL,
     "The full R1 is a behemoth that needs many high-end GPUs to run: training on weaker GPUs does not mean it runs "
     "on a consumer GPU",
     q(N, "The actual R1 is a behemoth that you need a bunch of high-end GPUs to run."),
     q(N, "So the fact that Deepseek managed to train on lower power GPUs doesn’t mean you can run their model on a consumer GPU."))
node("open-source-avoids-big-tech-rent", "open-weights-threaten-business", SUP, CL,
     "As open source, R1 allows all sorts of specialized deployments for a simple fee instead of Big Tech's rentier royalties",
     q(R, "As open source, this opens the world up to all sorts of specialized deployments where I pay a simple fee to "
          "DeepSeek rather than rentier royalties to BigTech", c=15))
node("mit-license-royalty-free", "open-source-avoids-big-tech-rent", SUP, EV,
     "DeepSeek's source code is released under the MIT license, which grants royalty-free use",
     q(R, "DeepSeek source code is released under the MIT license, which explicitly grants royalty-free usage rights.", c=16))
node("big-tech-proprietary-royalties", "open-source-avoids-big-tech-rent", SUP, CL,
     "It is Big Tech that will try to extract rentier royalties from users of its proprietary systems",
     q(R, "It's Big Tech that will be trying to extract rentier royalties from those who use their proprietary systems", c=17))
node("decentralized-agents-revolution", "open-weights-threaten-business", SUP, CL,
     "If DeepSeek can overcome the DDoS attacks that block registration, small, specialized, decentralized AI agents "
     "built on an open-source model, for customers who despise Big Tech, will drive the AI revolution",
     q(R, "If DeepSeek is able to solve today's problem", c=25),
     q(R, "there is an entirely set of new AI customers who really despise Big Tech and its VC rentiers", c=25),
     q(R, "Small specialized decentralized AI agents (human scale) - built on an open source LLM that isn't trying to "
          "steal everything those AI agents do.", c=25))
node("others-will-build-products", "open-weights-threaten-business", SUP, CL,
     "Against closed-source Big Tech, which says hundreds of billions must be spent, others will soon build products on the open R1",
     q(R, "compared to the closed source Big Tech", c=9),
     q(R, "hypes the need to spend hundreds of billions", c=9),
     q(R, "well it won't take long for 'reliable sources' to create product based on it", c=9))
node("democratized-access", "open-weights-threaten-business", SUP, CL,
     "Higher-quality models available more cheaply will democratize access even more",
     q(N, "I like that higher quality models will be available more cheaply. I think that this will democratize access even more."))

# 9. Markets ------------------------------------------------------------------------------------
H("markets-chip-economics", "thesis", SUP, "Markets, Nvidia and Jevons",
  "R1 unsettles the economics of AI compute")
node("stocks-fell", "markets-chip-economics", SUP, EV,
     "The news spooked the markets: shares of Nvidia, Microsoft and Meta fell",
     q(R, "This spooked the markets, and the stocks of U.S. chip makers like Nvidia and AI developers like Microsoft and "
          "Meta fell this morning.", c=BODY),
     q(R, "Oceans of red ink flooding millions of computer screens.", c=20))
node("less-training-compute-than-expected", "markets-chip-economics", SUP, CL,
     "DeepSeek trained R1 with much less compute than anyone expected, which matters for future demand for training "
     "compute and so for Nvidia's stock price",
     q(A, "More importantly for the future **training compute** landscape (i.e. NVIDIA stock price), DeepSeek managed "
          "to train the model with much fewer compute resources than anyone expected."))
node("jevons-paradox", "less-training-compute-than-expected", UND, CL,
     "As in the Jevons paradox, the efficiency gains could increase demand for high-end chips",
     q(R, "We could land in a Jevons paradox situation where such improvements in efficiency actually increase the "
          "demand for high-end computer chips.", c=BODY))
node("knee-jerk-overreaction", "stocks-fell", UND, CL,
     "The reaction on Wall Street and in the media is a knee-jerk overreaction, of a kind the commenter feels has "
     "happened before",
     q(R, "Knees jerking all over Wall Street.", c=20),
     q(R, "I feel like I've been here before.", c=20),
     q(R, "Yet news and media are freaking out.", c=2))
node("hype-fad-mastodon", "knee-jerk-overreaction", SUP, CL,
     "DeepSeek is \"the new Mastodon\"",
     q(R, "It’s the new Mastodon!", c=3))

# 10. Talent ------------------------------------------------------------------------------------
H("chinese-talent-depth", "thesis", SUP, "Chinese AI talent", "R1 shows the depth of China's AI talent")
node("china-educated-staff", "chinese-talent-depth", SUP, EV,
     "DeepSeek's employees are mostly very strong students educated in China, not people with PhDs from abroad",
     q(A, "DeepSeek's employees are primarily (extremely strong) Chinese students educated within China, not those who "
          "did PhDs outside of China, highlighting the **depth of Chinese domestic technical talent**."))
node("small-talented-hedge-fund-lab", "chinese-talent-depth", SUP, EV,
     "DeepSeek is a small but talented lab spun out of a Chinese hedge fund",
     q(A, "DeepSeek, a small but talented lab spun out of a Chinese hedge fund"))

# 11. Credibility -------------------------------------------------------------------------------
H("claims-not-credible", "thesis", OPP, "Credibility of the claims",
  "The claims made by and about DeepSeek cannot be taken at face value")
node("ccp-source-propaganda", "claims-not-credible", SUP, CL,
     "The claim that DeepSeek released a cheap, open-source AI rests on the word of the Chinese Communist Party, which "
     "deserves no credibility",
     q(R, '"DeepSeek has released a cheap, open-source artificial intelligence."', REP,
       "the article's writer (as quoted by a reader commenter)", 5),
     q(R, "Says what reliable source?", c=5),
     q(R, "The CCP.", c=6),
     q(R, "Anyone who assigns any credibility to anything the CCP says", c=7))
node("wuhan-lab-precedent", "ccp-source-propaganda", SUP, CL,
     "Chinese official claims have misled before, as over the Wuhan lab",
     q(R, "How's that Wuhan Lab working out, Bailey? Still believe them?", c=8))
node("may-be-propaganda", "claims-not-credible", SUP, CL,
     "DeepSeek's claims may be communist propaganda through and through",
     q(R, "If complete and total communist propaganda ?", c=21))
node("propaganda-economic-damage", "may-be-propaganda", SUP, CL,
     "Such propaganda could bring an economic meltdown, as lies about the pandemic hit the economy",
     q(R, 'Can you say "economic meltdown"?', c=22),
     q(R, 'As in the lies about a certain "pandemic" that made sure our economy took a hit', c=23))
node("results-may-be-faked", "claims-not-credible", SUP, CL,
     "Instead of stealing the code, China may be faking DeepSeek's results",
     q(R, "or faking results", c=36))
node("reporter-track-record", "claims-not-credible", SUP, CL,
     "Everything the article's writer writes deserves heavy skepticism, given what the commenter calls the writer's "
     "poor record on science during the pandemic",
     q(R, "I would just like to remind everyone that Bailey's 'science' record during the pandemic", c=4),
     q(R, "Take everything Bailey writes with mega-rocks of salt.", c=4))
node("cheating-speculation", "claims-not-credible", SUP, CL,
     "DeepSeek somehow \"cheated\" to reach its results",
     q(A, 'There\'s a lot of **speculation on whether DeepSeek somehow "cheated"**', REP,
       "those speculating (as the analysis reports)"))
node("hidden-banned-chips", "cheating-speculation", SUP, CL,
     "DeepSeek secretly had access to large amounts of banned chips provided by the Chinese government",
     q(A, "by secretly having access to large amounts of banned chips provided to them by the Chinese government as "
          "most publicly suggested by Alexandr Wang", REP, "Alexandr Wang (as reported)"))
node("espionage-speculation", "cheating-speculation", SUP, CL,
     "DeepSeek conducted espionage inside Western labs such as OpenAI to steal their secrets",
     q(A, "(2) by conducting espionage within Western labs like OpenAI to steal the secrets", REP,
       "those speculating (as the analysis reports)"))
node("o1-outputs-speculation", "cheating-speculation", SUP, CL,
     "DeepSeek trained on the outputs of o1, which is against OpenAI's terms of use",
     q(A, "(3) by training on the outputs of o1, which is against the OpenAI terms of use", REP,
       "those speculating (as the analysis reports)"))
node("cheating-claims-are-cope", "cheating-speculation", OPP, CL,
     "DeepSeek is unlikely, so far, to be the front of a CCP psyop; the cheating theories are cope in the face of an "
     "extremely effective company",
     q(A, "it is unlikely they are the front of a CCP psyop *up to now* and this is purely cope when confronted with an "
          "extremely effective company"))
node("speculation-reflects-shock", "cheating-claims-are-cope", SUP, CL,
     "The cheating theories reflect absolute shock that so strong a model could be made with so few resources",
     q(A, "These reflect a sentiment of absolute shock that such a strong model could be made with so few resources."))
node("not-national-champion", "cheating-claims-are-cope", SUP, EV,
     "DeepSeek was not one of China's national AI champions, and the government was unhappy with its parent hedge "
     "fund's quantitative trading",
     q(A, "given DeepSeek was not one of the main national AI champions (e.g. 01, Alibaba, Bytedance, Huawei; in fact, "
          "the Chinese government was not happy with DeepSeek's parent hedge fund pursuing quantitatve trading)"))
node("replicated-by-grad-students", "cheating-claims-are-cope", SUP, EV,
     "R1's results were replicated at small scale by graduate students almost at once",
     q(A, "the r1 results have been replicated immediately on a small scale by grad students"))
node("state-ties-will-change", "cheating-claims-are-cope", OPP, CL,
     "That DeepSeek is not the front of a CCP psyop will almost certainly change going forward",
     q(A, "which means this almost certainly will change going forward", CON, "the author"))
node("ceo-met-officials", "state-ties-will-change", SUP, EV,
     "DeepSeek's CEO was seen this week meeting senior government officials",
     q(A, "the DeepSeek CEO was seen this week meeting with senior government officials", CON, "the author"))

# 12. Response ----------------------------------------------------------------------------------
H("wake-up-call-response", "thesis", SUP, "What the US should do",
  "R1 calls for an American response")
node("sputnik-led-to-moon", "wake-up-call-response", SUP, EV,
     "The first \"Sputnik moment\" resulted in the US putting people on the moon",
     q(R, 'Regardless, does anyone remember the results of the first "Sputnik moment"?', c=39),
     q(R, "Yes, the US went on to put people on the moon.", c=40))
node("establishment-on-notice", "wake-up-call-response", SUP, CL,
     "If even partly true, R1 is a step of creative destruction that puts the establishment on notice that it cannot "
     "rest on its laurels",
     q(R, "2. If even partially true, it's a step forward for creative destruction, the result of which is to advance "
          "civilization writ large. The establishment is on notice that it can't rest on its laurels.", c=20))
node("others-will-adopt-efficiencies", "wake-up-call-response", SUP, CL,
     "DeepSeek's optimizations and compute efficiencies will undoubtedly spur other AI developers to improve their "
     "models the same way",
     q(R, "Nevertheless, DeepSeek's optimizations and compute efficiencies will undoubtedly spur other AI developers "
          "improve their models similarly.", c=BODY))
node("sv-researchers-studying-it", "wake-up-call-response", SUP, CL,
     "If DeepSeek's approach works at this scale, Silicon Valley's best researchers are already studying, adapting "
     "and incorporating it",
     q(E, "If DeepSeek’s approach works at this scale, the smartest researchers in Silicon Valley are already studying "
          "it, already adapting it, already incorporating the ideas that made it possible."))
node("watch-us-labs-choices", "sv-researchers-studying-it", SUP, CL,
     "The response of US labs shows in their hiring patterns and architecture choices, not in their public statements",
     q(E, "I’m watching the response from US labs. Not their public statements. Their hiring patterns. Their architecture choices."))
node("learn-dont-restrict", "wake-up-call-response", SUP, CL,
     "The best response to a competitor's breakthrough is to learn from it, not to restrict it",
     q(E, "The best response to a competitor’s breakthrough isn’t to restrict them. It’s to learn from them."))
node("redefine-controlled-hardware", "wake-up-call-response", SUP, CL,
     "If older GPUs suffice for frontier models, the definition of controlled hardware needs to change",
     q(E, "If older GPUs are sufficient for frontier models, the definition of “controlled hardware” needs to change."))
node("controls-push-china-own-chips", "redefine-controlled-hardware", OPP, CL,
     "Changing it means restricting more chips, which brings more geopolitical friction and more incentive for China "
     "to build its own chip industry",
     q(E, "And changing it means restricting more chips, which means more geopolitical friction, which means more "
          "incentive for China to develop its own chip industry from scratch.", CON, "the author"),
     q(E, "The loop tightens.", CON, "the author"))
node("policymakers-running-out-of-levers", "controls-push-china-own-chips", SUP, CL,
     "There is no clean answer, and the people in charge are running out of levers",
     q(E, "I don’t think there’s a clean answer here."),
     q(E, "the people in charge of making it simpler are running out of levers"))


LINKS = [
    # the same point, made in two branches (merging would break one document's line)
    ("same_point", "incentives-to-build-on-limited-hw", "constraints-forced-ingenuity"),
    ("same_point", "efficiency-unneeded-by-us", "sv-throws-money-at-compute"),
    ("same_point", "us-can-adopt-open-research", "others-will-adopt-efficiencies"),
    ("same_point", "cost-excludes-full-costs", "cheap-claim-misleading"),
    ("same_point", "o1-outputs-speculation", "trained-on-us-model-outputs"),
    ("same_point", "replication-cost-6m", "cost-5-5m-figure"),
    ("same_point", "espionage-speculation", "stolen-copy"),
    ("same_point", "buran-moment", "generic-drug-analogy"),
    ("same_point", "r1-benchmarks-close-to-o1", "r1-on-par-with-o1"),
    ("same_point", "blog-grants-great-work", "r1-widely-seen-as-impressive"),
    ("same_point", "notes-grant-good-model", "r1-widely-seen-as-impressive"),
    ("same_point", "r1-caused-shock", "speculation-reflects-shock"),
    ("same_point", "insider-data-from-other-models", "trained-on-us-model-outputs"),
    ("same_point", "others-will-adopt-efficiencies", "sv-researchers-studying-it"),
    ("same_point", "built-on-banned-chips", "hidden-banned-chips"),
    # contradictions between documents
    ("contradicts", "r1-narrow-task-specific", "r1-on-par-with-o1"),
    ("contradicts", "r1-narrow-task-specific", "full-r1-needs-big-hardware"),
    ("contradicts", "cheap-claim-misleading", "still-order-of-magnitude-cheaper"),
    ("contradicts", "export-controls-took-hit", "controls-impeded-china"),
    ("contradicts", "wall-made-less-relevant", "china-depends-on-nvidia"),
    ("contradicts", "hidden-banned-chips", "trained-on-older-allowed-chips"),
    ("contradicts", "trained-on-us-model-outputs", "cheating-claims-are-cope"),
    ("contradicts", "gemini-outperforms-r1", "r1-near-frontier-before-rivals"),
    ("contradicts", "wall-made-less-relevant", "ceo-chips-main-bottleneck"),
    ("contradicts", "replicated-by-grad-students", "ccp-source-propaganda"),
    ("contradicts", "stolen-copy", "cheating-claims-are-cope"),
    ("contradicts", "built-on-banned-chips", "trained-on-older-allowed-chips"),
    ("contradicts", "built-on-banned-chips", "cheating-claims-are-cope"),
    ("contradicts", "insider-data-from-other-models", "cheating-claims-are-cope"),
    ("contradicts", "parity-no-cause-for-alarm", "undercuts-model-serving"),
]

# fmt: on


# ---------------------------------------------------------------------------------------------
def load_sources():
    rows = json.loads(SOURCES.read_text(encoding="utf-8"))
    sources = {r["fields"]["slug"]: r["fields"] for r in rows if r["model"] == "debates.source"}
    sections: dict[str, list[dict]] = {}
    for r in rows:
        if r["model"] == "debates.section":
            f = r["fields"]
            sections.setdefault(f["source"][0], []).append(f)
    return sources, sections


def locate(text, exact, lo, hi, where):
    first = text.find(exact, lo, hi)
    if first < 0:
        raise SystemExit(f"not found in {where}: {exact!r}")
    if text.find(exact, first + 1, hi) >= 0:
        raise SystemExit(f"found more than once in {where}: {exact!r}")
    return first


def build():
    sources, sections = load_sources()
    by_id = {n["id"]: n for n in NODES}
    if len(by_id) != len(NODES):
        raise SystemExit("duplicate node id")
    children: dict[str | None, list[dict]] = {}
    for n in NODES:
        children.setdefault(n["parent"], []).append(n)
    ordered: list[dict] = []

    def walk(n):
        ordered.append(n)
        for c in children.get(n["id"], []):
            walk(c)

    walk(children[None][0])
    if len(ordered) != len(NODES):
        raise SystemExit("some nodes are not reachable from the thesis")

    out_nodes = []
    for n in ordered:
        anchors = []
        for a in n["anchors"]:
            text = sources[a["source"]]["text"]
            secs = {s["position"]: s for s in sections.get(a["source"], [])}
            if a["c"] is not None:
                s = secs[a["c"]]
                start = locate(
                    text, a["exact"], s["start"], s["end"], f"{a['source']} section {a['c']}"
                )
                comment = a["c"] if s["kind"] == "comment" else None
            else:
                if secs:
                    raise SystemExit(
                        f"{n['id']}: say which section of {a['source']} holds {a['exact']!r}"
                    )
                start = locate(text, a["exact"], 0, len(text), a["source"])
                comment = None
            end = start + len(a["exact"])
            speaker = a["speaker"] or (
                "a reader commenter" if comment is not None else "the author"
            )
            anchors.append(
                {
                    "source": a["source"],
                    "start": start,
                    "end": end,
                    "exact": a["exact"],
                    "prefix": text[max(0, start - CONTEXT) : start],
                    "suffix": text[end : end + CONTEXT],
                    "speaker": speaker,
                    "voice": a["voice"],
                    "comment": comment,
                }
            )
        out_nodes.append(
            {
                **{
                    k: n[k]
                    for k in ("id", "kind", "heading", "label", "text", "parent", "relation")
                },
                "anchors": anchors,
            }
        )

    order = {n["id"]: i for i, n in enumerate(ordered)}
    links = []
    for kind, a, b in LINKS:
        for x in (a, b):
            if x not in by_id:
                raise SystemExit(f"link to unknown node {x}")
        pair = sorted((a, b), key=order.__getitem__)
        links.append({"type": kind, "between": pair})
    links.sort(key=lambda k: (k["type"], order[k["between"][0]], order[k["between"][1]]))

    out_sources = []
    for slug in sorted(sources, key=lambda s: sources[s]["file"]):
        f = sources[slug]
        out_sources.append(
            {
                "slug": slug,
                "file": f["file"],
                **{k: METADATA[slug][k] for k in ("title", "title_by")},
                "kind": f["kind"],
                **{
                    k: METADATA[slug][k]
                    for k in ("author", "publisher", "date", "tags", "disclosure")
                },
                "sha256": f["sha256"],
            }
        )
    (map_row,) = json.loads((ROOT / "fixtures" / "map.json").read_text(encoding="utf-8"))
    map_fields = map_row["fields"]
    doc = {
        "format": "argmap/2",
        "map": {
            "slug": map_fields["slug"],
            "title": map_fields["title"],
            "question": map_fields["question"],
        },
        "sources": out_sources,
        "nodes": out_nodes,
        "links": links,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(out_nodes)} nodes, {len(links)} links")


if __name__ == "__main__":
    build()
    sys.exit(0)
