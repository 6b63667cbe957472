"""Named clinical errors.

Each error is raised for an operation that is impossible or forbidden (a dose in an
unknown unit, a refill larger than the reservoir). A dose above a limit is *not* an
error: it is a finding on a result. Every subclass also inherits the built-in exception
it really is, and builds its sentence in ``__str__`` from structured fields.
"""

from __future__ import annotations

from collections.abc import Iterable


class ClinicalError(Exception):
    """Base of every error the clinical core raises on purpose."""

    def __str__(self) -> str:  # pragma: no cover - every subclass says its own sentence
        return self.__class__.__name__


class UnknownUnit(ClinicalError, ValueError):
    def __init__(self, text: str, expected: str, known: Iterable[str]) -> None:
        super().__init__(text)
        self.text = text
        self.expected = expected
        self.known = tuple(known)

    def __str__(self) -> str:
        return (
            f"'{self.text}' is not a unit ithaca knows for {self.expected}; "
            f"use one of: {', '.join(self.known)}"
        )


class MalformedQuantity(ClinicalError, ValueError):
    def __init__(self, text: str, reason: str, example: str) -> None:
        super().__init__(text)
        self.text = text
        self.reason = reason
        self.example = example

    def __str__(self) -> str:
        return f"'{self.text}' is not a valid quantity: {self.reason} (for example {self.example})"


class WrongQuantityKind(ClinicalError, ValueError):
    def __init__(self, text: str, given: str, expected: str, example: str) -> None:
        super().__init__(text)
        self.text = text
        self.given = given
        self.expected = expected
        self.example = example

    def __str__(self) -> str:
        return (
            f"'{self.text}' is a {self.given}, but a {self.expected} is expected here "
            f"(for example {self.example})"
        )


class QuantityOutOfRange(ClinicalError, ValueError):
    def __init__(self, what: str, value: str, rule: str) -> None:
        super().__init__(what)
        self.what = what
        self.value = value
        self.rule = rule

    def __str__(self) -> str:
        return f"{self.what} of {self.value} is not possible: {self.rule}"


class UnitMismatch(ClinicalError, TypeError):
    def __init__(self, left: str, right: str, operation: str) -> None:
        super().__init__(left, right)
        self.left = left
        self.right = right
        self.operation = operation

    def __str__(self) -> str:
        return (
            f"cannot {self.operation} {self.left} and {self.right}: they measure different things"
        )


