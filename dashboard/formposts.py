"""A form's address opened with GET (a reload after its answer, the address bar reopened, a
link shared): its page, never a blank "405 Method Not Allowed".

A form that answers its POST with a page (a plan, a form with its errors) leaves its own
address in the address bar; reopened, that address has nothing to show but the page the
form is on. :func:`post_only` sends a GET there (a path of this site, from ``reverse``: never
a redirect to anywhere else) and lets a POST through to the view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

View = Callable[..., HttpResponse]


def post_only(page: str, *keep: str) -> Callable[[View], View]:
    """A POST view whose GET (or HEAD) goes to the page named ``page`` (a URL name), given the
    URL's arguments named in ``keep`` (``"namespace"``, ``"pk"``)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(reverse(page, kwargs={k: kwargs[k] for k in keep}))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
