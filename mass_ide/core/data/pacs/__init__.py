"""The hospital's PACS: configured nodes, connection checks, search, and retrieval into a de-identified dataset.

DICOMweb through dicomweb-client and DIMSE through pynetdicom; no protocol code of our own.
Nothing a PACS answers about patients is written to the workspace, the logs or the audit
log: only what the de-identifying importer keeps, and hashed UIDs.
"""
