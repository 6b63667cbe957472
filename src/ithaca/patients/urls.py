"""Patient pages, mounted at /patients/."""

from django.urls import path

from ithaca.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.register, name="register"),
    path("<int:patient_id>/", views.detail, name="detail"),
    path("<int:patient_id>/edit/", views.edit, name="edit"),
    path("<int:patient_id>/pain-scores/", views.add_pain_score, name="add-pain-score"),
    path("<int:patient_id>/contacts/", views.add_contact, name="add-contact"),
    path("<int:patient_id>/regimen/", views.add_regimen_item, name="add-regimen-item"),
    path(
        "<int:patient_id>/regimen/<int:item_id>/stop/",
        views.stop_regimen_item,
        name="stop-regimen-item",
    ),
]
