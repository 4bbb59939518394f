"""schemathesis hooks for tests/test_openapi_contract.py (loaded through SCHEMATHESIS_HOOKS): the rules the
API document states in words, because JSON Schema cannot.

- The `prompt` format: text by Unicode category, as backend/validation.prompt decides (visible letters,
  digits, punctuation and symbols, spaces between; Hangul fillers and the blank Braille cell are not visible).
- An upload (/api/sketch, /api/enhance) is an image file, and a morph (/api/interpolate) has two ends that
  differ: positive cases that break these are not sent.
"""

import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image, UnidentifiedImageError
from schemathesis.transport.serialization import Binary

VISIBLE = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi",
                                    "Pf", "Po", "Sm", "Sc", "Sk", "So"],
                        exclude_characters="\u115f\u1160\u3164\uffa0\u2800")
PROMPTS = st.builds(lambda first, rest: (first + rest)[:200], VISIBLE, st.text(st.one_of(VISIBLE, st.just(" ")),
                                                                                max_size=40))
schemathesis.openapi.format("prompt", PROMPTS)


def _is_image(data: bytes) -> bool:
    try:
        Image.open(io.BytesIO(data)).load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return False
    return True


def _same_ends(body: dict) -> bool:
    seed = body.get("seed")
    return (body.get("to_prompt") in (None, body.get("prompt"))
            and (seed is None or body.get("to_seed") in (None, seed)))


@schemathesis.hook
def filter_case(context, case):
    """Positive cases only where the words hold: a morph's ends differ (a random seed counts as differing only
    if to_seed is given), an upload is an image. Negative cases all stay."""
    if not isinstance(case.body, dict) or (case.meta is not None and case.meta.generation.mode.is_negative):
        return True
    if case.path == "/api/interpolate":
        return not _same_ends(case.body)
    if case.path in ("/api/sketch", "/api/enhance") and isinstance(case.body.get("image"), Binary):
        return _is_image(case.body["image"].data)
    return True


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """schemathesis counts any string as violating a format it cannot check, so a negative case whose only
    mutation is `format` (here: always `prompt`) is often a fine prompt the server rightly takes. Such a
    "schema-violating request accepted" is dropped; every other failure stands."""
    if getattr(failure, "code", None) != "ST201" or case.meta is None:
        return True
    mutations = getattr(case.meta.phase.data, "mutations", ())
    return not (mutations and all(mutation.keywords == ("format",) for mutation in mutations))
