from django.urls import path

from brukerplan.governance import views

app_name = "governance"

urlpatterns = [
    path("rettslig-grunnlag/", views.legal_basis_page, name="legal_basis"),
    path("rettslig-grunnlag/endre/", views.set_legal_basis, name="set_legal_basis"),
    path("kommune/<str:code>/reservasjon/", views.reservation, name="reservation"),
    path("perioder/", views.periods, name="periods"),
    path("fylke/<str:code>/<int:year>/dubletter/", views.county_duplicates, name="duplicates"),
    path("fylke/<str:code>/<int:year>/periode/", views.period, name="period"),
]
