"""Tables in memory, as the cleaning recipes and the quality report read them from an imported ``table.csv``."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from mass_ide.core.errors import InvalidInput


@dataclass
class Table:
    """A table in memory: column names and rows of text, numbers or None (missing).

    ``origins``: for each row, the number (from 0) of the row it came from in the table first read.
    """

    columns: list[str]
    rows: list[list]
    origins: list[int] = field(default_factory=list)

    def derive(self, rows: list[list], *, columns: list[str] | None = None, kept: list[int] | None = None) -> "Table":
        """A changed copy: ``rows`` come from this table's rows (all of them in order, or those at ``kept``)."""
        origins = self.origins or list(range(len(self.rows)))
        return Table(list(columns if columns is not None else self.columns), rows,
                     origins if kept is None else [origins[i] for i in kept])

    def column_index(self, name: str) -> int:
        """The position of column ``name`` (400 when there is none)."""
        if name not in self.columns:
            raise InvalidInput(f"there is no column {name!r}; the columns are: {', '.join(self.columns)}")
        return self.columns.index(name)

    def chosen(self, names: list[str] | None) -> list[int]:
        """Positions of the named columns, or of every column when none are named."""
        return [self.column_index(name) for name in names] if names else list(range(len(self.columns)))


def read_table(path: Path) -> Table:
    """A ``table.csv`` written by the importer: empty cells are missing values."""
    with path.open(newline="", encoding="utf-8") as stream:
        header, *rows = csv.reader(stream)
    return Table(header, [[value if value != "" else None for value in row] for row in rows], list(range(len(rows))))


def write_table(table: Table, path: Path) -> None:
    """Write a table as UTF-8 CSV (missing values as empty cells)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(table.columns)
        writer.writerows([["" if value is None else value for value in row] for row in table.rows])


def as_number(value) -> float | None:
    """A cell as a float (a decimal comma read as a point), or None when it is missing or not a number (NaN too)."""
    if value is None:
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return None if number != number else number
