"""Refusals the device services give, as sentences a nurse or physician can act on."""

from __future__ import annotations

from ithaca.clinical.findings import Finding


class ServiceRefusal(Exception):
    """A request the service will not carry out; `field` names the form field at fault."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def __str__(self) -> str:
        return self.message


class ProgramBlocked(ServiceRefusal):
    def __init__(self, findings: tuple[Finding, ...]) -> None:
        hard = [f.message for f in findings if f.severity.value == "hard"]
        super().__init__("The program is blocked by a hard limit: " + " ".join(hard))
        self.findings = findings


class OverrideReasonRequired(ServiceRefusal):
    field = "override_reason"

    def __init__(self) -> None:
        super().__init__("This program crosses a soft limit: write the reason for overriding it.")


class OverrideNotConfirmed(ServiceRefusal):
    field = "confirm_override"

    def __init__(self) -> None:
        super().__init__(
            "The program crosses a soft limit: confirm that you have read the reason and agree."
        )


class SecondPersonRequired(ServiceRefusal):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"An independent double check needs a second person: you {what} this yourself."
        )


class AlreadyDone(ServiceRefusal):
    def __init__(self, what: str, by: str) -> None:
        super().__init__(f"This {what} was already checked by {by}; nothing was changed.")


class StaleChange(ServiceRefusal):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"Another {what} was saved for this pump while you were working. Nothing of yours was saved: "
            "reload the page, look at what changed, and enter it again if it is still right."
        )


class NoActiveProgram(ServiceRefusal):
    def __init__(self) -> None:
        super().__init__(
            "This pump has no double-checked program: a refill needs one to compute the volumes."
        )


class DeviceNotInUse(ServiceRefusal):
    def __init__(self) -> None:
        super().__init__("This pump is not in use (explanted).")
