from django.urls import path

from ithaca.decisionaid import views

app_name = "decisionaid"

urlpatterns = [
    path("patients/<int:patient_id>/decision-aid/", views.aid_page, name="aid"),
    path("decision-aid/<int:session_id>/", views.session_page, name="session"),
    path("decision-aid/<int:session_id>/summary.pdf", views.summary_pdf, name="summary"),
    path("patients/<int:patient_id>/caregiver-check-in/", views.checkin_page, name="checkin"),
]
