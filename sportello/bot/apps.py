from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "sportello.bot"
    label = "bot"
    verbose_name = "Bot"
