"""ithaca: intrathecal drug delivery (IDDS) therapy support for refractory cancer pain."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ithaca")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
