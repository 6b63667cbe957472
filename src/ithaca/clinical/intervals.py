"""Exact intervals for small counts, in pure Python: no scipy in the clinical core.

Rates (events per unit of exposure) use the exact Poisson interval of Garwood (1936):

    lower = G⁻¹(α/2; k)        upper = G⁻¹(1 − α/2; k + 1)

where G⁻¹(p; a) is the p-quantile of the gamma distribution with shape a and scale 1
(equivalently half the chi-square quantile with 2a degrees of freedom), and the lower
bound is 0 when k = 0. The gamma quantile is found by bisection on the regularized lower
incomplete gamma function P(a, x), computed by its power series for x < a + 1 and by its
continued fraction (modified Lentz) otherwise, as in Numerical Recipes §6.2. P rises
monotonically in x, so bisection cannot miss; 200 halvings reach float precision.

Proportions (patients with at least one event) use the Wilson score interval, not
Clopper-Pearson: Wilson's coverage stays close to the nominal level at small n and at
0 or n events (its upper bound for 0 events is above zero), whereas Clopper-Pearson is
conservative, wider than it needs to be at the small numbers a single clinic has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

_ITERATIONS = 500
_EPSILON = 1e-15
_TINY = 1e-300
PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with its interval, all in the same unit; six decimal places."""

    estimate: Decimal
    lower: Decimal
    upper: Decimal
    level: Decimal  # e.g. 0.95

    def contains(self, value: Decimal) -> bool:
        return self.lower <= value <= self.upper

    def scaled(self, factor: Decimal) -> Interval:
        """The same interval in another unit (e.g. × 100 for a percentage)."""
        return Interval(
            self.estimate * factor, self.lower * factor, self.upper * factor, self.level
        )


def regularized_gamma_p(a: float, x: float) -> float:
    """P(a, x) = γ(a, x) / Γ(a): the gamma(a, 1) distribution function at x."""
    if a <= 0:
        raise ValueError("the shape must be above zero")
    if x <= 0:
        return 0.0
    if x < a + 1:
        return _series(a, x)
    return 1.0 - _continued_fraction(a, x)


def _series(a: float, x: float) -> float:
    term = total = 1.0 / a
    shape = a
    for _ in range(_ITERATIONS):
        shape += 1
        term *= x / shape
        total += term
        if abs(term) < abs(total) * _EPSILON:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _continued_fraction(a: float, x: float) -> float:
    """Q(a, x) = 1 − P(a, x), by the modified Lentz method."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _ITERATIONS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_quantile(p: float, a: float) -> float:
    """The x with P(a, x) = p, by bisection."""
    if not 0 < p < 1:
        raise ValueError("the probability must be strictly between 0 and 1")
    low, high = 0.0, max(1.0, a)
    while regularized_gamma_p(a, high) < p:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if regularized_gamma_p(a, middle) < p:
            low = middle
        else:
            high = middle
        if high - low <= 1e-14 * max(1.0, high):
            break
    return (low + high) / 2


def normal_quantile(p: float) -> float:
    """The standard normal p-quantile, by bisection on the error function."""
    if not 0 < p < 1:
        raise ValueError("the probability must be strictly between 0 and 1")
    low, high = -40.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if 0.5 * math.erfc(-middle / math.sqrt(2)) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _decimal(value: float | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(PLACES)
    return Decimal(repr(value)).quantize(PLACES)


def _alpha(level: Decimal) -> float:
    if not 0 < level < 1:
        raise ValueError("the confidence level must be strictly between 0 and 1")
    return float(1 - level)


def poisson_rate(
    events: int, exposure: Fraction | int, per: Fraction | int, level: Decimal
) -> Interval:
    """Events per `per` units of exposure with the exact Garwood interval."""
    if events < 0:
        raise ValueError("a count cannot be negative")
    if exposure <= 0:
        raise ValueError("the exposure must be above zero")
    alpha = _alpha(level)
    scale = Fraction(per) / Fraction(exposure)
    lower = 0.0 if events == 0 else gamma_quantile(alpha / 2, events)
    upper = gamma_quantile(1 - alpha / 2, events + 1)
    return Interval(
        _decimal(events * scale),
        _decimal(lower * float(scale)),
        _decimal(upper * float(scale)),
        level,
    )


def wilson_proportion(successes: int, total: int, level: Decimal) -> Interval:
    """The proportion successes/total with the Wilson score interval (as fractions of 1)."""
    if total <= 0:
        raise ValueError("a proportion needs at least one subject")
    if not 0 <= successes <= total:
        raise ValueError("the count must be between 0 and the total")
    z = normal_quantile(1 - _alpha(level) / 2)
    p = successes / total
    z2n = z * z / total
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / total + z2n / (4 * total))
    return Interval(
        _decimal(Fraction(successes, total)),
        _decimal(max(0.0, centre - half)),
        _decimal(min(1.0, centre + half)),
        level,
    )
