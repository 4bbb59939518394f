"""Parsing of request parameters: each bad value becomes a BadRequest that says what was expected."""

import random
import unicodedata

from backend.errors import BadRequest

MAX_SEED = 2**31 - 1


def prompt(value: str | None, max_chars: int) -> str:
    if value is None:
        raise BadRequest("Missing query parameter 'input': the text prompt, e.g. /?input=red%20apple")
    text = " ".join(value.split())  # trims and folds whitespace, newlines and tabs
    if not text:
        raise BadRequest("The prompt is empty: type a few words, e.g. 'red apple'.")
    if len(text) > max_chars:
        raise BadRequest(f"The prompt is {len(text)} characters long; the limit is {max_chars}.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise BadRequest("The prompt contains control or invisible characters.")
    return text


def integer(value, name: str, low: int, high: int, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise BadRequest(f"Missing parameter '{name}'.")
        return default
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
