"""Safety surveillance pages. Mounted at the site root by ithaca.web.urls."""

from django.urls import path

from ithaca.safety import views

app_name = "safety"

urlpatterns = [
    path("reports/safety/", views.safety_report, name="report"),
    path(
        "devices/<int:device_id>/control-chart/",
        views.device_control_chart,
        name="device-chart",
    ),
    path(
        "patients/<int:patient_id>/control-chart/",
        views.patient_control_chart,
        name="patient-chart",
    ),
    path("reports/incident/<int:complication_id>/", views.incident, name="incident"),
    path(
        "reports/incident/<int:complication_id>/incident.pdf",
        views.incident_pdf_view,
        name="incident-pdf",
    ),
]
