"""The application uvicorn serves: Django's WSGI handler on a fixed pool of threads.

Django's own ASGI handler runs every sync view in a new thread per request, so each
request opened a new database connection with a cold cache, and paid three thread hops
through the sync middleware. Served through ``a2wsgi`` the same Django code runs on
``SPORTELLO_WEB_THREADS`` long-lived threads, each keeping its connection (docs/adr/0006).
Protocols that need ASGI (websockets for live chat) can be routed beside it here.
"""

import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
application = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)  # type: ignore[arg-type]
