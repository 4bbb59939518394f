"""Seed 001's entry point: `python3 -m flask --app backend/app run -p 3000` from the repository root.

Flask's command line imports this module and, finding no app in it, calls `create_app()` (the factory it
looks for by name), so importing the module loads no model; gunicorn and `python -m backend` start the
same factory.
"""

from backend import create_app

__all__ = ["create_app"]
