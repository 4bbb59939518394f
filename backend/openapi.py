"""The OpenAPI 3.1 description of every route; a test checks it matches the app's URL map."""

from functools import cache

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERROR = {"description": "Bad input", "content": ERROR_BODY}
UNAVAILABLE = {"description": "The model behind this route is not loaded", "content": ERROR_BODY}
IMAGE_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}}}}}}


def _json(description: str, properties: dict) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"type": "object", "properties": properties}}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


B64 = {"type": "string", "description": "base64 PNG"}
SEED = _query("seed", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "reproducible seed; random if absent")
MODEL = _query("model", {"type": "string"}, "model name from /api/models; the first suitable one if absent")


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def _runs_and_interpolation() -> dict:
    """The Runs tab (read-only run folders under each model's saved/) and the morph (issue 14)."""
    run = [_path("model", "model folder, e.g. digits_gan"), _path("run", "run folder name under its saved/")]
    morph_body = {"type": "object", "required": ["prompt"], "properties": {
        "prompt": {"type": "string", "maxLength": 200}, "to_prompt": {"type": "string", "maxLength": 200},
        "seed": {"type": "integer"}, "to_seed": {"type": "integer"},
        "frames": {"type": "integer", "minimum": 2, "maximum": 24, "default": 8},
        "duration_ms": {"type": "integer", "minimum": 20, "maximum": 2000, "default": 120},
        "format": {"enum": ["gif", "webp"], "default": "gif"}, "model": {"type": "string"}}}
    return {
        "/api/runs": {"get": {"summary": "Training runs found under each model's saved/ folder, newest first",
                              "responses": {"200": _json("Runs", {"runs": {"type": "array"},
                                                                  "models": {"type": "array"}})}}},
        "/api/runs/{model}/{run}": {"get": {
            "summary": "One run: progress, options, log.jsonl rows (from `since`), sample epochs",
            "parameters": [*run, _query("since", {"type": "integer", "minimum": 0}, "first log row to send")],
            "responses": {"200": _json("Run", {"rows": {"type": "array"}, "samples": {"type": "array"},
                                               "running": {"type": "boolean"}}), "404": ERROR}}},
        "/api/runs/{model}/{run}/samples/{epoch}.png": {"get": {
            "summary": "A run's sample grid after one epoch", "parameters": [*run, _path("epoch", "epoch number")],
            "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": ERROR}}},
        "/api/interpolate": {"post": {
            "summary": "Morph between two prompts and/or two seeds: frames and a looping GIF or WebP",
            "requestBody": {"required": True, "content": {"application/json": {"schema": morph_body}}},
            "responses": {"200": _json("Frames", {"frames": {"type": "array", "items": B64},
                                                  "animation": {"type": "string", "description": "base64 GIF/WebP"},
                                                  "mime": {"type": "string"}}),
                          "400": ERROR, "415": ERROR, "503": UNAVAILABLE}}},
    }


