"""ipywidgets for notebooks, over the same store as the JupyterLab panels."""

from mass_ide.widgets.annotator import Annotator

__all__ = ["Annotator"]