class UnknownDrug(ClinicalError, LookupError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"'{self.name}' is not in the library in force; known: {', '.join(self.known)}"


class UnknownPump(ClinicalError, LookupError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"'{self.name}' is not a pump in the catalogue; known: {', '.join(self.known)}"


class UnknownOpioidRoute(ClinicalError, LookupError):
    def __init__(self, opioid: str, route: str, table: str, known: Iterable[str]) -> None:
        super().__init__(opioid, route)
        self.opioid = opioid
        self.route = route
        self.table = table
        self.known = tuple(known)

    def __str__(self) -> str:
        return (
            f"{self.table} has no factor for {self.opioid} by the {self.route} route; "
            f"known: {', '.join(self.known)}. Convert by hand with a clinician, "
            "or have the clinic add a sourced factor to its library"
        )


class NoConversionFactor(ClinicalError, LookupError):
    """An opioid the tables deliberately leave without a factor (buprenorphine)."""

    def __init__(self, opioid: str, reason: str, source: str) -> None:
        super().__init__(opioid)
        self.opioid = opioid
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        return (
            f"ithaca will not convert {self.opioid} to an oral morphine equivalent: "
            f"{self.reason} ({self.source})"
        )


class UnknownRatio(ClinicalError, LookupError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"'{self.name}' is not a named ratio in the library; known: {', '.join(self.known)}"


class UnknownFactorTable(ClinicalError, LookupError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"'{self.name}' is not a conversion table in the library; known: {', '.join(self.known)}"


class ConversionNotSupported(ClinicalError, ValueError):
    def __init__(self, drug: str, reason: str) -> None:
        super().__init__(drug)
        self.drug = drug
        self.reason = reason

    def __str__(self) -> str:
        return f"ithaca does not compute an intrathecal {self.drug} dose: {self.reason}"


class RefillExceedsReservoir(ClinicalError, ValueError):
    def __init__(self, fill: str, reservoir: str, pump: str) -> None:
        super().__init__(fill, reservoir)
        self.fill = fill
        self.reservoir = reservoir
        self.pump = pump

    def __str__(self) -> str:
        return (
            f"a fill of {self.fill} exceeds the {self.reservoir} reservoir of the {self.pump}; "
            "overfilling makes the pump's calculated volume wrong"
        )


class ReservoirSizeUnknown(ClinicalError, ValueError):
    def __init__(self, pump: str) -> None:
        super().__init__(pump)
        self.pump = pump

    def __str__(self) -> str:
        return (
            f"the reservoir volume of the {self.pump} is not in the catalogue; "
            "enter the reservoir volume from the device's own label"
        )


class DatesOutOfOrder(ClinicalError, ValueError):
    def __init__(self, earlier: str, later: str, rule: str) -> None:
        super().__init__(earlier, later)
        self.earlier = earlier
        self.later = later
        self.rule = rule

    def __str__(self) -> str:
        return f"{self.rule} ({self.earlier} is after {self.later})"


class InvalidProgram(ClinicalError, ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"the pump program is not valid: {self.reason}"


class LibraryInvalid(ClinicalError, ValueError):
    """A data file (drug library, pump catalogue, factors, policy) breaks a rule."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where, reason)
        self.where = where
        self.reason = reason

    def __str__(self) -> str:
        return f"the library is not valid at {self.where}: {self.reason}"


class IllegalTransition(ClinicalError, ValueError):
    """A move along the care pathway that the transition table does not allow."""

    def __init__(self, current: str, target: str, allowed: Iterable[str]) -> None:
        super().__init__(current, target)
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)

    def __str__(self) -> str:
        if not self.allowed:
            return f"a patient who is {self.current} cannot move on the pathway"
        return (
            f"a patient who is {self.current} cannot move to {self.target}; "
            f"the next stage can be: {', '.join(self.allowed)}"
        )


class TransitionNeedsReason(ClinicalError, ValueError):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target

    def __str__(self) -> str:
        return f"a move to {self.target} needs a reason, written for the record"


class TransitionNeedsRecord(ClinicalError, ValueError):
    """A stage entered only through its own record (a referral, an assessment...)."""

    def __init__(self, target: str, record: str) -> None:
        super().__init__(target, record)
        self.target = target
        self.record = record

    def __str__(self) -> str:
        return f"a move to {self.target} is made by recording {self.record}"


class UnknownAnticoagulant(ClinicalError, LookupError):
    """A drug id that the anticoagulant and antiplatelet hold table does not list."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return (
            f"'{self.name}' is not in the anticoagulant and antiplatelet hold table; "
            f"known: {', '.join(self.known)}. Ask the prescriber how to hold it"
        )


class InvalidEligibilityInputs(ClinicalError, ValueError):
    """Eligibility inputs that cannot describe a patient (a negative count, a wrong type)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"the eligibility input '{self.field}' is not valid: {self.reason}"


class TrialNotJudgeable(ClinicalError, ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"the trial cannot be judged: {self.reason}"


class ImplantChecklistOpen(ClinicalError, ValueError):
    """The implant cannot be recorded as done while checklist items are open, unexplained."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = tuple(items)
        super().__init__(self.items)

    def __str__(self) -> str:
        return (
            "the implant cannot be recorded as done while these checklist items are open "
            f"without a clinician's reason: {'; '.join(self.items)}"
        )


class ComplicationInvalid(ClinicalError, ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"the complication cannot be recorded: {self.reason}"
