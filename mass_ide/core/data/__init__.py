"""Data importers: tables, images, NIfTI volumes and DICOM series into a staging folder.

Pure Python with numpy, Pillow, nibabel and pydicom; no database and no HTTP. The
entry point is :func:`mass_ide.core.data.importers.import_source`.
"""
