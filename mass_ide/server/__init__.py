"""The Jupyter server extension: a thin REST layer over :mod:`mass_ide.core`."""
