"""Development server: `python -m backend` (HOST, default 127.0.0.1; PORT, default 5000).

Production uses gunicorn: `gunicorn -b 0.0.0.0:5000 'backend:create_app()'`.
"""

import os

from backend import create_app

if __name__ == "__main__":
    create_app().run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                     threaded=True, debug=False)
