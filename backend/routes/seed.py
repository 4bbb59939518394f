"""The seeds' own contracts: `GET /?input=` (seed 001), `POST /mnist` (seed 000), `GET /example1.png` (seed 002)."""

from flask import Blueprint, current_app, jsonify, make_response, request

from backend import imaging, validation
from backend.admission import LARGE_GENERATION, heavy
from backend.routes import model_for, random_image
from deep_learning.common.images import to_pil

blueprint = Blueprint("seed", __name__)


@blueprint.get("/")
def text_to_image():
    config = current_app.config
    prompt = validation.prompt(request.args.get("input"), config["MAX_PROMPT_CHARS"])
    n = validation.integer(request.args.get("n"), "n", 1, config["MAX_IMAGES"], default=5)
    seed = validation.seed(request.args.get("seed"))
    model = model_for("paint", request.args.get("model"))
    with heavy("generate" if n > LARGE_GENERATION else "light"):
        images = model.batcher.submit([prompt] * n, [(seed + i) % (validation.MAX_SEED + 1) for i in range(n)])
        encoded = [imaging.encode(image) for image in to_pil(images)]
    return jsonify({"images": encoded, "seed": seed, "prompt": prompt, "model": model.name})


@blueprint.post("/mnist")
def digits():
    value = validation.digit_string(request.form.get("value"))
    model = model_for("digits")
    image = model.pipeline.digits(value, seed=validation.seed(request.form.get("seed")))
    return jsonify({"message": "Image generated successfully", "img": imaging.encode(image, "JPEG", scale=4)})


@blueprint.get("/example1.png")
def example_png():
    image = random_image(model_for("random"), validation.seed(None))
    response = make_response(imaging.png_bytes(image))
    response.headers.update({"Content-Type": "image/png", "Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"})
    return response
