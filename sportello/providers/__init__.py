"""Channel providers: one package each, each a small Django app that declares its channel
kind in ``sportello.channels.registry`` from its ``ready()``. Its line in INSTALLED_APPS is
the one line that adds a kind (docs/architecture/how-to-add-a-channel-provider.md)."""
