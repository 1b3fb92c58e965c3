"""What every route's schemas share: the error body, row ids, and the names of non-JSON bodies."""

PNG = "PNG"  # a schema name meaning "a PNG image", for slices and masks

ZIP = "ZIP"  # a schema name meaning "a zip archive", for downloads

BINARY = "BINARY"  # a schema name meaning "a file's raw bytes", for uploads

DICOM = "DICOM"  # a schema name meaning "a DICOM Part 10 file", for SEG and SR results

ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "description": "What went wrong and how to fix it."}},
}

ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}  # what an SQLite key can be: a larger id is a 400
