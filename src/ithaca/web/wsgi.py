"""WSGI entry point for ithaca's web application."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ithaca.web.settings")
application = get_wsgi_application()
