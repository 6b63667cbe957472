"""Money: an exact Decimal amount with its ISO 4217 currency code.

Why not a float: a cost model adds hundreds of small amounts, and a float sum drifts. Why a
currency on every amount: published figures are US dollars and a clinic's are its own
currency; adding one to the other is an error, not a conversion ithaca may guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.quantities import format_decimal, round_to

CURRENCY_CODE = re.compile(r"[A-Z]{3}")
SHOWN_PLACES = 2  # amounts are kept exact and shown to two decimal places


class CurrencyMismatch(ClinicalError, ValueError):
    """Two amounts in different currencies met in one sum."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(first, second)
        self.first = first
        self.second = second

    def __str__(self) -> str:
        return (
            f"an amount in {self.first} cannot be added to one in {self.second}: ithaca "
            "never converts currencies"
        )


def is_currency_code(text: str) -> bool:
    return CURRENCY_CODE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise TypeError(f"Money needs a finite Decimal amount, not {self.amount!r}")
        if not is_currency_code(self.currency):
            raise ValueError(f"'{self.currency}' is not an ISO 4217 code such as GBP or USD")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money is multiplied by an exact number, never a float")
        return Money(self.amount * factor, self.currency)

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def shown(self) -> str:
        """'GBP 12,345.68': rounded half-even to two places for display only."""
        rounded = round_to(self.amount, SHOWN_PLACES)
        sign = "-" if rounded < 0 else ""
        whole, _, cents = format_decimal(abs(rounded)).partition(".")
        return f"{self.currency} {sign}{int(whole):,}.{cents.ljust(SHOWN_PLACES, '0')}"

    def __str__(self) -> str:
        return self.shown()
