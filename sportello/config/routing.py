"""Every websocket route, beside the HTTP application (``asgi.py``).

Each interface app lists its own routes in its ``routing.py``; add a line here for a new
one (the chat widget's consumers go in portal's).
"""

from sportello.web.routing import websocket_urlpatterns as web_routes

websocket_urlpatterns = [
    *web_routes,
]
