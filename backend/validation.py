"""Parsing of request parameters: each bad value becomes a BadRequest that says what was expected."""

import random
import unicodedata

from backend.errors import BadRequest

MAX_SEED = 2**31 - 1


# Characters drawn as nothing that Unicode nevertheless files as letters or symbols (Hangul fillers, the
# blank Braille pattern, the combining grapheme joiner): a prompt of only these is empty.
BLANK = set("\u115f\u1160\u3164\uffa0\u2800\u034f")
ZERO_WIDTH_JOINERS = set("\u200c\u200d")  # ZWNJ, ZWJ: emoji sequences (👨‍👩‍👧), Persian and Indic text
SOFT_HYPHEN = "\u00ad"
BLACK_FLAG, TAGS, CANCEL_TAG = "\U0001f3f4", range(0xE0020, 0xE007F), "\U000e007f"  # subdivision flags: 🏴󠁧󠁢󠁳󠁣󠁴󠁿


def _allowed_format_character(text: str, i: int) -> bool:
    """Of the invisible format characters (category Cf), the ones that belong in text: a soft hyphen, a
    joiner between two visible characters, the tag characters of a subdivision flag after its black flag."""
    ch = text[i]
    if ch == SOFT_HYPHEN:
        return True
    if ch in ZERO_WIDTH_JOINERS:
        return 0 < i < len(text) - 1 and not text[i - 1].isspace() and not text[i + 1].isspace()
    if ord(ch) in TAGS or ch == CANCEL_TAG:
        start = i
        while start > 0 and (ord(text[start - 1]) in TAGS):
            start -= 1
        return start > 0 and text[start - 1] == BLACK_FLAG
    return False


def _visible(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNPS" and ch not in BLANK


def prompt(value: str | None, max_chars: int) -> str:
    """The prompt in NFC with its whitespace folded. Refused: control characters, unassigned code points
    and non-characters (U+0378, U+FFFF), surrogates, private use, invisible format characters other than
    the few real text needs (see `_allowed_format_character`), and prompts with no visible character.
    Invalid UTF-8 (%ff) never gets here: request_input refuses the whole query string."""
    if value is None:
        raise BadRequest("Missing query parameter 'input': the text prompt, e.g. /?input=red%20apple")
    text = " ".join(unicodedata.normalize("NFC", value).split())  # trims and folds whitespace, newlines, tabs
    if not text:
        raise BadRequest("The prompt is empty: type a few words, e.g. 'red apple'.")
    if len(text) > max_chars:
        raise BadRequest(f"The prompt is {len(text)} characters long; the limit is {max_chars}.")
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc":
            raise BadRequest("The prompt contains a control character.")
        if category in ("Cn", "Cs", "Co"):
            raise BadRequest(f"The prompt contains U+{ord(ch):04X}, which is unassigned, a non-character, "
                             "a surrogate or private-use.")
        if category == "Cf" and not _allowed_format_character(text, i):
            raise BadRequest(f"The prompt contains the invisible format character U+{ord(ch):04X}.")
    if not any(_visible(ch) for ch in text):
        raise BadRequest("The prompt has no visible character: type a few words, e.g. 'red apple'.")
    return text


def integer(value, name: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number in [low, high]; absent (or JSON null) means `default`. Given but empty (`seed=`) is
    refused like any other non-number: the API document says integer."""
    if value is None:
        if default is None:
            raise BadRequest(f"Missing parameter '{name}'.")
        return default
    if isinstance(value, float) and value.is_integer():  # JSON's 7.0 is the integer 7 (JSON Schema agrees)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}.")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}, got {str(value)[:40]!r}.") from None
    if not low <= number <= high:
        raise BadRequest(f"'{name}' must be from {low} to {high}, got {number}.")
    return number


def seed(value) -> int:
    """A given seed, or a fresh random one (echoed back so the result can be reproduced)."""
    return integer(value, "seed", 0, MAX_SEED, default=random.randint(0, MAX_SEED))


def digit_string(value: str | None) -> str:
    """Seed 000's rules and messages."""
    if value is None or not str(value).strip():
        raise BadRequest("Request invalid. Should only contain digits (0-9).", key="message")
    value = str(value).strip()
    if len(value) > 10:
        raise BadRequest("Request too long. Max 10 digits.", key="message")
    if not all(ch in "0123456789" for ch in value):
        raise BadRequest("Request invalid. Should only contain digits (0-9).", key="message")
    return value


def label_weights(value) -> list[float]:
    if not isinstance(value, list) or len(value) != 10:
        raise BadRequest("'weights' must be a list of 10 numbers from 0 to 1, one per digit.")
    weights = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 <= item <= 1:
            raise BadRequest("'weights' must be a list of 10 numbers from 0 to 1, one per digit.")
        weights.append(float(item))
    if sum(weights) == 0:
        raise BadRequest("At least one digit weight must be above 0.")
    return weights
