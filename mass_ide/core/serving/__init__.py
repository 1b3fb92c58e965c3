"""Serving: load a registered model version, predict, batch requests, export for edge devices.

Importing this package imports no torch; :mod:`mass_ide.core.serving.predictor` does.
"""
