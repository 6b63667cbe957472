"""The pathway's pages: the moves and worklists (urls_flow), and the clinical records
that make the moves (urls_records)."""

from ithaca.pathway.urls_flow import urlpatterns as flow
from ithaca.pathway.urls_records import urlpatterns as records

urlpatterns = [*flow, *records]
