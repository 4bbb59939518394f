"""Where things live. Every path is absolute, so scripts run from any working directory."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Installed npm data packages and the arrays the preparation step caches from them.
DATA_DIR = Path(os.environ.get("GAN_STUDIO_DATA", REPO_ROOT / "data")).resolve()
NPM_DIR = DATA_DIR / "node_modules"
CACHE_DIR = DATA_DIR / "cache"
# Small trained checkpoints shipped with the repo, one folder per model.
DEEP_LEARNING_DIR = REPO_ROOT / "deep_learning"


def model_dir(model: str) -> Path:
    """The folder of one model, e.g. `deep_learning/main_model`."""
    return DEEP_LEARNING_DIR / model
