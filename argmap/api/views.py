from django.http import HttpRequest, HttpResponse

from argmap.lib.problems import problem


def unknown_address(request: HttpRequest) -> HttpResponse:
    """404 in the API's one error shape, for an address no operation serves."""
    return problem(404, "No API resource at this address; see /api/v1/docs.")
