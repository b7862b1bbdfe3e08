from django.apps import AppConfig


class RateLimitConfig(AppConfig):
    name = "argmap.ratelimit"
    label = "ratelimit"
