"""Mass IDE: a browser IDE for medical AI on your own machine.

Importing this package is cheap: it pulls in neither Jupyter, torch nor MONAI.
The Python API lives in :mod:`mass_ide.core`; the JupyterLab server extension in
:mod:`mass_ide.server` and is loaded only by Jupyter.
"""

__version__ = "0.1.0"


def _jupyter_server_extension_points():
    """Tell jupyter_server where the extension app is."""
    from mass_ide.server.app import MassIDEApp

    return [{"module": "mass_ide", "app": MassIDEApp}]


def _jupyter_labextension_paths():
    """Tell JupyterLab where the prebuilt frontend is (used by `labextension develop`)."""
    return [{"src": "labextension", "dest": "mass-ide"}]
