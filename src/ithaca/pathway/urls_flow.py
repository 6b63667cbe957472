"""The pathway's moves, its forms on the patient's pathway page, the referral, and the
worklists. The names are fixed: other pages link to them."""

from django.urls import URLPattern, path

from ithaca.pathway import views_flow as views

urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/pathway/", views.patient_pathway, name="pathway-patient"),
    path("patients/<int:patient_id>/pathway/move/", views.move, name="pathway-move"),
    path(
        "patients/<int:patient_id>/pathway/delay-note/",
        views.delay_note,
        name="pathway-delay-note",
    ),
    path(
        "patients/<int:patient_id>/pathway/side-effects/",
        views.side_effects,
        name="pathway-side-effects",
    ),
    path("patients/<int:patient_id>/pathway/refer/", views.refer, name="pathway-refer"),
    path("pathway/worklist/", views.worklist, name="pathway-worklist"),
    path("pathway/delays/", views.delay_overview, name="pathway-delays"),
]
