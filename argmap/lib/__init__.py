"""Helpers that are not a domain: htmx responses, rate limiting, Markdown. No models here."""
