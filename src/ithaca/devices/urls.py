"""Pumps, programs and refills. Mounted at the site root by ithaca.web.urls."""

from django.urls import path

from ithaca.devices import views_devices, views_programs, views_refills

app_name = "devices"

urlpatterns = [
    path("patients/<int:patient_id>/devices/new/", views_devices.device_new, name="register"),
    path("devices/<int:device_id>/", views_devices.device_detail, name="detail"),
    path("devices/<int:device_id>/events/new/", views_devices.device_event, name="event"),
    path("devices/<int:device_id>/programs/new/", views_programs.program_new, name="program-new"),
    path("programs/<int:program_id>/", views_programs.program_detail, name="program"),
    path("devices/<int:device_id>/refills/new/", views_refills.refill_new, name="refill-new"),
    path(
        "devices/<int:device_id>/worksheet.pdf",
        views_refills.blank_worksheet_pdf,
        name="blank-worksheet",
    ),
    path("refills/<int:refill_id>/", views_refills.refill_detail, name="refill"),
    path("refills/<int:refill_id>/worksheet.pdf", views_refills.refill_pdf, name="refill-pdf"),
]
