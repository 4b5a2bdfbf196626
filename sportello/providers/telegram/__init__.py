"""The Telegram channel (a bot): webhook or polling in, Bot API out."""
