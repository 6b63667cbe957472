"""The clinical core: pure functions and frozen values.

Nothing here reads the clock, a database, a file or the network. Callers pass in the
library in force (``ithaca.clinical.catalogue.Catalogue``) and the dates that matter.
"""