@cache
def openapi_document() -> dict:
    paths = {
        "/": {"get": {"summary": "Text to image (seed 001): five base64 PNGs for a prompt", "parameters": [
            _query("input", {"type": "string", "maxLength": 200}, "the text prompt", required=True),
            _query("n", {"type": "integer", "minimum": 1, "maximum": 16, "default": 5}, "number of images"),
            SEED, MODEL],
            "responses": {"200": _json("Images", {"images": {"type": "array", "items": B64},
                                                 "seed": {"type": "integer"}, "prompt": {"type": "string"},
                                                 "model": {"type": "string"}}),
                          "400": ERROR, "503": UNAVAILABLE}}},
        "/mnist": {"post": {"summary": "Digits on demand (seed 000): one JPEG of a number of up to 10 digits",
                            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                                "type": "object", "required": ["value"],
                                "properties": {"value": {"type": "string", "pattern": "^[0-9]{1,10}$"},
                                               "seed": {"type": "integer"}}}}}},
                            "responses": {"200": _json("The number", {"message": {"type": "string"},
                                                                      "img": {"type": "string",
                                                                              "description": "base64 JPEG"}}),
                                          "400": ERROR, "503": UNAVAILABLE}}},
        "/example1.png": {"get": {"summary": "A fresh random image (seed 002), never cached",
                                  "responses": {"200": {"description": "PNG",
                                                        "content": {"image/png": {}}}, "503": UNAVAILABLE}}},
        "/api/health": {"get": {"summary": "Liveness and the loaded models",
                                "responses": {"200": _json("OK", {"status": {"type": "string"},
                                                                  "models": {"type": "array"}})}}},
        "/api/health/live": {"get": {"summary": "Liveness: the process answers HTTP (restart it if not)",
                                     "responses": {"200": _json("Alive", {"status": {"type": "string"}})}}},
        "/api/health/ready": {"get": {"summary": "Readiness: every model loaded and its batcher running",
                                      "responses": {"200": _json("Ready", {"status": {"type": "string"},
                                                                           "models": {"type": "array"}}),
                                                    "503": {"description": "Not ready", "content": ERROR_BODY}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics: requests, latency, errors by route, batch sizes, queue",
                             "responses": {"200": {"description": "Prometheus text format",
                                                   "content": {"text/plain": {}}}}}},
        "/api/models": {"get": {"summary": "Every loaded model: kind, tasks, training, metrics, samples",
                                "responses": {"200": _json("Models", {"models": {"type": "array"}})}}},
        "/api/models/{name}/samples.png": {"get": {
            "summary": "A model's sample grid", "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": ERROR}}},
        "/api/prompts": {"get": {"summary": "Example prompts: some seen in training, some held out",
                                 "parameters": [MODEL],
                                 "responses": {"200": _json("Prompts", {"train": {"type": "array"},
                                                                        "test": {"type": "array"}}),
                                               "503": UNAVAILABLE}}},
        "/api/mix": {"post": {"summary": "Creative digit mixing (seed 003): an image for 10 label weights",
                              "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["weights"], "properties": {
                                      "weights": {"type": "array", "minItems": 10, "maxItems": 10,
                                                  "items": {"type": "number", "minimum": 0, "maximum": 1}},
                                      "seed": {"type": "integer"}, "model": {"type": "string"}}}}}},
                              "responses": {"200": _json("Image", {"image": B64, "seed": {"type": "integer"}}),
                                            "400": ERROR, "415": ERROR, "503": UNAVAILABLE}}},
        "/api/random": {"get": {"summary": "A random sample from an unconditional model", "parameters": [MODEL, SEED],
                                "responses": {"200": _json("Image", {"image": B64, "seed": {"type": "integer"}}),
                                              "400": ERROR, "503": UNAVAILABLE}}},
        "/api/sketch": {"post": {"summary": "Sketch to image (Pix2Pix)", "parameters": [MODEL],
                                 "requestBody": IMAGE_UPLOAD,
                                 "responses": {"200": _json("Image", {"image": B64}), "400": ERROR, "413": ERROR,
                                               "503": UNAVAILABLE}}},
        "/api/sketch/example": {"get": {"summary": "A held-out example sketch to trace", "parameters": [MODEL, SEED],
                                        "responses": {"200": _json("Image", {"image": B64}), "503": UNAVAILABLE}}},
        "/api/enhance": {"post": {"summary": "4x super-resolution (SRGAN): low-res, bicubic and GAN side by side",
                                  "parameters": [MODEL], "requestBody": IMAGE_UPLOAD,
                                  "responses": {"200": _json("Images", {"low_res": B64, "bicubic": B64,
                                                                        "enhanced": B64}),
                                                "400": ERROR, "413": ERROR, "503": UNAVAILABLE}}},
        "/api/enhance/example": {"get": {"summary": "A held-out low-resolution example", "parameters": [MODEL, SEED],
                                         "responses": {"200": _json("Image", {"image": B64}), "503": UNAVAILABLE}}},
        "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
        "/api/docs": {"get": {"summary": "This document as a page", "responses": {"200": {"description": "HTML"}}}},
        **_runs_and_interpolation(),
    }
    return {"openapi": "3.1.0",
            "info": {"title": "GAN Studio API", "version": "1.0.0",
                     "description": "Every GAN demo of GAN Studio behind one JSON API. Errors are JSON: "
                                    "{\"error\": ...} ({\"message\": ...} on /mnist)."},
            "paths": paths,
            "components": {"schemas": {"Error": {"type": "object", "properties": {
                "error": {"type": "string"}, "message": {"type": "string"}, "error_id": {"type": "string"}}}}}}
