"""URLs; views are added by the work that builds them."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
