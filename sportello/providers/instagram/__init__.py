"""The Instagram channel (direct messages of a professional account)."""
