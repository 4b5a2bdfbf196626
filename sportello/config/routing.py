"""Every websocket route, beside the HTTP application (``asgi.py``).

Each interface app lists its own routes in its ``routing.py``; add a line here for a new
one. Each route wraps its own checks (origin, sign-in).
"""

from sportello.providers.webchat.routing import websocket_urlpatterns as webchat_routes
from sportello.web.routing import websocket_urlpatterns as web_routes

websocket_urlpatterns = [
    *web_routes,
    *webchat_routes,
]
