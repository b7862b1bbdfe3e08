#!/usr/bin/env python
import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")
    if development_checkout():
        # `.venv/bin/python manage.py …` from a checkout works as the README shows it.
        os.environ["DJANGO_DEBUG"] = "1"
    if sys.argv[1:2] != ["runserver"]:
        # A command is not a request: a migration on a million rows or an export takes what
        # it takes, and whoever runs it watches it (argmap.lib.database bounds requests).
        os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
        os.environ.setdefault("DATABASE_LOCK_TIMEOUT", "0")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A configuration mistake deserves one readable line, not a traceback.
        sys.exit(f"argmap: configuration error: {error}")


def development_checkout() -> bool:
    """Nothing says otherwise and this is a git checkout: a developer's machine.

    Production sets DJANGO_DEBUG=0 and a secret key; either one turns this off, and
    wsgi.py/asgi.py never default to development.
    """
    unset = "DJANGO_DEBUG" not in os.environ and "DJANGO_SECRET_KEY" not in os.environ
    return unset and (Path(__file__).resolve().parent / ".git").exists()


if __name__ == "__main__":
    main()
