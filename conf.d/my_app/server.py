"""A small Flask app, laid out the usual way: the app factory lives here."""
import os

from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def index():
        return {"app": "my_app", "pid": os.getpid(),
                "instance": os.environ.get("SUPERVISOR_PROCESS_NAME", "")}

    @app.route("/health")
    def health():
        return "ok\n"

    return app
