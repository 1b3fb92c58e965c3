"""Tables of lab values (CSV, TSV, TXT) into a normalised UTF-8, comma-separated ``table.csv``.

Every row becomes a record item whose meta holds the row's values by column,
as text: types and missing values are the cleaning recipe's business.
"""

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.errors import InvalidInput

TABLE_SUFFIXES = {".csv", ".tsv", ".txt"}
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = None  # split a .txt line on runs of spaces and tabs
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _counted(count: int, noun: str) -> str:
    """"1 column", "3 columns": a count with its noun in the right number."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def record_sha256(values: dict) -> str:
    """The SHA-256 of a record's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _encoding_problem(path: Path, *, name: str) -> InvalidInput:
    """An error that says where the file stops being UTF-8, what it looks like instead, and the fix."""
    fix = "open it and save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'), then import it again"
    with path.open("rb") as stream:
        start = stream.read(2)
        if start in UTF16_BOMS:
            return InvalidInput(f"{name} is saved as UTF-16 ('Unicode text'), not UTF-8; {fix}")
        if start == b"PK":
            return InvalidInput(f"{name} is a spreadsheet workbook (or another zip file), not a text table; {fix}")
        stream.seek(0)
        for number, line in enumerate(stream, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start]
                try:
                    line.decode("cp1252")
                    guess = "Windows-1252 (Western European, what Excel on Windows writes as 'CSV')"
                except UnicodeDecodeError:
                    guess = "a legacy 8-bit encoding such as ISO-8859-1"
                return InvalidInput(f"{name} is not UTF-8: line {number} has the byte 0x{byte:02X}; "
                                    f"it looks like {guess}; {fix}")
    return InvalidInput(f"{name} is not valid UTF-8; {fix}")


def _delimiter(header_line: str, *, suffix: str) -> str | None:
    """The field separator: tab for .tsv, else the likeliest one in the header line."""
    if suffix == ".tsv":
        return "\t"
    counts = {delimiter: header_line.count(delimiter) for delimiter in CANDIDATE_DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best]:
        return best
    return WHITESPACE if suffix == ".txt" else ","


def _rows(stream, *, delimiter: str | None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, values)`` for every row that is not blank."""
    if delimiter is WHITESPACE:
        for number, line in enumerate(stream, start=1):
            if values := line.split():
                yield number, values
        return
    reader = csv.reader(stream, delimiter=delimiter)
    for values in reader:
        if any(value.strip() for value in values):
            yield reader.line_num, values


def _columns(values: list[str], *, name: str) -> list[str]:
    """The header row's column names, each present and unique."""
    columns = [value.strip() for value in values]
    for index, column in enumerate(columns, start=1):
        if not column:
            raise InvalidInput(f"{name}: column {index} has no name in the header row; "
                               "give every column a name in the first line")
    duplicates = sorted({column for column in columns if columns.count(column) > 1})
    if duplicates:
        raise InvalidInput(f"{name}: the header row names {', '.join(map(repr, duplicates))} more than once; "
                           "give every column a different name")
    return columns


def import_table(path: Path, *, name: str, dest: Path) -> ImportReport:
    """Read one CSV/TSV/TXT file of lab values into ``dest/table.csv`` and one record per row."""
    items: list[ImportedItem] = []
    columns: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream, \
                (dest / "table.csv").open("w", encoding="utf-8", newline="") as out:
            delimiter = _delimiter(stream.readline(), suffix=path.suffix.lower())
            stream.seek(0)
            writer = csv.writer(out, lineterminator="\n")
            for line, values in _rows(stream, delimiter=delimiter):
                if not columns:
                    columns = _columns(values, name=name)
                    writer.writerow(columns)
                    continue
                if len(values) != len(columns):
                    raise InvalidInput(
                        f"{name}: row {len(items) + 1} (line {line}) has {_counted(len(values), 'value')} but "
                        f"the header has {_counted(len(columns), 'column')}; fix that row (a missing or extra "
                        "separator, or an unquoted separator inside a value)")
                writer.writerow(values)
                record = dict(zip(columns, values))
                items.append(ImportedItem(key=f"row-{len(items) + 1:06d}", kind="record", path=None,
                                          meta=record, sha256=record_sha256(record)))
    except UnicodeDecodeError:
        raise _encoding_problem(path, name=name) from None
    except csv.Error as error:
        raise InvalidInput(f"{name} cannot be read as a table ({error}); save it as a plain CSV file") from None
    if not columns:
        raise InvalidInput(f"{name} is empty; export the table with a header row and at least one row")
    if not items:
        raise InvalidInput(f"{name} has a header row but no data rows; export the table with its rows")
    return ImportReport(kind="tabular", items=items, columns=columns)
