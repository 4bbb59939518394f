"""Every error is JSON: 4xx with a message for bad input, 500 with an id to find in the log."""

import logging
import uuid

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from backend.admission import Busy
from backend.batching import QueueFull

log = logging.getLogger("backend")


class BadRequest(Exception):
    """Bad input: answered 400 (or `status`) with `{key: message}`."""

    def __init__(self, message: str, status: int = 400, key: str = "error"):
        super().__init__(message)
        self.message, self.status, self.key = message, status, key


class ModelUnavailable(BadRequest):
    def __init__(self, what: str):
        super().__init__(f"The {what} model is not loaded on this server.", status=503)


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(error: BadRequest):
        return jsonify({error.key: error.message}), error.status

    @app.errorhandler(QueueFull)
    def queue_full(error: QueueFull):
        response = jsonify({"error": f"The server is busy: {error} Try again in a second."})
        response.headers["Retry-After"] = "1"
        return response, 503

    @app.errorhandler(Busy)
    def busy(error: Busy):
        response = jsonify({"error": f"The server is busy: {error} Try again in {error.retry_after_s} s."})
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response, 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = jsonify({"error": f"{error.name}: {error.description}"})
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, error.code

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        error_id = uuid.uuid4().hex[:12]
        log.exception("request failed, error id %s", error_id)
        return jsonify({"error": "Internal error while generating; the server keeps running.",
                        "error_id": error_id}), 500
