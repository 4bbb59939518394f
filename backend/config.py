"""Settings with defaults, each overridable by an environment variable of the same name."""

import os

from backend.admission import DEFAULT_LIMITS
from backend.registry import entry_named, shipped_checkpoints

# name -> shipped checkpoint, from the registry; every listed model is loaded once at start-up, or start-up
# fails naming the file.
SHIPPED_MODELS = shipped_checkpoints()


def _models_from_env() -> dict[str, str]:
    """GAN_STUDIO_MODELS="name=path,name=path" replaces the list; a bare registry name keeps its shipped path.

    Without it, every shipped checkpoint present in the repo is served (a model still in training has
    none yet, and its tab says so). A listed checkpoint that is missing or broken stops start-up.
    """
    spec = os.environ.get("GAN_STUDIO_MODELS", "").strip()
    if not spec:
        return {name: str(path) for name, path in shipped_checkpoints().items() if path.is_file()}
    models = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, path = item.partition("=")
        entry = entry_named(name)
        if not path and entry is None:
            raise ValueError(f"GAN_STUDIO_MODELS names {name!r}, which has no shipped checkpoint: use name=path")
        models[name] = path or str(entry.checkpoint)
    return models


def from_environment() -> dict:
    return {
        "MODELS": _models_from_env(),
        # Other origins allowed to call the API from a browser (see backend/cors.py); none by default, as the
        # page and the API share an origin behind nginx. `make run` lists its page's; "*" for development only.
        "CORS_ORIGINS": [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()],
        "MAX_PROMPT_CHARS": int(os.environ.get("MAX_PROMPT_CHARS", "200")),
        "MAX_IMAGES": 16,
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_BYTES", str(4 * 2**20))),
        "MAX_UPLOAD_PIXELS": int(os.environ.get("MAX_UPLOAD_PIXELS", str(1024 * 1024))),
        # Forms, URL-encoded or multipart (Flask's own names; request_input applies them to URL-encoded bodies
        # too): the fields' bytes (files apart) and the number of fields. /mnist sends two small fields.
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_BYTES", str(64 * 2**10))),
        "MAX_FORM_PARTS": int(os.environ.get("MAX_FORM_FIELDS", "32")),
        # Micro-batching: requests arriving within this window share one generator forward pass.
        "BATCH_WAIT_MS": float(os.environ.get("BATCH_WAIT_MS", "5")),
        "BATCH_MAX_IMAGES": int(os.environ.get("BATCH_MAX_IMAGES", "64")),
        # Images allowed to wait for a forward pass, per worker; past it a request gets 503 and Retry-After.
        "BATCH_MAX_QUEUED": int(os.environ.get("BATCH_MAX_QUEUED", "96")),
        # Heavy routes, per worker (backend/admission.py): name=running:waiting; all heavy requests together hold
        # at most HEAVY_MAX_THREADS threads (gunicorn's 8 less 2 kept for health and light requests); a request
        # waits at most HEAVY_WAIT_S for its turn. Past either: 503 with Retry-After.
        "HEAVY_LIMITS": os.environ.get("HEAVY_LIMITS", DEFAULT_LIMITS),
        "HEAVY_MAX_THREADS": int(os.environ.get("HEAVY_MAX_THREADS", "6")),
        "HEAVY_WAIT_S": float(os.environ.get("HEAVY_WAIT_S", "30")),
        # 0: torch's default, a thread per core. On 2 cores that serves 2x the images/s of 1 thread at
        # concurrency 16 (`python -m tools.benchmark --torch_threads=1|2`); set 1 when several workers share a CPU.
        "TORCH_THREADS": int(os.environ.get("TORCH_THREADS", "0")),
    }
