"""What an import produced: one :class:`ImportReport` with an :class:`ImportedItem` per record or file."""

from dataclasses import dataclass, field


@dataclass
class ImportedItem:
    """One record, image or volume written into the staging folder.

    ``key`` is unique in the dataset (``row-000001``, or a relative file path);
    ``path`` is the stored file relative to the staging folder (POSIX), None for
    records; ``sha256`` is of that file, or of a record's canonical JSON.
    """

    key: str
    kind: str
    path: str | None
    meta: dict
    sha256: str


@dataclass
class ImportReport:
    """The outcome of one import: its kind, its items and what the user should know."""

    kind: str
    items: list[ImportedItem]
    columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deidentification: dict = field(default_factory=dict)
    source_name: str = ""

    def to_json(self) -> dict:
        """A JSON-able summary (the items themselves are stored one by one)."""
        return {
            "kind": self.kind,
            "source_name": self.source_name,
            "items": len(self.items),
            "columns": list(self.columns),
            "warnings": list(self.warnings),
            "deidentification": dict(self.deidentification),
        }
