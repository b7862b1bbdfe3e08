"""Usernames a reader can tell apart.

Three rules, checked for a new name and for a rename (existing accounts keep theirs):

1. Nothing invisible: no character with Unicode's Default_Ignorable_Code_Point property (the
   Hangul fillers U+3164, U+FFA0, U+115F and U+1160 are letters to Django's validator, yet
   show as nothing), and none that is a control, format, separator or mark on its own.
2. One script a name, as UTS #39's "highly restrictive" level has it: one script, or Han with
   Hiragana and Katakana, with Bopomofo, or with Hangul (and Latin beside any of those).
   Digits and @.+-_ belong to every script. The scripts are Unicode's, through
   confusable-homoglyphs' categories.
3. No look-alike of an existing name: User.name_key is the name's skeleton, unique. The
   skeleton folds compatibility forms (NFKC), case, every character Unicode's confusables
   data (confusable-homoglyphs) says looks like an ASCII one to that one, small capitals to
   their letters, and the ASCII look-alikes of each other (i, I, l, 1, |; 0 and o; rn and m).

The confusables data pairs characters without saying which is the prototype, so the skeleton
maps a character only to an ASCII look-alike, one step, never along a chain (o looks like
Greek ο, which looks like σ, which looks like no Latin o).
"""

import hashlib
import unicodedata
from functools import cache

import regex
from confusable_homoglyphs import categories, confusables

# After casefolding, the ASCII look-alikes of each other. Capital I looks like l, and is i in
# lower case: i, I, l, 1 and | are one class. This refuses a few names that merely resemble
# each other ("bill", "biil"), a price worth paying.
AFTER_CASEFOLD = str.maketrans({"0": "o", "1": "l", "|": "l", "i": "l", "5": "s"})
SEQUENCES = [("rn", "m"), ("vv", "w"), ("cl", "d")]

INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{C}\p{Z}]|^\p{M}")
NEUTRAL = {"COMMON", "INHERITED"}
# UTS #39, section 5.2: the script sets a highly restrictive identifier may use.
ALLOWED_MIXES = [
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
]
SMALL_CAPITAL = "LATIN LETTER SMALL CAPITAL "


def is_invisible(name: str) -> bool:
    """Rule 1: name holds a character that shows as nothing."""
    return bool(INVISIBLE.search(name))


def mixes_scripts(name: str) -> bool:
    """Rule 2: name mixes scripts beyond what UTS #39 allows a highly restrictive name."""
    scripts = categories.unique_aliases(name) - NEUTRAL
    return len(scripts) > 1 and not any(scripts <= mix for mix in ALLOWED_MIXES)


@cache
def _ascii_look_alike(char: str) -> str:
    """The ASCII character Unicode's confusables data pairs char with, or char itself."""
    if char.isascii():
        return char
    described = unicodedata.name(char, "")
    if described.startswith(SMALL_CAPITAL) and len(described) == len(SMALL_CAPITAL) + 1:
        return described[-1]  # ʀ, LATIN LETTER SMALL CAPITAL R, looks like R
    pairs = sorted(
        entry["c"]
        for entry in confusables.confusables_data.get(char, ())
        if len(entry["c"]) == 1 and entry["c"].isascii()
    )
    return pairs[0] if pairs else char


def _fold(text: str) -> str:
    return "".join(_ascii_look_alike(char) for char in text)


def skeleton(name: str) -> str:
    """What name looks like: equal for two names a reader could not tell apart."""
    # Before casefolding, so an upper-case look-alike maps to the upper-case letter it looks
    # like (Cyrillic "Н" is Latin "H", though its lower case "н" looks like no Latin letter).
    folded = _fold(unicodedata.normalize("NFKC", name)).casefold()
    folded = _fold(unicodedata.normalize("NFKC", folded)).casefold().translate(AFTER_CASEFOLD)
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
