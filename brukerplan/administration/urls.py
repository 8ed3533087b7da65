from django.urls import path

from brukerplan.administration import views

app_name = "administration"

urlpatterns = [
    path("logg/", views.audit_log, name="audit_log"),
    path("logg.csv", views.audit_log_csv, name="audit_log_csv"),
    path("brukere/", views.staff, name="staff"),
    path("brukere/inviter/", views.invite_staff, name="invite_staff"),
    path("brukere/<int:membership_id>/deaktiver/", views.deactivate_staff, name="deactivate_staff"),
    path("fylke/<str:code>/kontaktpersoner/", views.contacts, name="contacts"),
    path("fylke/<str:code>/kontaktpersoner/inviter/", views.invite_contact, name="invite_contact"),
    path(
        "fylke/<str:code>/kontaktpersoner/<int:membership_id>/deaktiver/",
        views.deactivate_contact,
        name="deactivate_contact",
    ),
]
