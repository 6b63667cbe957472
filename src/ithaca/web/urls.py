"""URLs: each app owns its own; the project only mounts them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from ithaca.web import library_views
from ithaca.web.health import health
from ithaca.web.home import home

urlpatterns = [
    path("", RedirectView.as_view(url="/home/", permanent=False)),
    path("home/", home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="ithaca/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("library/", library_views.library_page, name="library"),
    path("library/withdraw/", library_views.library_withdraw, name="library-withdraw"),
    path("", include("ithaca.web.dashboard_urls")),
    path("patients/", include("ithaca.patients.urls")),
    path("", include("ithaca.devices.urls")),
    path("", include("ithaca.pathway.urls")),
    path("", include("ithaca.family.urls")),
    path("", include("ithaca.decisionaid.urls")),
    path("", include("ithaca.outcomes.urls")),
    path("", include("ithaca.safety.urls")),
    path("", include("ithaca.economics.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler403 = "ithaca.web.errors.forbidden"
handler404 = "ithaca.web.errors.not_found"
