"""What an eligibility assessment is asked about: the inputs, checked on the way in and
read back from storage. None means "not recorded", never a default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

from ithaca.clinical.errors import ClinicalError, InvalidEligibilityInputs
from ithaca.clinical.parsing import parse_number

# --- the inputs ---

_BOOL_FIELDS = (
    "active_infection",
    "csf_flow_obstruction",
    "epidural_disease_at_catheter_level",
    "psychosis_history",
    "can_attend_refills",
    "has_transport",
    "caregiver_available",
    "can_respond_to_alarms",
)
_COUNT_FIELDS = ("life_expectancy_months", "travel_minutes")
_DECIMAL_FIELDS = ("platelets", "neutrophils")
_ID_FIELDS = ("anticoagulants", "planned_drugs")


@dataclass(frozen=True, slots=True)
class EligibilityInputs:
    """What is known about the patient; None means not recorded (never 'no').

    Blood counts are in 10^9/L. anticoagulants lists ids of the hold table, () for none;
    planned_drugs lists drug-library ids (e.g. "ziconotide"), () for none.
    """

    life_expectancy_months: int | None = None
    active_infection: bool | None = None
    anticoagulants: tuple[str, ...] | None = None
    planned_implant_start: datetime | None = None
    platelets: Decimal | None = None
    neutrophils: Decimal | None = None
    csf_flow_obstruction: bool | None = None
    epidural_disease_at_catheter_level: bool | None = None
    imaging_reviewed: bool = False
    planned_drugs: tuple[str, ...] | None = None
    psychosis_history: bool | None = None
    can_attend_refills: bool | None = None
    travel_minutes: int | None = None
    has_transport: bool | None = None
    caregiver_available: bool | None = None
    can_respond_to_alarms: bool | None = None

    def __post_init__(self) -> None:
        for name in _BOOL_FIELDS:
            _check_bool(name, getattr(self, name))
        if not isinstance(self.imaging_reviewed, bool):
            raise InvalidEligibilityInputs("imaging_reviewed", "true or false is expected")
        for name in _COUNT_FIELDS:
            _check_count(name, getattr(self, name))
        for name in _DECIMAL_FIELDS:
            _check_decimal(name, getattr(self, name))
        start = self.planned_implant_start
        if start is not None and not isinstance(start, datetime):
            raise InvalidEligibilityInputs("planned_implant_start", "a date and time is expected")
        for name in _ID_FIELDS:
            # Ids are compared lower case and once each; the dataclass is frozen.
            object.__setattr__(self, name, _normalise_ids(name, getattr(self, name)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: decimals and the start as text, id tuples as lists."""
        result: dict[str, object] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            result[field.name] = value
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EligibilityInputs:
        known = {field.name for field in fields(cls)}
        extra = sorted(set(data) - known)
        if extra:
            raise InvalidEligibilityInputs(
                extra[0], f"not an input; known: {', '.join(sorted(known))}"
            )
        return cls(
            life_expectancy_months=_read_int(data, "life_expectancy_months"),
            active_infection=_read_bool(data, "active_infection"),
            anticoagulants=_read_ids(data, "anticoagulants"),
            planned_implant_start=_read_datetime(data, "planned_implant_start"),
            platelets=_read_decimal(data, "platelets"),
            neutrophils=_read_decimal(data, "neutrophils"),
            csf_flow_obstruction=_read_bool(data, "csf_flow_obstruction"),
            epidural_disease_at_catheter_level=_read_bool(
                data, "epidural_disease_at_catheter_level"
            ),
            imaging_reviewed=_read_bool(data, "imaging_reviewed") or False,
            planned_drugs=_read_ids(data, "planned_drugs"),
            psychosis_history=_read_bool(data, "psychosis_history"),
            can_attend_refills=_read_bool(data, "can_attend_refills"),
            travel_minutes=_read_int(data, "travel_minutes"),
            has_transport=_read_bool(data, "has_transport"),
            caregiver_available=_read_bool(data, "caregiver_available"),
            can_respond_to_alarms=_read_bool(data, "can_respond_to_alarms"),
        )


def _check_bool(name: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidEligibilityInputs(name, "true, false or not recorded (None) is expected")


def _check_count(name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEligibilityInputs(name, "a whole number is expected")
    if value < 0:
        raise InvalidEligibilityInputs(name, "cannot be negative")


def _check_decimal(name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidEligibilityInputs(name, "a finite Decimal in 10^9/L is expected")
    if value < 0:
        raise InvalidEligibilityInputs(name, "a blood count cannot be negative")


def _normalise_ids(name: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise InvalidEligibilityInputs(name, "a list of drug ids is expected")
    ids = (str(item).strip().lower() for item in value)
    return tuple(dict.fromkeys(ids))


def _read_bool(data: Mapping[str, object], key: str) -> bool | None:
    value = data.get(key)
    _check_bool(key, value)
    return value if isinstance(value, bool) else None


def _read_int(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    _check_count(key, value)
    return value if isinstance(value, int) else None


def _read_decimal(data: Mapping[str, object], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None or isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise InvalidEligibilityInputs(key, 'a number written as text is expected, e.g. "150"')
    try:
        return parse_number(value, key)
    except ClinicalError as exc:
        raise InvalidEligibilityInputs(key, str(exc)) from exc


def _read_datetime(data: Mapping[str, object], key: str) -> datetime | None:
    value = data.get(key)
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidEligibilityInputs(key, "an ISO date and time is expected")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEligibilityInputs(key, "an ISO date and time is expected") from None


def _read_ids(data: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    return _normalise_ids(key, data.get(key))
