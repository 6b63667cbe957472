"""The intrathecal trial: the core's judgement is stored with its formula and source, the dose
is stored canonically, a mg/mcg slip cannot pass silently, a short observation is recorded and
flagged, and a waiver needs a reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate, Mass
from ithaca.clinical.trial import TrialKind
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.decisions import Participant, record_decision
from ithaca.pathway.models import StageMove, TrialRecord
from ithaca.pathway.trials import record_trial, waive_trial

TEAM = [Participant("Dr Ahmed", "pain physician"), Participant("Dr Osei", "oncologist")]


@pytest.fixture
def decided(physician, patient):
    """The patient with a decision to proceed with an implanted pump."""
    patient.pathway_stage = Stage.ASSESSED.value
    patient.save(update_fields=["pathway_stage"])
    record_decision(
        physician, patient, TEAM, True, False, ["implanted_pump"], "implanted_pump", "Agreed."
    )
    return patient


def trial(user, patient, **changes):
    values = {
        "kind": TrialKind.SINGLE_SHOT,
        "drug": "morphine",
        "dose": parse_quantity("0.1 mg", Mass),
        "performed_at": timezone.now() - timedelta(hours=30),
        "observation_hours": 24,
        "pain_before": 8,
        "pain_after": 4,
        "note": "",
    } | changes
    return record_trial(user, patient, **values)


def test_a_single_shot_of_0_1_mg_is_stored_as_100_mcg(physician, decided):
    saved = trial(physician, decided)
    assert saved.dose_mcg == Decimal("100")
    assert saved.dose_mcg_per_day is None
    assert saved.entered_unit == "mg"


def test_a_catheter_trial_is_stored_as_a_daily_dose_in_mcg(physician, decided):
    saved = trial(
        physician, decided, kind=TrialKind.CATHETER, dose=parse_quantity("0.5 mg/day", DoseRate)
    )
    assert saved.dose_mcg_per_day == Decimal("500")
    assert saved.dose_mcg is None


def test_the_judgement_is_stored_with_formula_criterion_and_source(physician, decided):
    saved = trial(physician, decided)
    assert saved.success is True
    judgement = saved.judgement
    assert judgement["formula"] == "(8 - 4) / 8 x 100 = 50% >= 50%"
    assert judgement["criterion_percent"] == "50"
    assert judgement["mark"] == "U"
    assert judgement["citation"]
    decided.refresh_from_db()
    assert decided.stage is Stage.TRIAL
    move = StageMove.objects.get(patient=decided, to_stage="trial")
    assert (move.record_kind, move.record_id) == ("trial", saved.pk)
    assert AuditEvent.objects.filter(object_type="trial_record", object_id=str(saved.pk)).exists()


def test_a_fall_below_the_criterion_is_judged_not_successful(physician, decided):
    saved = trial(physician, decided, pain_after=5)
    assert saved.success is False
    assert "<" in saved.judgement["formula"]


def test_a_morphine_dose_typed_in_mcg_is_refused_as_a_possible_slip(physician, decided):
    with pytest.raises(ServiceRefusal, match="mg/mcg mix-up") as refused:
        trial(physician, decided, dose=parse_quantity("100 mcg", Mass))
    assert refused.value.field == "dose"
    assert not TrialRecord.objects.exists()


def test_a_fentanyl_dose_typed_in_mg_is_refused_as_a_possible_slip(physician, decided):
    with pytest.raises(ServiceRefusal, match="mg/mcg mix-up"):
        trial(physician, decided, drug="fentanyl", dose=parse_quantity("25 mg", Mass))


def test_a_daily_dose_for_a_single_shot_is_refused(physician, decided):
    with pytest.raises(ServiceRefusal, match="given as an amount") as refused:
        trial(physician, decided, dose=parse_quantity("0.1 mg/day", DoseRate))
    assert refused.value.field == "dose"


def test_a_drug_outside_the_library_is_refused(physician, decided):
    with pytest.raises(ServiceRefusal, match="not in the library") as refused:
        trial(physician, decided, drug="ketamine")
    assert refused.value.field == "drug"


def test_a_short_observation_is_recorded_and_flagged_with_both_sources(physician, decided):
    saved = trial(physician, decided, observation_hours=6)
    observation = saved.judgement["observation"]
    assert observation == observation | {"recorded_hours": 6, "required_hours": 24, "short": True}
    sources = " ".join(g["source"] for g in observation["guidance"])
    assert "[C]" in sources
    assert len(observation["guidance"]) == 2  # PACC 6 h and the morphine label's 24 h


def test_a_pain_score_of_zero_before_cannot_be_judged(physician, decided):
    with pytest.raises(ServiceRefusal, match="nothing to reduce") as refused:
        trial(physician, decided, pain_before=0, pain_after=0)
    assert refused.value.field == "pain_before"


def test_a_trial_in_the_future_is_refused(physician, decided):
    with pytest.raises(ServiceRefusal, match="future") as refused:
        trial(physician, decided, performed_at=timezone.now() + timedelta(hours=2))
    assert refused.value.field == "performed_at"


def test_a_trial_after_a_decision_not_to_proceed_is_refused(physician, decided):
    record_decision(
        physician,
        decided,
        TEAM,
        True,
        False,
        ["implanted_pump", "medical_management"],
        "medical_management",
        "Patient declined.",
    )
    with pytest.raises(ServiceRefusal, match="Record a revised decision first"):
        trial(physician, decided)


def test_a_second_trial_is_stored_beside_the_first_without_a_move(physician, decided):
    trial(physician, decided, pain_after=6)
    trial(physician, decided, dose=parse_quantity("0.2 mg", Mass))
    assert TrialRecord.objects.filter(patient=decided).count() == 2
    assert StageMove.objects.filter(patient=decided, to_stage="trial").count() == 1


def test_a_waiver_needs_a_reason(physician, decided):
    with pytest.raises(ServiceRefusal, match="why the trial is waived") as refused:
        waive_trial(physician, decided, "  ")
    assert refused.value.field == "reason"
    assert not TrialRecord.objects.exists()


def test_a_waiver_moves_to_trial_waived_with_its_basis(physician, decided):
    saved = waive_trial(physician, decided, "Life expectancy of weeks: cannot wait for a trial.")
    decided.refresh_from_db()
    assert decided.stage is Stage.TRIAL_WAIVED
    assert saved.waived
    assert saved.dose_mcg is None
    assert saved.judgement["waiver_basis"]["mark"] == "S"


# --- the pages ---


def test_the_trial_page_stores_the_typed_dose_canonically(client, physician, decided):
    client.force_login(physician)
    url = reverse("pathway-trial", kwargs={"patient_id": decided.pk})
    page = client.get(url)
    assert b"need local clinical sign-off" in page.content
    when = timezone.localtime() - timedelta(hours=7)
    response = client.post(
        url,
        {
            "kind": "single_shot",
            "drug": "morphine",
            "dose": "0.1 mg",
            "performed_at": when.strftime("%Y-%m-%dT%H:%M"),
            "observation_hours": "6",
            "pain_before": "8",
            "pain_after": "3",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "pathway-patient", kwargs={"patient_id": decided.pk}
    )
    saved = TrialRecord.objects.get()
    assert saved.dose_mcg == Decimal("100")
    shown = [str(m) for m in response.context["messages"]]
    assert any("suggests the trial succeeded" in m for m in shown)
    assert any("shorter than the 24 h" in m for m in shown)
    detail = client.get(reverse("pathway-trial-detail", kwargs={"trial_id": saved.pk}))
    assert b"Observation shorter than the sources ask for" in detail.content


@pytest.mark.parametrize(
    ("dose", "error"),
    [
        ("100 mcg", "Enter it in mg"),
        ("100mg/day", "mass"),
        (".1 mg", "leading zero"),
        ("0.1 mgs", "not a unit"),
    ],
)
def test_the_trial_page_refuses_a_doubtful_dose_beside_the_field(
    client, physician, decided, dose, error
):
    client.force_login(physician)
    url = reverse("pathway-trial", kwargs={"patient_id": decided.pk})
    response = client.post(
        url,
        {
            "kind": "single_shot",
            "drug": "morphine",
            "dose": dose,
            "performed_at": (timezone.localtime() - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M"),
            "observation_hours": "24",
            "pain_before": "8",
            "pain_after": "3",
        },
    )
    assert response.status_code == 200
    assert error in response.context["form"].errors["dose"][0]
    assert not TrialRecord.objects.exists()


def test_the_waiver_page_shows_its_provenance_and_needs_a_reason(client, physician, decided):
    client.force_login(physician)
    url = reverse("pathway-waive-trial", kwargs={"patient_id": decided.pk})
    page = client.get(url)
    assert b"may be skipped in selected populations" in page.content
    assert b"secondary" in page.content
    refused = client.post(url, {"reason": ""})
    assert "reason" in refused.context["form"].errors
    done = client.post(url, {"reason": "Prognosis of weeks."})
    assert done.status_code == 302


def test_hours_of_observation_that_have_not_passed_yet_are_refused(physician, decided):
    with pytest.raises(ServiceRefusal) as refused:
        trial(physician, decided, performed_at=timezone.now() - timedelta(hours=2))
    assert refused.value.field == "observation_hours"
    assert not TrialRecord.objects.filter(patient=decided).exists()


def test_the_move_to_trial_is_dated_when_the_trial_was_given(physician, decided):
    given = timezone.now() - timedelta(hours=30)
    trial(physician, decided, performed_at=given)
    move = StageMove.objects.get(patient=decided, to_stage="trial")
    decision = StageMove.objects.get(patient=decided, to_stage="decision")
    # the decision was recorded just now, after the trial's time: the move follows it
    assert move.at == max(given, decision.at)


def test_100_mg_of_morphine_typed_for_100_mcg_needs_a_reason(physician, decided):
    # The unit is morphine's own, so the mg/mcg check passes; the daily limit catches it.
    with pytest.raises(ServiceRefusal) as refused:
        trial(physician, decided, dose=parse_quantity("100 mg", Mass))
    assert refused.value.field == "dose"
    assert "above 20 mg/day" in refused.value.message
    assert not TrialRecord.objects.filter(patient=decided).exists()
    saved = trial(
        physician,
        decided,
        dose=parse_quantity("25 mg", Mass),
        dose_override_reason="Checked with the pharmacist: opioid-tolerant, planned high dose.",
    )
    assert saved.dose_override_reason.startswith("Checked")
    assert any(f["severity"] == "soft" for f in saved.dose_findings)


def test_a_single_shot_above_a_hard_daily_limit_is_refused_whatever_the_reason(physician, decided):
    with pytest.raises(ServiceRefusal) as refused:
        trial(
            physician,
            decided,
            drug="ziconotide",
            dose=parse_quantity("25 mcg", Mass),
            dose_override_reason="sure",
        )
    assert "hard limit" in refused.value.message


def test_an_ordinary_trial_dose_has_no_dose_finding(physician, decided):
    assert trial(physician, decided).dose_findings == []
