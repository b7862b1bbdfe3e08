"""Names that look alike: a skeleton that two look-alike usernames share.

NFKC folds compatibility forms (full-width letters, ligatures), casefold folds case, and a
small map folds the Cyrillic and Greek letters that look like Latin ones, and the digits
and letters people mistake for each other. Written here rather than taken from a package:
it is short, and the sign-up check needs only these scripts (usernames are letters,
digits and @.+-_).
"""

import hashlib
import unicodedata

# Before casefolding, so each upper-case look-alike maps to the upper-case Latin letter it
# looks like (Cyrillic "Н" is Latin "H", though its lower case "н" looks like no Latin letter).
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic capitals
        "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M",
        "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "Ү": "Y", "Ӏ": "l",
        "Ԛ": "Q", "Ԝ": "W", "Ь": "b",
        # Cyrillic small letters
        "а": "a", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "о": "o", "р": "p", "с": "c",
        "у": "y", "х": "x", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
        "ь": "b", "ѵ": "v", "ɡ": "g",
        # Greek capitals
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # Greek small letters
        "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x",
        "γ": "y", "ϲ": "c", "ϳ": "j", "ω": "w",
        # Latin look-alikes of each other
        "ı": "i", "ℓ": "l",
    }
)  # fmt: skip
# Capital I looks like l, and is i in lower case: i, I, l, 1 and | are one class. This refuses
# a few names that merely resemble each other ("bill", "biil"), a price worth paying.
AFTER_CASEFOLD = str.maketrans({"0": "o", "1": "l", "|": "l", "i": "l", "5": "s"})
SEQUENCES = [("rn", "m"), ("vv", "w"), ("cl", "d")]


def skeleton(name: str) -> str:
    """What name looks like: equal for two names a reader could not tell apart."""
    folded = unicodedata.normalize("NFKC", name).translate(LOOK_ALIKES).casefold()
    folded = unicodedata.normalize("NFKC", folded).translate(AFTER_CASEFOLD)
    for sequence, looks_like in SEQUENCES:
        folded = folded.replace(sequence, looks_like)
    return folded


KEY_LENGTH = 150  # User.name_key's max_length


def name_key(name: str) -> str:
    """The skeleton as User.name_key stores it, which must fit the column.

    Casefolding can lengthen a name ("ß" becomes "ss"), so a skeleton past KEY_LENGTH keeps
    its start and ends with a hash of the whole: equal skeletons still give equal keys.
    """
    folded = skeleton(name)
    if len(folded) <= KEY_LENGTH:
        return folded
    digest = hashlib.sha256(folded.encode()).hexdigest()
    return f"{folded[: KEY_LENGTH - len(digest) - 1]}#{digest}"
