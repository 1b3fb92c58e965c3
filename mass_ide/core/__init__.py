"""The pure-Python core of Mass IDE: no tornado, no jupyter_server, no eager torch.

Everything the panels, the notebooks and the ``mass-ide`` command line do goes
through these modules, over one :class:`~mass_ide.core.workspace.Workspace`.
"""
