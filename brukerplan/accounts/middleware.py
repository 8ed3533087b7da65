"""Headers Django does not set itself: no caching of pages with data, and a Permissions-Policy."""

from urllib.parse import urlsplit

from django.conf import settings

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if settings.OIDC_ISSUER:
            # «Logg ut» posts here and is sent on to the provider's logout: a form's
            # redirects are held to the page's form-action (django-csp adds to it).
            issuer = urlsplit(settings.OIDC_ISSUER)
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [f"{issuer.scheme}://{issuer.netloc}"]
            response._csp_update = update
        if not request.path.startswith("/static/"):
            # Pages may show registration data: never keep them in a shared or back-button cache.
            response.setdefault("Cache-Control", "no-store")
        return response
