from django.urls import path

from ithaca.economics import views

urlpatterns = [
    path("reports/cost/", views.cost_report, name="economics-cost-report"),
]
