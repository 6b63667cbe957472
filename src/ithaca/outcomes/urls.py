from django.urls import path

from ithaca.outcomes import views, views_records

app_name = "outcomes"

urlpatterns = [
    path("reports/", views_records.hub, name="hub"),
    path("reports/outcomes/", views.report_page, name="report"),
    path("reports/outcomes.pdf", views.report_pdf, name="report-pdf"),
    path("reports/outcomes/patients/<int:patient_id>/", views.patient_page, name="patient"),
    path("reports/export/", views.export_page, name="export"),
    path("reports/instruments/", views_records.instruments, name="instruments"),
    path("patients/<int:patient_id>/outcomes/record/", views_records.record, name="record"),
]
