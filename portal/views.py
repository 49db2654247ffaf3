from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness probe for load balancers: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """/favicon.ico, for browsers and tools that ask for it instead of following the page's icon link."""
    return HttpResponsePermanentRedirect(static("portal/favicon.ico"))
