"""The application uvicorn serves: HTTP on a thread pool, websockets beside it.

HTTP is Django's WSGI handler on a fixed pool of threads. Django's own ASGI handler runs
every sync view in a new thread per request, so each request opened a new database
connection with a cold cache, and paid three thread hops through the sync middleware.
Served through ``threaded_wsgi`` the same Django code runs on ``SPORTELLO_WEB_THREADS``
long-lived threads, each keeping its connection, with one hand-over between the event loop
and the thread a request (docs/adr/0006, 0009). The router passes HTTP scopes to it
untouched.

Websockets (the agent pages' live notifications, later the chat widget) are Channels
consumers on the event loop (``routing.py``): the agents' signed in by the session cookie,
from this site's origins only (docs/adr/0019); the chat widget's, from the sites its channel
allows, by the visitor's token (docs/architecture/webchat.md).
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from sportello.config.threaded_wsgi import ThreadedWSGI
from sportello.language.detection import load_model

http_application = ThreadedWSGI(get_wsgi_application(), workers=settings.WEB_THREADS)

from sportello.config.routing import websocket_urlpatterns  # noqa: E402
from sportello.sla.hours import load_holidays  # noqa: E402
from sportello.sla.models import DEFAULT_COUNTRY  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "lifespan": http_application,
        # Each route brings its own checks: the agents' socket takes this site's origins
        # and a session; the chat widget's, its channel's allowed origins and a visitor token.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

# Each web process (uvicorn's --workers start their own) loads the language model and the
# holiday tables before its first request rather than inside the first inbound message's
# transaction.
load_model()
load_holidays(DEFAULT_COUNTRY)

# What the process loaded to start (Django, the apps, the models, the language model, the
# holiday tables) lives as long as it does: frozen out of the garbage collector's view, so
# a full collection walks only what requests made since. Unfrozen, each full collection
# walked all of it, a pause of 100-200 ms that every open socket waited out
# (``bench/chat.py``: the p99 of the 10 s that held one went from ~30 to ~230 ms).
gc.freeze()
#
# What is left for a full collection is what the open sockets hold: about 200 objects each
# (uvicorn's protocol, the consumer, their tasks and queues), 200k at 1,000 widgets, which
# takes 120-180 ms to walk while every socket waits. Python starts one after every 10th
# middle collection once the objects grew by a quarter since the last, so while sockets
# connect that was every second or two: six in the first 10 s of ``bench/chat.py``, 300 ms
# of pauses when the server is busiest. After every 100th instead, about once every minute
# and a half at 100 chat messages a second; cycles left by closed sockets wait that long.
gc.set_threshold(700, 10, 100)
