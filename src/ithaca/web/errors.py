"""Error pages in the ithaca layout, never a traceback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You may not see this page."
    return render(
        request, "ithaca/error.html", {"title": "Not allowed", "message": message}, status=403
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "ithaca/error.html",
        {"title": "Not found", "message": "There is nothing at this address."},
        status=404,
    )
