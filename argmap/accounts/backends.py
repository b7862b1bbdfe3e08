from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from argmap.ratelimit.limits import login_attempt


class RateLimitedModelBackend(ModelBackend):
    """Django's backend with every password check counted by one limiter.

    authenticate() is how the site's log-in, the admin's log-in and the password change
    check a password, so one limit covers them all. Past it, RateLimited propagates and
    the middleware answers 429 without checking the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        attempt = login_attempt(request, str(username))
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            attempt.succeeded()
        return user
