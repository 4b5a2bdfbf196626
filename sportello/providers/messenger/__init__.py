"""The Facebook Messenger channel (a Page's conversations)."""
