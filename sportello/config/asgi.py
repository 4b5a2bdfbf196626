"""The application uvicorn serves: Django's WSGI handler on a fixed pool of threads.

Django's own ASGI handler runs every sync view in a new thread per request, so each
request opened a new database connection with a cold cache, and paid three thread hops
through the sync middleware. Served through ``threaded_wsgi`` the same Django code runs on
``SPORTELLO_WEB_THREADS`` long-lived threads, each keeping its connection, with one
hand-over between the event loop and the thread a request (docs/adr/0006, 0009).
Protocols that need ASGI (websockets for live chat) can be routed beside it here.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from sportello.config.threaded_wsgi import ThreadedWSGI
from sportello.language.detection import load_model

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
application = ThreadedWSGI(get_wsgi_application(), workers=settings.WEB_THREADS)

# Each web process (uvicorn's --workers start their own) loads the language model before
# its first request rather than inside the first inbound message's transaction.
load_model()

# --- webchat branch: the widget's websocket beside the HTTP application. The realtime
# branch's ProtocolTypeRouter supersedes this block: merge webchat's
# ``websocket_urlpatterns`` into its URLRouter. ---
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from sportello.providers.webchat.routing import websocket_urlpatterns  # noqa: E402

http_application = application
application = ProtocolTypeRouter(  # type: ignore[assignment]
    {"http": http_application, "websocket": URLRouter(websocket_urlpatterns)}
)
