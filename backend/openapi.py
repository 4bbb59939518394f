"""The OpenAPI 3.1 description of every route, exact enough to hold the server to it: every status a route
answers, every limit the validation applies (backend/validation.py, backend/config.py), the fields every
answer carries. tests/test_openapi_contract.py runs schemathesis with all its checks against a live server
on it; test_backend checks it lists the app's URL map.

Built per server: a `model` parameter lists the loaded models that do the route's task (an unknown one is
400). Rules JSON Schema cannot state are described where they apply: the `prompt` format (the text rules of
backend/validation.prompt), an upload that is an image, a morph whose two ends differ.
"""

from functools import cache

from backend.registry import TASKS
from backend.validation import MAX_SEED

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERROR = {"description": "Bad input", "content": ERROR_BODY}
UNAVAILABLE = {"description": "The model behind this route is not loaded", "content": ERROR_BODY}
BUSY = {"description": "The model behind this route is not loaded, or the route is busy: its running and waiting "
                       "requests are at their limit (HEAVY_LIMITS), then a Retry-After header says when to try again",
        "content": ERROR_BODY, "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": False}}}
TOO_LARGE = {"description": "Body over the limits: 4 MB in all; forms 64 KiB of fields (files apart), 32 fields",
             "content": ERROR_BODY}
NOT_JSON = {"description": "The body is not sent as application/json", "content": ERROR_BODY}
HTML_ERROR = {"text/html": {"schema": {"type": "string"}}}
# Every route may answer these: invalid UTF-8 in the query (the app); through the served stack's nginx
# (backend/nginx.conf), too many requests from one address; a request line over 4 KB or headers over gunicorn's
# limits (gunicorn itself, before the app, in HTML).
EVERY_ROUTE = {
    "400": {"description": "Bad input; on every route: a query string that is not UTF-8 once percent-decoded",
            "content": ERROR_BODY},
    "408": {"description": "The request was not all sent in time (nginx: head within 10 s, 10 s at most between "
                           "two reads of the body); nginx may close the connection instead", "content": ERROR_BODY},
    "414": {"description": "Request line over 4094 bytes (answered by gunicorn)", "content": HTML_ERROR},
    "429": {"description": "Too many requests from this address at once or per second (nginx, on the API's "
                           "routes); a Retry-After header says when to try again", "content": ERROR_BODY,
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": False}}},
    "431": {"description": "Header fields over gunicorn's limits", "content": HTML_ERROR},
}
PROMPT_RULES = ("1-200 characters once NFC-normalised and whitespace-folded, with at least one visible character; "
                "no control, unassigned, non-character, surrogate or private-use code points, and no invisible format "
                "characters except a soft hyphen, a joiner between two visible characters, a flag's tag characters")
PROMPT = {"type": "string", "format": "prompt", "minLength": 1, "maxLength": 200, "description": PROMPT_RULES}
SEED_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_SEED}
B64 = {"type": "string", "description": "base64 PNG"}
PNG = {"description": "PNG", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required}


def _json(description: str, properties: dict, required: list[str] | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _object(properties, required)}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _model(names: tuple[str, ...], in_json: bool = False) -> dict:
    """A loaded model that does the route's task; in a JSON body null means absent."""
    return {"enum": [*names, *([None] if in_json else [])],
            "description": "a loaded model that does this (see /api/models); the first that does if absent"}


def _nullable(schema: dict, meaning: str) -> dict:
    return {**schema, "type": [schema["type"], "null"], "description": f"null: {meaning}"}


def _get(summary: str, responses: dict, parameters: list | None = None) -> dict:
    operation = {"summary": summary, "responses": {**EVERY_ROUTE, **responses}}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def _post(summary: str, body: dict, responses: dict, parameters: list | None = None) -> dict:
    operation = _get(summary, responses, parameters)["get"]
    return {"post": {**operation, "requestBody": {"required": True, "content": body}}}


