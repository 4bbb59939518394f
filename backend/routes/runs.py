"""GET /api/runs...: the training run folders under each model's `saved/`, read-only, for the Runs tab."""

import os

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from backend import validation
from backend.run_folders import RunFolders, roots_from_env

blueprint = Blueprint("runs", __name__, url_prefix="/api/runs")


def init_app(app: Flask) -> None:
    """RUN_FOLDERS (model -> folder) from the test config, else GAN_STUDIO_RUNS, else each model's saved/."""
    roots = app.config.get("RUN_FOLDERS") or roots_from_env(os.environ.get("GAN_STUDIO_RUNS"))
    app.extensions["gan_studio_runs"] = RunFolders(roots)
    app.register_blueprint(blueprint)


def _runs() -> RunFolders:
    return current_app.extensions["gan_studio_runs"]


@blueprint.get("")
def list_runs():
    return jsonify({"runs": _runs().runs(), "models": list(_runs().roots)})


@blueprint.get("/<model>/<run>")
def run_detail(model: str, run: str):
    since = validation.integer(request.args.get("since"), "since", 0, 10**9, default=0)
    detail = _runs().detail(model, run, since)
    if detail is None:
        abort(404, description=f"No run {model[:40]!r}/{run[:60]!r}.")
    response = jsonify(detail)
    response.headers["Cache-Control"] = "no-store"  # it changes while the run trains
    return response


@blueprint.get("/<model>/<run>/samples/<epoch>.png")
def run_sample(model: str, run: str, epoch: str):
    png = _runs().sample(model, run, int(epoch)) if epoch.isascii() and epoch.isdigit() and len(epoch) <= 6 else None
    if png is None:
        abort(404, description=f"No sample grid for epoch {epoch[:8]!r} of {model[:40]!r}/{run[:60]!r}.")
    response = Response(png, mimetype="image/png")
    response.cache_control.max_age = 3600  # an epoch's grid never changes
    return response
