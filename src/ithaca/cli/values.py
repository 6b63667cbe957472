"""Reading command-line option values into typed clinical values.

Each reader raises a ClinicalError (or UsageError) with a sentence that names the
option, so the command line can print one line and exit, never a traceback.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError, WrongQuantityKind
from ithaca.clinical.factors import Route
from ithaca.clinical.opioids import OpioidDose
from ithaca.clinical.parsing import Bound, parse_number, parse_quantity
from ithaca.clinical.programs import ReservoirDrug
from ithaca.clinical.quantities import DOSE_UNIT_FOR_MASS, Concentration, DoseRate, Mass, Quantity

Q = TypeVar("Q", bound=Quantity)


class UsageError(ClinicalError, ValueError):
    def __init__(self, option: str, reason: str) -> None:
        super().__init__(option, reason)
        self.option = option
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.option}: {self.reason}"


def named(option: str, error: ClinicalError) -> UsageError:
    return UsageError(option, str(error))


def daily_dose(text: str, option: str = "--daily-dose") -> DoseRate:
    """'2mg/day', '25mcg/h', or a bare '2mg', read as per day since the option says daily."""
    try:
        return parse_quantity(text, DoseRate)
    except WrongQuantityKind as exc:
        if exc.given.startswith("mass"):
            try:
                mass = parse_quantity(text, Mass)
            except ClinicalError as inner:
                raise named(option, inner) from None
            return DoseRate(mass.magnitude, DOSE_UNIT_FOR_MASS[mass.unit])
        raise named(option, exc) from None
    except ClinicalError as exc:
        raise named(option, exc) from None


def quantity(text: str, kind: type[Q], option: str, bound: Bound = Bound.POSITIVE) -> Q:
    try:
        return parse_quantity(text, kind, bound=bound)
    except ClinicalError as exc:
        raise named(option, exc) from None


def iso_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            option, f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-01-05"
        ) from None


def positive_decimal(text: str, option: str, *, allow_zero: bool = False) -> Decimal:
    try:
        value = parse_number(text, "value")
    except ClinicalError as exc:
        raise named(option, exc) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise UsageError(option, f"{text} must be {'zero or more' if allow_zero else 'above zero'}")
    return value


def whole_number(text: str, option: str, *, minimum: int = 1) -> int:
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) < minimum:
        raise UsageError(option, f"'{text}' must be a whole number of at least {minimum}")
    return int(stripped)


def opioid_dose(text: str) -> OpioidDose:
    """'oxycodone:oral:80mg/day' or 'fentanyl:transdermal:25mcg/h'."""
    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(
            "--med", f"'{text}' should read OPIOID:ROUTE:DOSE, e.g. oxycodone:oral:80mg/day"
        )
    name, route_text, dose_text = (p.strip() for p in parts)
    try:
        route = Route(route_text.lower())
    except ValueError:
        routes = ", ".join(r.value for r in Route)
        raise UsageError("--med", f"'{route_text}' is not a route; use one of {routes}") from None
    try:
        dose = parse_quantity(dose_text, DoseRate)
    except WrongQuantityKind as exc:
        if exc.given.startswith("mass"):
            raise UsageError(
                "--med",
                f"'{dose_text}' has no time base: give it per day (80mg/day) or per hour (25mcg/h)",
            ) from None
        raise named("--med", exc) from None
    except ClinicalError as exc:
        raise named("--med", exc) from None
    return OpioidDose(name.lower(), route, dose)


def reservoir_drug(text: str, catalogue: Catalogue) -> ReservoirDrug:
    """'morphine:10mg/mL'."""
    name, sep, strength = text.partition(":")
    if not sep or not strength.strip():
        raise UsageError(
            "--drug", f"'{text}' should read DRUG:CONCENTRATION, e.g. morphine:10mg/mL"
        )
    try:
        drug = catalogue.drug(name)
        concentration = parse_quantity(strength, Concentration)
    except ClinicalError as exc:
        raise named("--drug", exc) from None
    return ReservoirDrug(drug, concentration)


def drug_dose(text: str, catalogue: Catalogue, primary: str, option: str) -> tuple[str, DoseRate]:
    """'2.4mcg' for the primary drug, or 'ziconotide:2.4mcg' for any drug in the reservoir."""
    name, sep, dose_text = text.rpartition(":")
    drug_id = catalogue.drug(name).id if sep else primary
    return drug_id, daily_dose(dose_text if sep else text, option)


def clock_time(text: str, option: str) -> int:
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise UsageError(option, f"'{text}' is not a time; write HH:MM, e.g. 08:00")
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise UsageError(option, f"'{text}' is not a time of day")
    return h * 60 + m