def _runs_and_interpolation(paint: tuple[str, ...]) -> dict:
    """The Runs tab (read-only run folders under each model's saved/) and the morph (issue 14)."""
    run = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": text}
           for name, text in (("model", "model folder, e.g. digits_gan"), ("run", "run folder name under its saved/"))]
    morph_body = _object({
        "prompt": PROMPT, "to_prompt": PROMPT, "seed": _nullable(SEED_SCHEMA, "random"),
        "to_seed": _nullable(SEED_SCHEMA, "the seed"),
        "frames": {"type": "integer", "minimum": 2, "maximum": 24, "default": 8},
        "duration_ms": {"type": "integer", "minimum": 20, "maximum": 2000, "default": 120},
        "format": {"enum": ["gif", "webp"], "default": "gif"}, "model": _model(paint, in_json=True)},
        required=["prompt"])
    morph_body["description"] = ("the two ends differ, by prompt (to_prompt, default the prompt) or by seed "
                                 "(to_seed, default the seed): the same twice is 400")
    nullable_int, nullable_number = {"type": ["integer", "null"]}, {"type": ["number", "null"]}
    summary = {
        "id": {"type": "string", "description": "model/run"}, "model": {"type": "string"}, "run": {"type": "string"},
        "config": {"type": ["string", "null"]},
        "epoch": {"type": "integer", "description": "the last finished epoch: log.jsonl's newest whole row (the "
                                                    "list and the detail say the same)"},
        "epochs": nullable_int, "step": nullable_int, "images_seen": nullable_int, "cpu_minutes": nullable_number,
        "train_minutes": nullable_number,
        "state": {"enum": ["training", "stopped", "finished"], "description": (
            "training: its heartbeat.json (rewritten by the training loop every few seconds) is under 120 s old "
            "and, on this host, its process lives; finished: every planned epoch logged, or the loop ended them "
            "all; stopped: otherwise (killed, out of time, or a run from before heartbeats)")},
        "running": {"type": "boolean", "description": "state is training (kept for older pages)"},
        "finished": {"type": "boolean", "description": "state is finished"},
        "heartbeat": {"type": ["string", "null"], "description": "UTC time of the last heartbeat; null: none"},
        "updated": {"type": "string", "description": "UTC time the run last wrote something"},
        "samples": {"type": "array", "items": {"type": "integer"}, "description": "epochs with a sample grid"}}
    detail = {**summary,
              "rows": {"type": "array", "items": {"type": "object"}, "description": (
                  "log.jsonl rows from `since` on: the newest 5,000 at most, read from the end of the file, at most "
                  "2 MiB of it; a line being written or broken is left out")},
              "first_row": {"type": "integer", "description": "index of the first line sent (later than `since` "
                                                              "when the rows in between are over those limits)"},
              "total_rows": {"type": "integer", "description": "whole lines in log.jsonl: the next poll's `since`"},
              "options": {"type": "object"}, "sample_rows": {"type": ["array", "null"]}}
    return {
        "/api/runs": _get("Training runs found under each model's saved/ folder, newest first", {
            "200": _json("Runs", {"runs": {"type": "array", "items": _object(summary)},
                                  "models": {"type": "array", "items": {"type": "string"},
                                             "description": "the registry's model folders whose runs are listed"}})}),
        "/api/runs/{model}/{run}": _get(
            "One run: progress, state, options, log.jsonl rows (from `since`), sample epochs. Nothing in a run "
            "folder is read through a symbolic link or outside it",
            {"200": _json("Run", detail), "404": ERROR},
            [*run, _query("since", {"type": "integer", "minimum": 0, "maximum": 10**9},
                          "first log row to send (the last answer's total_rows: only the new rows are read)")]),
        "/api/runs/{model}/{run}/samples/{epoch}.png": _get("A run's sample grid after one epoch", {
            "200": PNG, "404": ERROR}, [*run, {"name": "epoch", "in": "path", "required": True,
                                               "schema": {"type": "string"}, "description": "epoch number"}]),
        "/api/interpolate": _post(
            "Morph between two prompts and/or two seeds: frames and a looping GIF or WebP",
            {"application/json": {"schema": morph_body}},
            {"200": _json("Frames", {"frames": {"type": "array", "items": B64},
                                     "animation": {"type": "string", "description": "base64 GIF/WebP"},
                                     "mime": {"type": "string"}, "prompt": {"type": "string"},
                                     "to_prompt": {"type": "string"}, "seed": {"type": "integer"},
                                     "to_seed": {"type": "integer"}, "model": {"type": "string"}}),
             "413": TOO_LARGE, "415": NOT_JSON, "503": BUSY}),
    }


