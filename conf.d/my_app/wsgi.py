"""WSGI entry point: gunicorn runs `wsgi:app`, never server.py directly."""
from server import create_app

app = create_app()
