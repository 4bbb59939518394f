"""Development server: `python -m backend` (HOST, default 127.0.0.1; PORT, default 5000).

Production uses gunicorn with its settings file (2 preloaded workers, slow clients hold no thread, access log):
`gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'`. This server is for development only: a slow
client holds one of its threads.
"""

import os

from backend import create_app

if __name__ == "__main__":
    create_app().run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                     threaded=True, debug=False)