def _task(name: str) -> str:
    """A task as a summary names it: its registry title, capitalised."""
    title = TASKS[name].title
    return title[0].upper() + title[1:]


def _seed(required_text: str = "reproducible seed; random if absent") -> dict:
    return _query("seed", SEED_SCHEMA, required_text)


def _upload(summary: str, models: tuple[str, ...], answer: dict) -> dict:
    upload = _object({"image": {"type": "string", "format": "binary", "contentMediaType": "image/png",
                                "description": "an image file: PNG, or JPEG, WebP, GIF, BMP; at most 1024x1024 "
                                               "pixels (MAX_UPLOAD_PIXELS)"}})
    upload["maxProperties"] = 32
    body = {"multipart/form-data": {"schema": upload, "encoding": {"image": {"contentType": "image/png"}}}}
    return _post(summary, body,
                 {"200": answer, "413": TOO_LARGE, "503": BUSY}, [_query("model", _model(models), "")])


@cache
def openapi_document(models_by_task: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> dict:
    """`models_by_task`: (task, names of the loaded models that do it) pairs, as routes.models_by_task gives."""
    by_task = dict(models_by_task)
    model = {task: [_query("model", _model(by_task.get(task, ())), "")] for task in TASKS}
    mnist_form = _object({"value": {"type": "string", "pattern": r"^\s*[0-9]{1,10}\s*$"}, "seed": SEED_SCHEMA},
                         required=["value"])
    mnist_form["maxProperties"] = 32
    mnist_error = {"description": "Bad input: seed 000's messages", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"message": {"type": "string"}, "error": {"type": "string"}},
        "anyOf": [{"required": ["message"]}, {"required": ["error"]}]}}}}
    health = {"status": {"type": "string"}, "models": {"type": "array", "items": {"type": "string"}}}
    card = _object({key: {} for key in ("name", "kind", "tasks", "title", "description", "image_size", "text_encoder",
                                        "available", "training", "metrics", "samples_url")})
    card["properties"]["columns"] = {**_object({key: {"type": "string"} for key in ("train", "test", "test_help")}),
                                     "description": "what the metrics' train and test columns were measured on"}
    card["required"].append("columns")
    card["properties"]["checkpoint_sha256"] = {
        "type": ["string", "null"], "description": "SHA-256 of the checkpoint's weights, checked when it loaded; "
        "null: saved before checkpoints carried one (format version 1), served unverified"}
    card["required"].append("checkpoint_sha256")
    weights = {"type": "array", "minItems": 10, "maxItems": 10, "items": {"type": "number", "minimum": 0, "maximum": 1},
               "contains": {"type": "number", "exclusiveMinimum": 0}, "description": "one per digit, not all 0"}
    paths = {
        "/": _get(f"{_task('paint')} (seed 001): five base64 PNGs for a prompt", {
            "200": _json("Images", {"images": {"type": "array", "items": B64, "minItems": 1, "maxItems": 16},
                                    "seed": {"type": "integer"}, "prompt": {"type": "string"},
                                    "model": {"type": "string"}}),
            "503": {**UNAVAILABLE, "description": "No text-to-image model loaded, or the generation queue is full, "
                                                  "or (over 8 images) large generations are at their limit "
                                                  "(then a Retry-After header says when to try again)",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": False}}}},
            [_query("input", PROMPT, "the text prompt", required=True),
             _query("n", {"type": "integer", "minimum": 1, "maximum": 16, "default": 5}, "number of images"),
             _seed("seed of the first image (image i: seed + i); random if absent"), *model["paint"]]),
        "/mnist": _post(f"{_task('digits')} (seed 000): one JPEG of a number of up to 10 digits",
                        {"multipart/form-data": {"schema": mnist_form},
                         "application/x-www-form-urlencoded": {"schema": mnist_form}},
                        {"200": _json("The number", {"message": {"type": "string"},
                                                     "img": {"type": "string", "description": "base64 JPEG"}}),
                         "400": mnist_error, "413": TOO_LARGE, "503": UNAVAILABLE}),
        "/example1.png": _get("A fresh random image (seed 002), never cached", {"200": PNG, "503": UNAVAILABLE}),
        "/api/health": _get("The loaded models (the page's connection check)", {"200": _json("OK", health)}),
        "/api/health/live": _get("Liveness: the process answers HTTP (restart it if not)", {
            "200": _json("Alive", {"status": {"const": "alive"}})}),
        "/api/health/ready": _get("Readiness: every model loaded and its batcher running (send it traffic)", {
            "200": _json("Ready", {**health, "status": {"const": "ready"}}),
            "503": {"description": "Not ready", "content": ERROR_BODY}}),
        "/metrics": _get("Prometheus metrics: requests, latency, errors by route, batch sizes, queue depth", {
            "200": {"description": "Prometheus text format",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}}),
        "/api/models": _get("Every loaded model: kind, tasks, training, metrics, samples", {
            "200": _json("Models", {"models": {"type": "array", "items": card}})}),
        "/api/models/{name}/samples.png": _get("A model's sample grid", {"200": PNG, "404": ERROR}, [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]),
        "/api/prompts": _get("Example prompts: some seen in training, some held out", {
            "200": _json("Prompts", {"train": {"type": "array", "items": {"type": "string"}},
                                     "test": {"type": "array", "items": {"type": "string"}}}),
            "503": UNAVAILABLE}, model["paint"]),
        "/api/mix": _post(f"{_task('mix')} (seed 003): an image for 10 label weights", {
            "application/json": {"schema": _object({
                "weights": weights, "seed": _nullable(SEED_SCHEMA, "random"),
                "model": _model(by_task.get("mix", ()), in_json=True)}, required=["weights"])}},
            {"200": _json("Image", {"image": B64, "seed": {"type": "integer"}}), "413": TOO_LARGE, "415": NOT_JSON,
             "503": UNAVAILABLE}),
        "/api/random": _get("A random sample from an unconditional model", {
            "200": _json("Image", {"image": B64, "seed": {"type": "integer"}, "model": {"type": "string"}}),
            "503": UNAVAILABLE}, [*model["random"], _seed()]),
        "/api/sketch": _upload(f"{_task('sketch')}: a drawing in, a colour image out", by_task.get("sketch", ()),
                               _json("Image", {"image": B64})),
        "/api/sketch/example": _get("A held-out example sketch to trace", {
            "200": _json("Image", {"image": B64}), "503": UNAVAILABLE}, [*model["sketch"], _seed()]),
        "/api/enhance": _upload(f"{_task('enhance')}: low-res, bicubic and GAN side by side",
                                by_task.get("enhance", ()),
                                _json("Images", {"low_res": B64, "bicubic": B64, "enhanced": B64})),
        "/api/enhance/example": _get("A held-out low-resolution example", {
            "200": _json("Image", {"image": B64}), "503": UNAVAILABLE}, [*model["enhance"], _seed()]),
        "/api/openapi.json": _get("This document", {"200": _json("OpenAPI", {
            "openapi": {"type": "string"}, "info": {"type": "object"}, "paths": {"type": "object"}})}),
        "/api/docs": _get("This document as a page", {"200": {"description": "HTML", "content": HTML_ERROR}}),
        **_runs_and_interpolation(by_task.get("paint", ())),
    }
    return {"openapi": "3.1.0",
            "info": {"title": "GAN Studio API", "version": "1.0.0",
                     "description": "Every GAN demo of GAN Studio behind one JSON API. Errors are JSON: "
                                    "{\"error\": ...} ({\"message\": ...} for /mnist's own checks), except those "
                                    "gunicorn answers itself (414, 431) in HTML."},
            "paths": paths,
            "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"}, "error_id": {"type": "string"}}}}}}
