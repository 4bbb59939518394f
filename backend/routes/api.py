"""JSON endpoints under /api/: health, models, prompts, and one per demo."""

import random

from flask import Blueprint, abort, current_app, jsonify, request, send_file

from backend import imaging, validation
from backend.admission import heavy
from backend.errors import BadRequest
from backend.openapi import openapi_document
from backend.routes import loaded_models, model_for, models_by_task, random_image
from backend.run_folders import prompt_rows

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.get("/health")
def health():
    return jsonify({"status": "ok", "models": list(loaded_models())})


@blueprint.get("/health/live")
def live():
    """The process answers HTTP: restart it if not (an orchestrator's liveness probe)."""
    return jsonify({"status": "alive"})


@blueprint.get("/health/ready")
def ready():
    """Every configured model is loaded and every micro-batcher thread runs: send it traffic (readiness;
    Docker's and compose's health checks)."""
    models = loaded_models()
    missing = sorted(set(current_app.config["MODELS"]) - set(models))
    stopped = sorted(name for name, model in models.items() if model.batcher and not model.batcher.alive())
    if missing or stopped:
        return jsonify({"status": "not ready", "error": f"models not loaded: {missing}; batchers stopped: {stopped}",
                        "models": list(models)}), 503
    return jsonify({"status": "ready", "models": list(models)})


@blueprint.get("/models")
def models():
    cards = []
    for name, model in loaded_models().items():
        samples = model.path.parent / "samples.png"
        card = model.card(f"/api/models/{name}/samples.png" if samples.is_file() else None)
        if samples.is_file() and (rows := prompt_rows(model.path.parent / "samples_prompts.txt")):
            card["samples_rows"] = rows  # the prompt of each row of a text-to-image grid
        cards.append(card)
    return jsonify({"models": cards})


@blueprint.get("/models/<name>/samples.png")
def model_samples(name: str):
    model = loaded_models().get(name)
    path = model.path.parent / "samples.png" if model else None
    if path is None or not path.is_file():
        abort(404, description=f"No sample grid for model {name[:60]!r}.")
    return send_file(path, mimetype="image/png", max_age=3600)


@blueprint.get("/prompts")
def prompts():
    """Example prompts for the page: some the model trained on, some it never saw."""
    model = model_for("paint", request.args.get("model"))
    meta = model.pipeline.meta
    rng = random.Random(0)
    pick = lambda names: rng.sample(names, min(8, len(names)))  # noqa: E731
    return jsonify({"train": pick(meta.get("train_prompts", [])), "test": pick(meta.get("test_prompts", []))})


def _json_body() -> dict:
    if not request.is_json:
        raise BadRequest("Send a JSON body with Content-Type: application/json.", status=415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # "[[[[..." nested deeper than the parser's stack: bad input, not a server fault
        raise BadRequest("The JSON body is nested too deeply.") from None
    if not isinstance(body, dict):
        raise BadRequest("The body is not a JSON object.")
    return body


@blueprint.post("/mix")
def mix():
    body = _json_body()
    weights = validation.label_weights(body.get("weights"))
    seed = validation.seed(body.get("seed"))
    image = model_for("mix", body.get("model")).pipeline.mix(weights, seed=seed)
    return jsonify({"image": imaging.encode(image, scale=4), "seed": seed})


@blueprint.get("/random")
def random_sample():
    model = model_for("random", request.args.get("model"))
    seed = validation.seed(request.args.get("seed"))
    return jsonify({"image": imaging.encode(random_image(model, seed), scale=4), "seed": seed, "model": model.name})


def _upload():
    return imaging.decode_upload(request.files.get("image"), current_app.config["MAX_UPLOAD_PIXELS"])


@blueprint.post("/sketch")
def sketch():
    model = model_for("sketch", request.args.get("model"))
    with heavy("sketch"):
        return jsonify({"image": imaging.encode(model.pipeline(_upload()), scale=4)})


@blueprint.get("/sketch/example")
def sketch_example():
    model = model_for("sketch", request.args.get("model"))
    return jsonify({"image": imaging.encode(model.pipeline.example_sketch(validation.seed(request.args.get("seed"))))})


@blueprint.post("/enhance")
def enhance():
    model = model_for("enhance", request.args.get("model"))
    with heavy("enhance"):
        result = model.pipeline(_upload())
        return jsonify({key: imaging.encode(result[key]) for key in ("low_res", "bicubic", "enhanced")})


@blueprint.get("/enhance/example")
def enhance_example():
    model = model_for("enhance", request.args.get("model"))
    seed = validation.seed(request.args.get("seed"))
    return jsonify({"image": imaging.encode(model.pipeline.example_low_res(seed))})


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(models_by_task()))


@blueprint.get("/docs")
def docs():
    """A small human page over the OpenAPI document (no CDN, works offline)."""
    document = openapi_document(models_by_task())
    rows = "".join(
        f"<tr><td><code>{method.upper()}</code></td><td><code>{path}</code></td><td>{op['summary']}</td></tr>"
        for path, operations in document["paths"].items() for method, op in operations.items())
    return (f"<!doctype html><title>GAN Studio API</title><style>body{{font:15px system-ui;margin:2rem}}"
            f"td{{padding:.3rem .8rem;border-bottom:1px solid #ddd}}</style><h1>GAN Studio API</h1>"
            f"<p>{document['info']['description']} Machine-readable: <a href='/api/openapi.json'>openapi.json</a>."
            f"</p><table>{rows}</table>")
