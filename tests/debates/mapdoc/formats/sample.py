"""A small argmap/2 map that uses every relation, both link types, every voice, a reader
comment and the characters the formats treat specially, with the source texts it quotes."""

import hashlib

from argmap.debates.mapdoc.formats import CONTEXT_CHARS

ESSAY = (
    "An essay.\n"
    "DeepSeek trained R1 for a fraction of what [American] labs spend: e.g. #cheap, *fast*.\n"
    "Granted, cheap training alone says little about who leads = {nothing} // yet.\n"
    "Export controls did not stop it \U0001f680 at all.\n"
)
NEWS = (
    "A news article.\n"
    'Marc Andreessen called it "AI\'s Sputnik moment" on Sunday.\n'
    "The U.S. still controls the chips: 10:30 a.m.\n"
)
COMMENTS = (
    "Reader comments.\n1. Great piece.\n2. The $6M figure leaves out the research runs before it.\n"
)
# Where each reader comment lies in its source, as the app's Sections give it.
COMMENT_RANGES = {
    "comments-c": [
        [COMMENTS.index("1. "), COMMENTS.index("2. "), 1],
        [COMMENTS.index("2. "), len(COMMENTS), 2],
    ]
}
SOURCE_TEXTS = {"essay-a": ESSAY, "news-b": NEWS, "comments-c": COMMENTS}
SOURCE_ENTRIES = [
    {
        "slug": "essay-a",
        "file": "000_essay.txt",
        "title": "An essay",
        "title_by": "curators",
        "kind": "essay",
        "author": None,
        "publisher": None,
        "date": "2025-01-28",
        "tags": ["costs"],
        "disclosure": None,
    },
    {
        "slug": "news-b",
        "file": "001_news.txt",
        "title": "A news article",
        "title_by": "text",
        "kind": "news article",
        "author": None,
        "publisher": "A paper",
        "date": None,
        "tags": [],
        "disclosure": None,
    },
    {
        "slug": "comments-c",
        "file": "002_comments.txt",
        "title": "Reader comments",
        "title_by": "curators",
        "kind": "reader comments",
        "author": None,
        "publisher": None,
        "date": None,
        "tags": [],
        "disclosure": None,
    },
]


def anchor(source, exact, speaker, voice, comment=None):
    text = SOURCE_TEXTS[source]
    start = text.index(exact)
    end = start + len(exact)
    return {
        "source": source,
        "start": start,
        "end": end,
        "exact": exact,
        "prefix": text[max(0, start - CONTEXT_CHARS) : start],
        "suffix": text[end : end + CONTEXT_CHARS],
        "speaker": speaker,
        "voice": voice,
        "comment": comment,
    }


def node(key, kind, text, parent, relation, anchors=(), heading=False, label="", scheme=None):
    return {
        "id": key,
        "kind": kind,
        "heading": heading,
        "implicit": False,
        "label": label,
        "text": text,
        "parent": parent,
        "relation": relation,
        "scheme": scheme,
        "anchors": list(anchors),
    }


def sources_entries():
    return [
        {**entry, "sha256": hashlib.sha256(SOURCE_TEXTS[entry["slug"]].encode()).hexdigest()}
        for entry in SOURCE_ENTRIES
    ]


