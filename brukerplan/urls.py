from django.contrib import admin
from django.urls import include, path

from brukerplan.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="index"),
    path("konto/", include("brukerplan.accounts.urls")),
    path("", include("brukerplan.registrations.urls")),
    path("", include("brukerplan.contact.urls")),
    path("styring/", include("brukerplan.governance.urls")),
    path("rapporter/", include("brukerplan.reports.urls")),
    path("administrasjon/", include("brukerplan.administration.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "brukerplan.accounts.views.permission_denied"
handler404 = "brukerplan.accounts.views.not_found"
