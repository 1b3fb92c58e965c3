"""ipywidgets for notebooks, over the same store as the JupyterLab panels."""

from mass_ide.widgets.annotator import Annotator
from mass_ide.widgets.curves import LiveCurves
from mass_ide.widgets.deploy import DeployButton

__all__ = ["Annotator", "DeployButton", "LiveCurves"]
