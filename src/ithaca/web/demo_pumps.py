"""A pump's year in the demo clinic, computed by the clinical core.

The driver plays a device's history forward in time: the first program and fill at the
implant, titration steps, refills booked a few days before the due date the core planned,
dose changes at refill visits. It keeps the history in memory and computes every derived
value (program check, expected residual across program changes, reconciliation, the next
due date and its limiting factor) with the same core calls, in the same order, as the
device services do. A writer then stores it: through the services themselves (the
40-patient demo, which also cross-checks the driver against the services) or in bulk
(the 10,000-patient benchmark database).

The random draws all happen here, never in a writer, so both writers store the same clinic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.checks import ProgramCheck, check_program
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.findings import Verdict
from ithaca.clinical.intrathecal import intrathecal_start
from ithaca.clinical.opioids import OpioidDose, oral_morphine_equivalent
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.programs import (
    PatientBolus,
    Program,
    ReservoirDrug,
    at_fixed_rate,
    continuous,
    flexible,
)
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.quantities import (
    Concentration,
    DoseRate,
    FlowRate,
    Mass,
    Unit,
    Volume,
    format_decimal,
)
from ithaca.clinical.refills import (
    Reconciliation,
    RefillPlan,
    expected_residual,
    plan_refill,
    reconcile,
    reservoir_of,
)
from ithaca.clinical.sourced import Sourced
from ithaca.devices.models import DeviceEventKind, ProgramStatus
from ithaca.devices.programs import ProgramRequest
from ithaca.devices.refills import RefillRequest
from ithaca.web.demo_story import (
    DISCREPANCY,
    ERI,
    INFECTION,
    OVERDUE,
    OVERRIDE,
    PENDING_CHECK,
    POST_MORTEM,
    REJECTED,
    Story,
    Therapy,
)

TENTH = Decimal("0.1")
HALF = Decimal("0.5")
OVERDUE_WINDOW = (12, 3)  # the missed refill fell due between 12 and 3 days ago
SHORTEST_INTERVAL = (
    28  # days: a dose that empties an implanted pump faster is given at a stronger strength
)
NO_STABILITY_INTERVAL = (
    60  # days between refills where the library has no stability rule (admixtures)
)


class DemoInconsistent(RuntimeError):
    """The demo's own computation and a device service disagree: one of them changed."""


@dataclass(frozen=True)
class Staff:
    physician: Any
    physician2: Any
    nurse: Any
    nurse2: Any
    pharmacist: Any
    coordinator: Any
    administrator: Any
    caregiver: Any
    stranger: Any


@dataclass(frozen=True)
class DeviceSpec:
    pump_model: str
    serial: str
    implanted_on: date
    catheter_tip_level: str
    reservoir_ml: Decimal | None
    low_alarm_ml: Decimal | None
    fixed_rate_ml_per_day: Decimal | None


@dataclass
class Version:
    """A program version as prescribed, and what became of it at the double check."""

    number: int
    request: ProgramRequest
    program: Program
    check: ProgramCheck
    prescriber: Any
    prescribed_on: date
    outcome: str  # approve | reject | pending
    checker: Any | None
    check_note: str
    override_reason: str
    previous: Version | None
    status: str = ProgramStatus.AWAITING_CHECK
    activated_on: date | None = None
    handle: Any = None

    @property
    def has_bolus(self) -> bool:
        return self.request.bolus is not None

    def activated_after(self, other: Version) -> bool:
        """Activation order: by day, then by version number (the writers stamp activation
        times that keep this order within a day)."""
        assert self.activated_on is not None  # noqa: S101 - only activated versions are compared
        assert other.activated_on is not None  # noqa: S101 - only activated versions are compared
        return (self.activated_on, self.number) > (other.activated_on, other.number)


@dataclass
class Fill:
    """A refill (or the first fill) with everything the core computed for it."""

    sequence: int
    request: RefillRequest
    version: Version
    performer: Any
    verifier: Any | None
    expected: Volume | None
    expected_steps: tuple[str, ...]
    notes: list[str]
    reconciliation: Reconciliation | None
    plan: RefillPlan
    verify_note: str = ""
    verified: bool = False
    handle: Any = None

    @property
    def performed_on(self) -> date:
        return self.request.performed_on


