"""The family pages (portal, invitations, education) and the team's invitation pages."""

from django.urls import path

from ithaca.family import views_learn, views_portal, views_team

app_name = "family"
urlpatterns = [
    path("portal/", views_portal.portal, name="portal"),
    path("portal/<int:patient_id>/", views_portal.portal_patient, name="portal-patient"),
    path("invite/<str:token>/", views_portal.accept_invitation, name="accept"),
    path("learn/", views_learn.learn_index, name="learn"),
    path("learn/<slug:slug>/", views_learn.learn_page, name="learn-page"),
    path("learn/<slug:slug>/leaflet.pdf", views_learn.leaflet_pdf, name="leaflet"),
    path("family/", views_team.overview, name="team"),
    path("patients/<int:patient_id>/family/", views_team.patient_family, name="patient-family"),
    path("family/invitations/<int:invitation_id>/revoke/", views_team.revoke, name="revoke"),
    path("family/links/<int:link_id>/remove/", views_team.remove_link, name="remove-link"),
]
