"""ipywidgets for notebooks, over the same store as the JupyterLab panels."""

from mass_ide.widgets.annotator import Annotator
from mass_ide.widgets.curves import LiveCurves

__all__ = ["Annotator", "LiveCurves"]