class Writer(Protocol):
    """Where the driver's history goes: the services, or bulk rows."""

    def device(self, story: Story, patient: Any, spec: DeviceSpec, by: Any) -> Any: ...
    def device_event(self, device: Any, on: date, kind: str, text: str, by: Any) -> None: ...
    def explant(self, device: Any, on: date, text: str, by: Any) -> None: ...
    def program(self, device: Any, version: Version) -> None: ...
    def refill(self, device: Any, fill: Fill) -> None: ...
    def verify(self, device: Any, fill: Fill) -> None: ...
    def forecast(self, device: Any, due: date, factor: str, basis: str) -> None: ...


@dataclass
class Change:
    on: date
    dose: Decimal  # the first drug's daily dose, in its own unit (mg/day; mcg/day for ziconotide)
    concentration: str | None = None  # a new strength (constant-flow pumps change dose this way)
    override_reason: str = ""
    factor: Decimal | None = None  # a change relative to the dose in force when it is made


@dataclass
class PumpHistory:
    catalogue: Catalogue
    story: Story
    therapy: Therapy
    staff: Staff
    writer: Writer
    rng: random.Random
    today: date
    pump: PumpModel = field(init=False)
    spec: DeviceSpec = field(init=False)
    device: Any = None
    versions: list[Version] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    last_increase_on: date | None = None
    next_jitter: int = 0  # days before the due date the next refill is booked (drawn per visit)
    concentrations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pump = self.catalogue.pump(self.therapy.pump)
        self.spec = device_spec(self.story, self.therapy)

    # -- the story -------------------------------------------------------------------
    def run(self, patient: Any) -> None:
        story, today = self.story, self.today
        assert story.records_from is not None  # noqa: S101 - a device story has its dates
        assert story.implanted_on is not None  # noqa: S101 - a device story has its dates
        self.device = self.writer.device(
            story, patient, self.spec, self.rng.choice((self.staff.physician, self.staff.nurse))
        )
        start = story.records_from
        end = story.died_on or story.ends_on or today
        self.concentrations = [c or "" for _, c in self.therapy.drugs]
        dose = self.start_dose()
        if self.therapy.fixed_rate_ml_per_day is not None:
            self.concentrations[0] = self._strength_for(dose)
        self.prescribe(start, Change(start, dose))
        first_note = ""
        if story.implanted_on < start:
            first_note = "First refill recorded in ithaca; earlier refills are in the paper record."
        self.refill(start, note=first_note)
        self.next_jitter = self.jitter()
        pending = [c for c in self.titration(start, dose) if c.on <= end]
        if OVERRIDE in story.special:
            pending += self._escalation()
        while True:
            due = self.forecast()[0]
            if OVERDUE in story.special and self._in_overdue_window(due):
                self._missed(due)
                break
            visit = self.next_visit(self.next_jitter)
            if OVERDUE in story.special:
                visit = self._steer_overdue(self.fills[-1], visit)
            if pending and pending[0].on <= min(visit, end):
                change = pending.pop(0)
                self.prescribe(change.on, change)
                continue  # the pump now empties at another rate: book the visit again
            if visit > end:
                break
            self.visit(visit, end)
        if OVERDUE in story.special and not self._in_overdue_window(self.forecast()[0]):
            raise DemoInconsistent(
                f"the overdue story ended with a refill due on {self.forecast()[0]}"
            )
        self.writer.forecast(self.device, *self.forecast())
        if PENDING_CHECK in story.special:
            self.prescribe(
                today,
                Change(today, self._round(self.current_dose() * Decimal("1.2"))),
                outcome="pending",
            )
        self._endings()

    def _endings(self) -> None:
        story, staff = self.story, self.staff
        if ERI in story.special:
            on = self.today - timedelta(days=self.rng.randint(14, 30))
            self.writer.device_event(
                self.device,
                on,
                DeviceEventKind.ERI,
                "Elective replacement indicator shown at interrogation. The pump stops about 90 days after ERI: "
                "replacement surgery requested, patient and caregiver told the alarm sound.",
                staff.nurse,
            )
        if INFECTION in story.special and story.ends_on is not None:
            self.writer.device_event(
                self.device,
                story.ends_on - timedelta(days=6),
                DeviceEventKind.OTHER,
                "Fever and redness over the pump pocket; blood cultures taken, antibiotics started.",
                staff.physician,
            )
            self.writer.explant(
                self.device,
                story.ends_on,
                "Pump pocket infection (Staphylococcus aureus) despite antibiotics: pump and catheter removed, "
                "six weeks of intravenous antibiotics. Back on systemic opioids; re-implant to be discussed.",
                staff.physician,
            )
        if POST_MORTEM in story.special and story.ends_on is not None:
            self.writer.explant(
                self.device,
                story.ends_on,
                f"Died at home on {story.died_on}, pain controlled. Pump removed after death, before cremation.",
                staff.physician,
            )

    def _missed(self, due: date) -> None:
        last = self.fills[-1]
        if last.plan.limiting_factor == "low_reservoir_alarm":
            self.writer.device_event(
                self.device,
                due,
                DeviceEventKind.ALARM,
                "Caregiver phoned: the low-reservoir alarm is sounding at home. The refill appointment was missed "
                "while the patient was unwell; an urgent refill is to be booked.",
                self.staff.nurse,
            )

    def _in_overdue_window(self, due: date) -> bool:
        late, early = OVERDUE_WINDOW
        return self.today - timedelta(days=late) <= due <= self.today - timedelta(days=early)

    def _steer_overdue(self, last: Fill, visit: date) -> date:
        """Book the visit whose refill will fall due a few days before today (then it is missed)."""
        active = self.active()
        assert active is not None  # noqa: S101 - a program is active after the first fill
        for early in range(1, 26):
            candidate = last.plan.next_refill_due - timedelta(days=early)
            if candidate <= last.performed_on:
                break
            plan = plan_refill(
                active.program,
                self.capacity,
                candidate,
                self.catalogue,
                low_alarm=self.low_alarm,
                reservoir=self._entered_reservoir(),
            )
            if self._in_overdue_window(plan.next_refill_due):
                return candidate
        return visit

    def next_visit(self, jitter: int) -> date:
        """Booked a few days before the forecast due date (never before the last fill or the
        last program change); where the library gives no stability limit (an admixture), the
        clinic refills at least every 60 days all the same."""
        last = self.fills[-1]
        due = self.forecast()[0]
        limit = last.plan.stability_limit_date or last.performed_on + timedelta(
            days=NO_STABILITY_INTERVAL
        )
        floor = max(
            last.performed_on + timedelta(days=1),
            *(v.activated_on for v in self.versions if v.activated_on),
        )
        return max(min(due, limit) - timedelta(days=jitter), floor)

    def forecast(self) -> tuple[date, str, str]:
        """What ithaca.devices.forecast stores for the pump: the last refill's plan, or, once a
        program approved after that refill is in force, a plan again from the volume expected
        to be left on the day it started (keeping the fill's stability and clinic dates)."""
        last, active = self.fills[-1], self.active()
        if active is None or active is last.version or active.activated_on is None:
            plan = last.plan
            return (
                plan.next_refill_due,
                plan.limiting_factor,
                f"refill {last.sequence} on {last.performed_on}",
            )
        changed_on = max(last.performed_on, active.activated_on)
        left, _, _ = self.expected(changed_on, self.catalogue.policy.bolus_planning.value, None)
        basis = f"refill {last.sequence} on {last.performed_on}, re-planned for program v{active.number} from {changed_on}"
        candidates = [
            (on, factor)
            for on, factor in (
                (last.plan.stability_limit_date, "stability"),
                (last.plan.clinic_max_interval_date, "clinic_max_interval"),
            )
            if on is not None
        ]
        if left is None or not left.is_positive():
            candidates.append((changed_on, "empty"))
        else:
            plan = plan_refill(
                active.program,
                left,
                changed_on,
                self.catalogue,
                low_alarm=self.low_alarm,
                reservoir=self._entered_reservoir(),
            )
            candidates.append((plan.empty_date, "empty"))
            if plan.low_reservoir_alarm_date is not None:
                candidates.append((plan.low_reservoir_alarm_date, "low_reservoir_alarm"))
        priority = {"low_reservoir_alarm": 0, "stability": 1, "clinic_max_interval": 2, "empty": 3}
        due, factor = min(candidates, key=lambda c: (c[0], priority[c[1]]))
        return due, factor, basis

    # -- doses -----------------------------------------------------------------------
    @property
    def primary(self) -> str:
        return self.therapy.drugs[0][0]

    @property
    def dose_unit(self) -> str:
        return self.catalogue.drug(self.primary).dose_rate_unit.symbol

    def start_dose(self) -> Decimal:
        if self.primary == "ziconotide":
            return Decimal("1.2")  # the top of PACC's 0.5-1.2 mcg/day start (label: at most 2.4)
        ome = regimen_ome(self.story, self.catalogue)
        start = intrathecal_start(ome, "morphine", self.catalogue, "huntsman-100")
        mg = start.daily_dose.to(Unit.MG_PER_DAY).magnitude.quantize(TENTH, rounding=ROUND_DOWN)
        return min(self.therapy.max_dose, max(self.therapy.min_dose, mg))

    def current_dose(self) -> Decimal:
        active = self.active()
        assert active is not None  # noqa: S101 - called once a program is active
        return (
            active.program.basal_daily_dose(self.primary)
            .to(self.catalogue.drug(self.primary).dose_rate_unit)
            .magnitude
        )

    def largest_dose(self) -> Decimal:
        """The dose that still lasts four weeks in an implanted programmable pump at this strength."""
        if self.pump.kind is not PumpKind.PROGRAMMABLE or self.primary == "ziconotide":
            return Decimal(1000)
        strength = (
            parse_quantity(self.concentrations[0], Concentration).to(Unit.MG_PER_ML).magnitude
        )
        usable = self.capacity.magnitude - self.alarm_or_margin().magnitude
        return (strength * usable / SHORTEST_INTERVAL).quantize(TENTH, rounding=ROUND_DOWN)

    def _round(self, dose: Decimal) -> Decimal:
        return dose.quantize(TENTH)

    def _strength_for(self, dose: Decimal) -> str:
        """A constant-flow pump's dose is its strength × its fixed rate: pick the strength."""
        rate = Decimal(self.therapy.fixed_rate_ml_per_day or "1")
        strength = ((dose / rate) / HALF).quantize(Decimal(1)) * HALF
        return f"{format_decimal(min(Decimal(25), max(Decimal(2), strength)))} mg/mL"

    def titration(self, start: date, dose: Decimal) -> list[Change]:
        """Dose steps after the start: weekly for ziconotide (PACC: at most 0.5 mcg/day a week),
        a few larger ones for morphine (most cancer patients need the converted dose raised)."""
        rng = self.rng
        story = self.story
        if self.therapy.fixed_rate_ml_per_day is not None or (story.implanted_on or start) < start:
            return []  # a constant-flow pump changes dose at refills; a long-implanted pump is settled
        if self.primary == "ziconotide":
            target = Decimal("1.2") + HALF * rng.randint(4, 9)
            steps, week = [], 1
            while dose < target:
                dose += HALF
                steps.append(Change(start + timedelta(days=7 * week), dose))
                week += 1
            return steps
        if OVERDUE in self.story.special:
            target = Decimal(rng.uniform(12.6, 14.2)).quantize(TENTH)
            ratio = (target / dose) ** (Decimal(1) / 3)
            doses = [self._round(dose * ratio), self._round(dose * ratio * ratio), target]
            return [
                Change(start + timedelta(days=d), x)
                for d, x in zip((4, 11, 21), doses, strict=True)
            ]
        steep = OVERRIDE in story.special  # the pain of advancing disease: every step a large one
        count = 4 if steep else rng.choice((0, 1, 2, 2, 3, 3, 4))
        offsets = sorted(rng.sample((3, 7, 10, 14, 21, 28, 35), count))
        changes = []
        for offset in offsets:
            factor = Decimal(rng.uniform(1.3, 1.5) if steep else rng.uniform(1.15, 1.4))
            dose = min(self.therapy.max_dose * Decimal("1.5"), self._round(dose * factor))
            changes.append(Change(start + timedelta(days=offset), dose))
        return changes

    def _escalation(self) -> list[Change]:
        """The last weeks of life: a step up, then past the label's 20 mg/day caution, with its reason."""
        before = self.today - timedelta(days=self.rng.randint(24, 34))
        on = self.today - timedelta(days=self.rng.randint(3, 12))
        dose = Decimal(self.rng.uniform(20.5, 22)).quantize(TENTH)
        return [
            Change(before, Decimal(0), factor=Decimal("1.4")),
            Change(
                on,
                dose,
                override_reason="Escalating pain in the last weeks of life; goals of care agreed with the patient and "
                "family: comfort first. Observe sedation and respiratory rate for 24 hours after the increase.",
            ),
        ]

    # -- programs ----------------------------------------------------------------------
    def active(self) -> Version | None:
        return next((v for v in reversed(self.versions) if v.status == ProgramStatus.ACTIVE), None)

    def request(self, change: Change) -> ProgramRequest:
        therapy = self.therapy
        if change.concentration is not None:
            self.concentrations[0] = change.concentration
        drugs = [
            (drug_id, parse_quantity(strength, Concentration))
            for (drug_id, _), strength in zip(therapy.drugs, self.concentrations, strict=True)
        ]
        active = self.active()
        days_since = None
        if (
            active is not None
            and change.dose > self.current_dose()
            and self.last_increase_on is not None
        ):
            days_since = (change.on - self.last_increase_on).days
        if therapy.fixed_rate_ml_per_day is not None:
            rate = parse_quantity(f"{therapy.fixed_rate_ml_per_day} mL/day", FlowRate)
            return ProgramRequest(drugs=drugs, fixed_rate=rate, days_since_last_increase=days_since)
        bolus = None
        if therapy.bolus is not None:
            amount, lockout, most = therapy.bolus
            bolus = PatientBolus(parse_quantity(amount, Mass), lockout, most)
        if therapy.flexible:
            night = self._dose(change.dose * Decimal("0.8"))
            day = self._dose(change.dose * Decimal("1.1"))
            return ProgramRequest(
                drugs=drugs,
                steps=[(0, night), (7 * 60, day), (22 * 60, night)],
                bolus=bolus,
                days_since_last_increase=days_since,
            )
        return ProgramRequest(
            drugs=drugs,
            daily_dose=self._dose(change.dose),
            bolus=bolus,
            days_since_last_increase=days_since,
        )

    def _dose(self, amount: Decimal) -> DoseRate:
        return parse_quantity(
            f"{format_decimal(amount.quantize(Decimal('0.01')))} {self.dose_unit}", DoseRate
        )

    def draft(self, request: ProgramRequest) -> tuple[Program, ProgramCheck]:
        """What ithaca.devices.programs.draft does, without a database."""
        pump, catalogue = self.pump, self.catalogue
        reservoir = [ReservoirDrug(catalogue.drug(d), c) for d, c in request.drugs]
        if pump.kind is PumpKind.CONSTANT_FLOW:
            assert request.fixed_rate is not None  # noqa: S101 - built above for a constant-flow pump
            program = at_fixed_rate(pump, reservoir, request.fixed_rate)
        elif request.steps:
            program = flexible(pump, reservoir, list(request.steps), request.bolus)
        else:
            assert request.daily_dose is not None  # noqa: S101 - built above
            program = continuous(pump, reservoir, request.daily_dose, request.bolus)
        current = self.active()
        doses: dict[str, DoseRate] = {}
        if current is not None:
            doses = {
                i.drug.id: current.program.basal_daily_dose(i.drug.id)
                for i in current.program.reservoir
            }
        return program, check_program(program, catalogue, doses, request.days_since_last_increase)

    def prescribe(
        self, on: date, change: Change, *, outcome: str = "approve", note: str = ""
    ) -> Version:
        """A physician prescribes; a pharmacist (or the other physician) double-checks."""
        staff, rng = self.staff, self.rng
        if change.factor is not None:
            change.dose = self._round(self.current_dose() * change.factor)
        if not change.override_reason:
            change.dose = min(change.dose, self.largest_dose())
        prescriber = staff.physician if rng.random() < 0.75 else staff.physician2
        checker = (
            staff.pharmacist
            if rng.random() < 0.8
            else (staff.physician2 if prescriber is staff.physician else staff.physician)
        )
        request = self.request(change)
        program, check = self.draft(request)
        # The demo prescriber stays inside soft limits unless the story is an override.
        tries = 0
        while check.verdict is Verdict.NEEDS_OVERRIDE and not change.override_reason and tries < 30:
            change.dose = self._round(change.dose * Decimal("0.95"))
            request = self.request(change)
            program, check = self.draft(request)
            tries += 1
        if check.verdict is not Verdict.OK and not (
            check.verdict is Verdict.NEEDS_OVERRIDE and change.override_reason
        ):
            raise DemoInconsistent(
                f"the demo prescribed a {check.verdict.value} program: {[f.message for f in check.findings]}"
            )
        increase = self.active() is not None and change.dose > self.current_dose()
        version = Version(
            number=len(self.versions) + 1,
            request=request,
            program=program,
            check=check,
            prescriber=prescriber,
            prescribed_on=on,
            outcome=outcome,
            checker=None if outcome == "pending" else checker,
            check_note=note,
            override_reason=change.override_reason,
            previous=self.active(),
        )
        if outcome == "approve":
            if version.previous is not None:
                version.previous.status = ProgramStatus.SUPERSEDED
            version.status, version.activated_on = ProgramStatus.ACTIVE, on
            if increase or version.previous is None:
                self.last_increase_on = on
        elif outcome == "reject":
            version.status = ProgramStatus.REJECTED
        self.versions.append(version)
        self.writer.program(self.device, version)
        return version

    # -- refills -----------------------------------------------------------------------
    def _entered_reservoir(self) -> Volume | None:
        return (
            Volume(self.spec.reservoir_ml, Unit.ML) if self.spec.reservoir_ml is not None else None
        )

    @property
    def capacity(self) -> Volume:
        return reservoir_of(self.pump, self._entered_reservoir())

    def _would_be_last(self, on: date, plan: RefillPlan, end: date) -> bool:
        """Whether the visit after this refill falls after the story ends (as next_visit will
        book it, for a pump with no program change to come)."""
        limit = plan.stability_limit_date or on + timedelta(days=NO_STABILITY_INTERVAL)
        return (
            max(
                min(plan.next_refill_due, limit) - timedelta(days=self.next_jitter),
                on + timedelta(days=1),
            )
            > end
        )

    @property
    def low_alarm(self) -> Volume | None:
        return (
            Volume(self.spec.low_alarm_ml, Unit.ML) if self.spec.low_alarm_ml is not None else None
        )

    def alarm_or_margin(self) -> Volume:
        if self.low_alarm is not None:
            return self.low_alarm
        if isinstance(self.pump.low_reservoir_alarm, Sourced):
            return self.pump.low_reservoir_alarm.value
        return Volume(Decimal(1), Unit.ML)

    def scenario(self) -> tuple[BolusScenario, Decimal | None]:
        if self.therapy.bolus is None:
            return BolusScenario.NONE, None
        return BolusScenario.TYPICAL, Decimal(self.therapy.typical_boluses)

    def expected(
        self, on: date, scenario: BolusScenario | None = None, typical: Decimal | None = None
    ) -> tuple[Volume | None, tuple[str, ...], list[str]]:
        """What ithaca.devices.residual.expected_since computes: segment by segment across
        each program version activated after the one in force at the last fill."""
        if not self.fills:
            return None, (), []
        if scenario is None:
            scenario, typical = self.scenario()
        previous = self.fills[-1]
        residual = Volume(
            previous.request.fill_volume.canonical.quantize(Decimal("0.0001")), Unit.ML
        )
        start, version = previous.performed_on, previous.version
        changes = [
            v
            for v in self.versions
            if v.activated_on is not None and v.activated_after(version) and v.activated_on <= on
        ]
        notes = [f"Program v{v.number} started on {v.activated_on}." for v in changes]
        steps: list[str] = []
        for following in [*changes, None]:
            end = (
                max(start, following.activated_on)
                if following is not None and following.activated_on
                else on
            )
            segment = expected_residual(
                version.program,
                residual,
                start,
                end,
                scenario if version.has_bolus else BolusScenario.NONE,
                typical,
            )
            steps += [f"v{version.number}, {start} to {end}: {s}" for s in segment.steps]
            residual, start = segment.volume, end
            if following is not None:
                version = following
        return residual, tuple(steps), notes

    def jitter(self) -> int:
        """Refills are booked a few days before they fall due."""
        return (
            self.rng.randint(2, 6)
            if self.spec.low_alarm_ml is None
            and not isinstance(self.pump.low_reservoir_alarm, Sourced)
            else self.rng.randint(1, 5)
        )

    def visit(self, on: date, end: date) -> None:
        story, rng = self.story, self.rng
        since = (on - (story.records_from or on)).days
        quiet = {DISCREPANCY, OVERDUE, ERI} & story.special or self.primary == "ziconotide"
        if (
            REJECTED in story.special
            and since > 60
            and not any(v.outcome == "reject" for v in self.versions)
        ):
            dose = self._round(self.current_dose() * Decimal("1.1"))
            self.prescribe(
                on,
                Change(on, dose, concentration="20 mg/mL"),
                outcome="reject",
                note="Pharmacy stocks morphine 10 and 25 mg/mL only: re-prescribe at a stocked strength.",
            )
            self.prescribe(on, Change(on, dose, concentration="10 mg/mL"))
        elif not quiet and since > 45 and (OVERRIDE in story.special or rng.random() < 0.22):
            factor = Decimal(
                rng.uniform(1.2, 1.35) if OVERRIDE in story.special else rng.uniform(0.85, 1.25)
            )
            if self.therapy.fixed_rate_ml_per_day is not None:
                dose = self.current_dose() * factor
                self.prescribe(
                    on, Change(on, self._round(dose), concentration=self._strength_for(dose))
                )
            else:
                self.prescribe(
                    on,
                    Change(
                        on, min(self.therapy.max_dose, self._round(self.current_dose() * factor))
                    ),
                )
        noise = rng.uniform(-0.04, 0.04)
        self.next_jitter = self.jitter()
        self.refill(on, noise=noise, end=end)

    def refill(
        self, on: date, *, noise: float = 0.0, end: date | None = None, note: str = ""
    ) -> Fill:
        rng, staff = self.rng, self.staff
        version = self.active()
        assert version is not None  # noqa: S101 - a program is active before any fill
        performer = staff.nurse if rng.random() < 0.55 else staff.nurse2
        verifier = staff.nurse2 if performer is staff.nurse else staff.nurse
        scenario, typical = self.scenario()
        lot = self._lot(on)
        fill_volume = self.capacity
        expected, steps, notes = self.expected(on)
        plan = plan_refill(
            version.program,
            fill_volume,
            on,
            self.catalogue,
            fill_kind=FillKind.INITIAL if not self.fills else FillKind.REFILL,
            low_alarm=self.low_alarm,
            reservoir=self._entered_reservoir(),
        )
        last = end is not None and self._would_be_last(on, plan, end)
        measured, action, reconciliation = None, "", None
        if expected is not None:
            discrepancy = DISCREPANCY in self.story.special and last
            measured = self._measured(expected, noise, discrepancy)
            reconciliation = reconcile(expected, measured, self.catalogue.policy, self.pump)
            if reconciliation.flagged != discrepancy:
                raise DemoInconsistent(
                    f"residual {measured} against {expected}: flagged={reconciliation.flagged}"
                )
            if discrepancy:
                action = (
                    "More left than expected: suspected under-delivery. Pump interrogated (no motor stall or alarm logged); "
                    "catheter access port aspirated with the CAP kit: no free CSF flow, catheter occlusion suspected. "
                    "Dr informed; catheter dye study booked; oral morphine rescue prescribed; caregiver told the "
                    "signs of withdrawal and of returning pain."
                )
        request = RefillRequest(
            performed_on=on,
            expected_sequence=len(self.fills) + 1,
            fill_volume=fill_volume,
            lot_number=lot,
            needle_in_reservoir_confirmed=True,
            measured_residual=measured,
            bolus_scenario=scenario if expected is not None else BolusScenario.NONE,
            typical_boluses_per_day=typical if expected is not None else None,
            discrepancy_action=action,
            notes=note or self._note(),
        )
        fill = Fill(
            sequence=len(self.fills) + 1,
            request=request,
            version=version,
            performer=performer,
            verifier=verifier,
            expected=expected,
            expected_steps=steps,
            notes=notes,
            reconciliation=reconciliation,
            plan=plan,
        )
        self.fills.append(fill)
        self.writer.refill(self.device, fill)
        if action:
            self.writer.device_event(
                self.device,
                on,
                DeviceEventKind.OTHER,
                f"Residual discrepancy at refill {fill.sequence}: suspected catheter occlusion; dye study booked.",
                performer,
            )
        if len(self.fills) > 1:
            self.verify(self.fills[-2])
        return fill

    def verify(self, fill: Fill) -> None:
        """The second nurse's check (the newest refill of each pump waits for the block's end)."""
        fill.verify_note = "Drug, strength, volume and lot checked against the prescription."
        fill.verified = True
        self.writer.verify(self.device, fill)

    def _measured(self, expected: Volume, noise: float, discrepancy: bool) -> Volume:
        """The nurse's reading: near the expected volume, to 0.1 mL, never flagged by chance."""
        if discrepancy:
            more = max(Decimal("2.5"), expected.magnitude * Decimal("0.25"))
            reading = min(expected.magnitude + more, self.fills[-1].request.fill_volume.magnitude)
            return Volume(reading.quantize(TENTH), Unit.ML)
        shift = max(
            Decimal("-0.6"),
            min(Decimal("0.6"), expected.magnitude * Decimal(noise).quantize(Decimal("0.0001"))),
        )
        candidates = [
            (expected.magnitude + shift).quantize(TENTH),
            expected.magnitude.quantize(Decimal("0.01")),
            expected.magnitude.quantize(Decimal("0.0001")),
        ]
        for reading in candidates:
            measured = Volume(max(Decimal(0), reading), Unit.ML)
            if not reconcile(expected, measured, self.catalogue.policy, self.pump).flagged:
                return measured
        return Volume(max(Decimal(0), candidates[-1]), Unit.ML)

    def _lot(self, on: date) -> str:
        prefix = {"morphine": "MOR", "ziconotide": "ZIC"}.get(self.primary, "DRG")
        if len(self.therapy.drugs) > 1 or self.concentrations[0] not in (
            "10 mg/mL",
            "25 mg/mL",
            "25 mcg/mL",
        ):
            prefix = "PHX"  # compounded by the hospital pharmacy
        return f"{prefix}-{on:%y%m}-{self.rng.randint(100, 999)}{self.rng.choice('ABCDEFGH')}"

    def _note(self) -> str:
        return self.rng.choice(
            (
                "",
                "",
                "",
                "",
                "Site clean, no redness.",
                "Pain well controlled since last visit.",
                "Caregiver present; refill card updated.",
                "Pocket site checked: healthy.",
            )
        )