MAP = {
    "format": "argmap/2",
    "map": {
        "slug": "sample",
        "title": "Was R1 a 'Sputnik moment'?",
        "question": "Did DeepSeek-R1 show = {that} America lost its lead? #yes",
    },
    "sources": sorted(sources_entries(), key=lambda entry: entry["file"]),
    "nodes": [
        node("thesis", "thesis", "DeepSeek-R1 is a 'Sputnik moment' for American AI", None, None),
        node(
            "cheap-training",
            "claim",
            "R1 was trained for a fraction of what [American] labs spend: e.g. #cheap, *fast*",
            "thesis",
            "supports",
            [
                anchor(
                    "essay-a",
                    "DeepSeek trained R1 for a fraction of what [American] labs spend",
                    "the author",
                    "asserts",
                )
            ],
        ),
        node(
            "andreessen-sputnik",
            "evidence",
            'Marc Andreessen called R1 "AI\'s Sputnik moment"',
            "cheap-training",
            "supports",
            [
                anchor(
                    "news-b",
                    'Marc Andreessen called it "AI\'s Sputnik moment"',
                    "Marc Andreessen (as quoted)",
                    "reports",
                )
            ],
            scheme="expert-opinion",
        ),
        node(
            "research-runs-left-out",
            "claim",
            "The $6M figure leaves out the research runs before it",
            "cheap-training",
            "opposes",
            [
                anchor(
                    "comments-c",
                    "The $6M figure leaves out the research runs before it.",
                    "a reader commenter",
                    "asserts",
                    comment=2,
                )
            ],
        ),
        node(
            "cost-says-little",
            "claim",
            "Cheap training alone says little about who leads = {nothing} // yet",
            "cheap-training",
            "undercuts",
            [
                anchor(
                    "essay-a",
                    "cheap training alone says little about who leads",
                    "the author",
                    "concedes",
                )
            ],
        ),
        node(
            "chips-heading",
            "claim",
            "Chips",
            "thesis",
            "opposes",
            heading=True,
            label="Against: the chips",
        ),
        node(
            "us-controls-chips",
            "claim",
            "The U.S. still controls the chips \U0001f680: 10:30 a.m.",
            "chips-heading",
            "supports",
            [
                anchor("news-b", "The U.S. still controls the chips", "the author", "asserts"),
            ],
        ),
        node(
            "export-controls-failed",
            "claim",
            "Export controls did not stop DeepSeek",
            "chips-heading",
            "opposes",
            [
                anchor(
                    "essay-a",
                    "Export controls did not stop it \U0001f680 at all.",
                    "the author",
                    "asserts",
                ),
                anchor("news-b", "still controls the chips", "the author", "asserts"),
            ],
        ),
    ],
    "links": [
        {"type": "contradicts", "between": ["us-controls-chips", "export-controls-failed"]},
        {"type": "same_point", "between": ["thesis", "andreessen-sputnik"]},
    ],
}

# Public passage annotations as the app hands them over; the private and the hidden one must
# never reach an export.
PASSAGE_ANNOTATIONS = [
    {
        "id": 7,
        "source": "news-b",
        "start": NEWS.index("Sunday"),
        "end": NEWS.index("Sunday") + len("Sunday"),
        "exact": "Sunday",
        "prefix": NEWS[max(0, NEWS.index("Sunday") - CONTEXT_CHARS) : NEWS.index("Sunday")],
        "suffix": NEWS[NEWS.index("Sunday") + 6 : NEWS.index("Sunday") + 6 + CONTEXT_CHARS],
        "kind": "question",
        "body": "Which Sunday? The text gives no date.",
        "author": "reader-one",
        "visibility": "public",
        "is_hidden": False,
        "created": "2026-11-20T10:00:00+00:00",
        "modified": "2026-11-21T09:30:00+00:00",
    },
    {
        "id": 8,
        "source": "essay-a",
        "start": 0,
        "end": 9,
        "exact": "An essay.",
        "prefix": "",
        "suffix": ESSAY[9 : 9 + CONTEXT_CHARS],
        "kind": "comment",
        "body": "A private thought.",
        "author": "reader-two",
        "visibility": "private",
        "is_hidden": False,
        "created": "2026-11-20T10:00:00+00:00",
        "modified": "2026-11-20T10:00:00+00:00",
    },
    {
        "id": 9,
        "source": "essay-a",
        "start": 0,
        "end": 9,
        "exact": "An essay.",
        "prefix": "",
        "suffix": ESSAY[9 : 9 + CONTEXT_CHARS],
        "kind": "comment",
        "body": "Hidden by moderators.",
        "author": "reader-two",
        "visibility": "public",
        "is_hidden": True,
        "created": "2026-11-20T10:00:00+00:00",
        "modified": "2026-11-20T10:00:00+00:00",
    },
]

# A public annotation on a node: the read API serves these beside the passage annotations.
NODE_ANNOTATION = {
    "id": 10,
    "map": "sample",
    "node": "thesis",
    "kind": "agree",
    "body": "Granted, for the reasons the essay gives.",
    "author": "reader-one",
    "visibility": "public",
    "is_hidden": False,
    "created": "2026-11-22T08:00:00+00:00",
    "modified": "2026-11-22T08:00:00+00:00",
}


def known_sources():
    """What the site holds for each source: its argmap/2 entry, text and reader comments."""
    return {
        entry["slug"]: {
            **entry,
            "text": SOURCE_TEXTS[entry["slug"]],
            "comments": COMMENT_RANGES.get(entry["slug"], []),
        }
        for entry in sources_entries()
    }


MAP_INFO = {key: MAP["map"][key] for key in ("slug", "title", "question")}
