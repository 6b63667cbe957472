"""The pathway's clinical records. The names are fixed: the pathway page links to them."""

from django.urls import URLPattern, path

from ithaca.pathway import views_records as views

urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/pathway/assess/", views.assess, name="pathway-assess"),
    path("patients/<int:patient_id>/pathway/decision/", views.decision, name="pathway-decision"),
    path("patients/<int:patient_id>/pathway/trial/", views.trial, name="pathway-trial"),
    path(
        "patients/<int:patient_id>/pathway/trial/waive/",
        views.waive_trial,
        name="pathway-waive-trial",
    ),
    path("patients/<int:patient_id>/pathway/implant/", views.implant, name="pathway-implant"),
    path(
        "patients/<int:patient_id>/pathway/complication/",
        views.complication,
        name="pathway-complication",
    ),
    path("pathway/follow-ups/", views.follow_ups, name="pathway-follow-ups"),
    path(
        "pathway/follow-ups/<int:follow_up_id>/done/",
        views.follow_up_done,
        name="pathway-follow-up-done",
    ),
    path("pathway/trials/<int:trial_id>/", views.trial_detail, name="pathway-trial-detail"),
    path(
        "pathway/assessments/<int:assessment_id>/",
        views.assessment_detail,
        name="pathway-assessment",
    ),
]
