from django.urls import path

from brukerplan.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("logg-inn/", views.LoginView.as_view(), name="login"),
    path("logg-ut/", views.LogoutView.as_view(), name="logout"),
    path("oidc/logg-inn/", oidc.LoginView.as_view(), name="oidc_login"),
    path("oidc/tilbake/", oidc.CallbackView.as_view(), name="oidc_callback"),
    path("oidc/avvist/", views.oidc_refused, name="oidc_refused"),
    path("tofaktor/", views.second_factor_verify, name="second_factor"),
    path("tofaktor/ny/", views.second_factor_setup, name="second_factor_setup"),
    path("passord/", views.PasswordChangeView.as_view(), name="password_change"),
    path("passord/endret/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("glemt-passord/", views.PasswordResetView.as_view(), name="password_reset"),
    path("glemt-passord/sendt/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "glemt-passord/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "glemt-passord/ferdig/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Fixed paths before the token's, which would otherwise match them.
    path("invitasjon/velg-passord/", views.invitation_password, name="invitation_password"),
    path("invitasjon/godta/", views.invitation_accept, name="invitation_accept"),
    path("invitasjon/ferdig/", views.invitation_done, name="invitation_done"),
    path("invitasjon/<str:token>/", views.invitation, name="invitation"),
]
