"""A tiny, safe parser for target conditions such as ``stage == 4`` or ``diagnosis == malignant``.

The grammar is ``<column> <op> <value>``: ``op`` is one of ``== != < <= > >=``,
``value`` a number or a word (quotes optional). Nothing is ever evaluated.
"""

import operator
import re
from dataclasses import dataclass

from mass_ide.core.data.tables import as_number
from mass_ide.core.errors import InvalidInput

OPERATORS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
             "<": operator.lt, ">": operator.gt}
PATTERN = re.compile(r"^\s*(?P<column>.+?)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.+?)\s*$")
QUOTES = ("'", '"', "`")


def _unquote(text: str) -> tuple[str, bool]:
    """The text without matching surrounding quotes, and whether it had them."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in QUOTES:
        return text[1:-1], True
    return text, False


@dataclass(frozen=True)
class Condition:
    """A parsed ``<column> <op> <value>`` test on one table cell."""

    column: str
    op: str
    value: float | str
    text: str

    def test(self, cell: str) -> bool:
        """Whether the (non-missing) cell meets the condition."""
        compare = OPERATORS[self.op]
        if isinstance(self.value, float):
            number = as_number(cell)
            if number is None:
                raise InvalidInput(f"{self.text!r} compares {self.column!r} with a number, "
                                   f"but one of its values is {cell!r}")
            return compare(number, self.value)
        return compare(str(cell).strip().casefold(), self.value.casefold())


def parse_condition(text: str) -> Condition:
    """Parse ``text`` into a :class:`Condition`, or :class:`InvalidInput` saying how it should look."""
    match = PATTERN.match(str(text or ""))
    if not match:
        raise InvalidInput(f"cannot read the condition {text!r}; write it as '<column> <op> <value>', "
                           "e.g. 'stage == 4' or 'diagnosis == malignant'")
    column, _ = _unquote(match["column"])
    raw, quoted = _unquote(match["value"])
    value: float | str = raw if quoted else (as_number(raw) if as_number(raw) is not None else raw)
    if isinstance(value, str) and match["op"] not in ("==", "!="):
        raise InvalidInput(f"{text!r} orders text with {match['op']}; text can only be compared with == or !=")
    if not column or not str(value):
        raise InvalidInput(f"the condition {text!r} needs a column and a value")
    return Condition(column=column, op=match["op"], value=value, text=str(text).strip())
