from django.urls import path

from brukerplan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("logg-inn/", views.LoginView.as_view(), name="login"),
    path("logg-ut/", views.LogoutView.as_view(), name="logout"),
    path("invitasjon/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path("invitasjon/ferdig/", views.InvitationDoneView.as_view(), name="invitation_done"),
]
