"""Whole numbers from query parameters and form fields, never an exception."""


def whole_number(raw: str | None, digits: int = 9) -> int | None:
    """raw as a non-negative int, or None unless it is 1 to `digits` decimal digits.

    `str.isdecimal`, not `isdigit`: "²" is a digit that int() refuses.
    """
    if raw and raw.isdecimal() and len(raw) <= digits:
        return int(raw)
    return None
