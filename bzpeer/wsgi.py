"""WSGI entry point (gunicorn bzpeer.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
application = get_wsgi_application()