def device_spec(story: Story, therapy: Therapy) -> DeviceSpec:
    prefixes = {
        "synchromed": "NGP",
        "prometra": "PRM",
        "isomed": "ISO",
        "codman": "C3K",
        "external": "EXT",
    }
    prefix = next((p for key, p in prefixes.items() if therapy.pump.startswith(key)), "DEV")
    assert story.implanted_on is not None  # noqa: S101 - a device story
    return DeviceSpec(
        pump_model=therapy.pump,
        serial=f"{prefix}-D{story.index + 1:06d}",
        implanted_on=story.implanted_on,
        catheter_tip_level=story.person.catheter_tip_level,
        reservoir_ml=Decimal(therapy.reservoir_ml) if therapy.reservoir_ml else None,
        low_alarm_ml=Decimal(therapy.low_alarm_ml) if therapy.low_alarm_ml else None,
        fixed_rate_ml_per_day=Decimal(therapy.fixed_rate_ml_per_day)
        if therapy.fixed_rate_ml_per_day
        else None,
    )


def regimen_ome(story: Story, catalogue: Catalogue) -> DoseRate:
    """The core's oral morphine equivalent of the systemic opioids taken the day before the implant."""
    day = (story.implanted_on or story.first_seen) - timedelta(days=1)
    doses = [
        OpioidDose(item.opioid, item.route, parse_quantity(item.dose, DoseRate))
        for item in story.regimen
        if item.started_on <= day and (item.stopped_on is None or item.stopped_on > day)
    ]
    return oral_morphine_equivalent(doses, catalogue).total
