"""The package version, in one place (the manifest and `brief --version` read it)."""

__version__ = "0.1.0"
