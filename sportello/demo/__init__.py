"""The demo: an Italian online shop's month of customer care, as data (``shop.toml``) and a
small loader that plays it through the real pipeline and actions (``sportello demo``)."""
