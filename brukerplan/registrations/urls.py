from django.urls import path

from brukerplan.registrations import views

app_name = "registrations"

urlpatterns = [
    path("enhet/<int:unit_id>/", views.unit_registrations, name="unit"),
    path("enhet/<int:unit_id>/ny/", views.start, name="start"),
    path("kartlegging/<str:registrering_id>/", views.registration_form, name="form"),
    path("kartlegging/<str:registrering_id>/lagre/", views.autosave, name="autosave"),
    path("kartlegging/<str:registrering_id>/sendt/", views.submitted, name="submitted"),
    path("kartlegging/<str:registrering_id>/slett/", views.delete, name="delete"),
]
