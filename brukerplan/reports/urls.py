from django.urls import path, re_path

from brukerplan.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:scope>/<int:year>/", views.dashboard, name="dashboard"),
    re_path(
        r"^(?P<scope>[-\w]+)/(?P<year>[0-9]{4})\.(?P<format>pdf|pptx|xlsx)$",
        views.download,
        name="download",
    ),
]
