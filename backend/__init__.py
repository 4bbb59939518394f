"""GAN Studio's backend: one Flask JSON API over every model.

`create_app()` loads each configured checkpoint once, at start-up, through the models' inference
objects (never a training loop), and fails with the checkpoint's path if one is missing or broken.
"""

import logging

import torch
from flask import Flask

from backend import admission, config, cors, errors, metrics, request_input
from backend.loading import load_models


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["TORCH_THREADS"]:
        torch.set_num_threads(app.config["TORCH_THREADS"])

    cors.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)  # before request_input: its refusals are counted too
    request_input.init_app(app)
    admission.init_app(app)
    app.extensions["gan_studio_models"] = load_models(
        app.config["MODELS"], app.config["BATCH_WAIT_MS"], app.config["BATCH_MAX_IMAGES"],
        app.config["BATCH_MAX_QUEUED"])

    from backend.routes import api, seed

    app.register_blueprint(seed.blueprint)
    app.register_blueprint(api.blueprint)
    from backend.routes import interpolate, runs  # the page's Runs tab and morphing (issue 14)

    runs.init_app(app)
    interpolate.init_app(app)
    return app
