"""The clinic dashboard at /dashboard/."""

from django.urls import path

from ithaca.web import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
