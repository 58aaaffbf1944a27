"""ASGI entry point. RTR is served with gunicorn (WSGI); this exists for tooling."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtr.settings.base")

application = get_asgi_application()
