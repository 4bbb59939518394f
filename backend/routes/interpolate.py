"""POST /api/interpolate: the classic GAN demo, a morph between two prompts (their text embeddings), two
seeds of one prompt, or both at once; a strip of frames and a looping GIF or WebP to download."""

import base64
import io

from flask import Blueprint, Flask, current_app, jsonify, request
from PIL import Image

from backend import imaging, validation
from backend.admission import heavy
from backend.errors import BadRequest
from backend.routes import model_for

blueprint = Blueprint("interpolate", __name__, url_prefix="/api")

MAX_FRAMES = 24
FORMATS = {"gif": "image/gif", "webp": "image/webp"}
ANIMATION_SCALE = 4  # 32 px frames would be a speck in a downloaded file; crisp pixels, 4x


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)


def animation(frames: list[Image.Image], fmt: str, duration_ms: int) -> bytes:
    """A ping-pong loop (there and back), so the animation never jumps."""
    size = (frames[0].width * ANIMATION_SCALE, frames[0].height * ANIMATION_SCALE)
    big = [frame.convert("RGB").resize(size, Image.Resampling.NEAREST) for frame in frames]
    loop = big + big[-2:0:-1]
    buffer = io.BytesIO()
    if fmt == "gif":
        loop[0].save(buffer, "GIF", save_all=True, append_images=loop[1:], duration=duration_ms, loop=0,
                     disposal=2, optimize=False)
    else:
        loop[0].save(buffer, "WEBP", save_all=True, append_images=loop[1:], duration=duration_ms, loop=0,
                     lossless=True, method=0)
    return buffer.getvalue()


def _body() -> dict:
    if not request.is_json:
        raise BadRequest("Send a JSON body with Content-Type: application/json.", status=415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.") from None
    if not isinstance(body, dict):
        raise BadRequest("The body is not a JSON object.")
    return body


def _text(value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a text prompt.")
    return value


@blueprint.post("/interpolate")
def interpolate():
    body = _body()
    limit = current_app.config["MAX_PROMPT_CHARS"]
    start = validation.prompt(_text(body.get("prompt"), "prompt"), limit)
    end_text = _text(body.get("to_prompt"), "to_prompt")
    end = validation.prompt(end_text, limit) if end_text is not None else start
    seed = validation.seed(body.get("seed"))
    to_seed = validation.integer(body.get("to_seed"), "to_seed", 0, validation.MAX_SEED, default=seed)
    if end == start and to_seed == seed:
        raise BadRequest("Nothing to morph: give a second prompt ('to_prompt') or a second seed ('to_seed').")
    frames = validation.integer(body.get("frames"), "frames", 2, MAX_FRAMES, default=8)
    duration = validation.integer(body.get("duration_ms"), "duration_ms", 20, 2000, default=120)
    fmt = body.get("format", "gif")
    if not isinstance(fmt, str) or fmt not in FORMATS:  # a list or an object is no format either (was a 500)
        raise BadRequest(f"'format' must be one of {', '.join(FORMATS)}.")
    model = model_for("paint", body.get("model"))
    with heavy("interpolate"):
        images = model.pipeline.morph((start, end), (seed, to_seed), frames)
        frames_b64 = [imaging.encode(image) for image in images]
        moving = base64.b64encode(animation(images, fmt, duration)).decode("ascii")
    return jsonify({"frames": frames_b64, "animation": moving,
                    "mime": FORMATS[fmt], "prompt": start, "to_prompt": end, "seed": seed, "to_seed": to_seed,
                    "model": model.name})
