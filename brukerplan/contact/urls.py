from django.urls import path

from brukerplan.contact import views

app_name = "contact"

urlpatterns = [
    path("kommune/<str:code>/", views.municipality_overview, name="overview"),
    path("kommune/<str:code>/dubletter/", views.choose_duplicate, name="choose_duplicate"),
    path("kommune/<str:code>/enheter/", views.units, name="units"),
    path(
        "kommune/<str:code>/enheter/<int:unit_id>/aktiv/",
        views.set_unit_active,
        name="set_unit_active",
    ),
    path("kommune/<str:code>/kartleggere/inviter/", views.invite_mapper, name="invite_mapper"),
    path(
        "kommune/<str:code>/invitasjoner/<int:invitation_id>/trekk-tilbake/",
        views.withdraw_invitation,
        name="withdraw_invitation",
    ),
    path(
        "kommune/<str:code>/kartleggere/<int:membership_id>/deaktiver/",
        views.deactivate_mapper,
        name="deactivate_mapper",
    ),
]
