"""The care pathway in a real browser: one patient walked from Identified to Implanted as the
clinic would, each move made by the record that defines it; and the roles that may not.

One test for the walk, because each step needs the one before it; a screenshot is saved at
each step.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest

from .conftest import Clinic, sign_in, sign_out

pytestmark = pytest.mark.e2e

PATHWAY = re.compile(r"/patients/(\d+)/pathway/$")
STAGES_WALKED = [
    "identified",
    "referred",
    "assessed",
    "decision",
    "trial",
    "implant_planned",
    "implanted",
]
WARFARIN_HOLD_DAYS = 5  # ASRA 2018, high-risk procedure (eligibility.toml)
PLAN_REASON = "Theatre booked with the implanting surgeon; consent visit arranged."
MORPHINE = "Morphine, preservative-free"  # its name in the drug library
PROGRAM_ITEM = "First pump program prescribed and independently double-checked"


def exactly(text: str) -> re.Pattern[str]:
    """An accessible name that is this text, with or without the required-field star."""
    return re.compile(rf"^\s*{re.escape(text)}(\s*\*)?\s*$")


def choose(page, question: str, answer: str) -> None:
    """Tick one answer of a radio or checkbox group, found by its legend."""
    group = page.get_by_role("group", name=exactly(question))
    group.get_by_label(answer, exact=True).check()


def stage_now(page) -> str:
    return page.locator(".patient-head .badge.stage").inner_text().strip()


def at_pathway(page, patient_id: int, stage: str) -> None:
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/(#.*)?$"))
    assert stage_now(page) == stage


def open_record_form(page, name: str) -> None:
    page.locator("#records .actions").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def pain_score(page, question: str, score: int) -> None:
    """The 0-10 scale is eleven big buttons: the radio itself is hidden behind its label."""
    group = page.get_by_role("group", name=exactly(question))
    group.locator("label.nrs-choice").filter(has_text=re.compile(rf"^\s*{score}\s*$")).click()
    assert group.get_by_label(str(score), exact=True).is_checked()


def identified_patient(page, clinic: Clinic) -> int:
    """A patient at Identified from the worklist, preferring one who meets the screen."""
    for section in ("#met", "#incomplete"):
        links = page.locator(f"{section} tbody tr a[href$='/pathway/']")
        if links.count():
            href = links.first.get_attribute("href") or ""
            return int(PATHWAY.search(href).group(1))
    rows = clinic.query(
        "SELECT id FROM patients_patient WHERE pathway_stage = 'identified' ORDER BY id"
    )
    assert rows, "the demo has no patient at Identified"
    return int(rows[0][0])


def test_a_patient_walks_from_identified_to_implanted(page, clinic: Clinic, shot):
    referrer, pain_doctor = clinic.login("physician", 0), clinic.login("physician", 1)
    coordinator = clinic.login("coordinator")

    # --- 1. a physician opens the referral worklist and a patient at Identified --------------
    sign_in(page, referrer)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Referral worklist"
    ).click()
    page.wait_for_url(re.compile(r"/pathway/worklist/$"))
    page.get_by_role("heading", name="Referral worklist", level=1).wait_for()
    patient_id = identified_patient(page, clinic)
    shot(page, "1-worklist")

    page.goto(f"/patients/{patient_id}/pathway/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Care pathway: ")
    assert stage_now(page) == "Identified"
    page.get_by_role("link", name="Refer for intrathecal therapy").click()
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/refer/$"))

    # --- 2. the referral, with its guide beside it --------------------------------------------
    guide = page.get_by_role("complementary", name="Guide for referrers")
    assert guide.is_visible()
    guide_text = guide.inner_text()
    assert "Smith 2002" in guide_text
    assert "84.5%" in guide_text
    referrer_name = page.get_by_label("Your name").input_value().strip() or "Dr E2E Referrer"
    page.get_by_label("Your name").fill(referrer_name)
    page.get_by_label("Your team").fill("Oncology")
    page.get_by_label("How to reach you").fill("Bleep 4471")
    choose(page, "Urgency", "Routine")
    page.get_by_label(exactly("The pain")).fill(
        "Neuropathic pain in the left leg from a sacral metastasis; cannot walk to the bathroom."
    )
    page.get_by_label(exactly("Treatments tried")).fill(
        "Oral morphine 240 mg/day (sedation, myoclonus), pregabalin, radiotherapy to S1."
    )
    page.get_by_label("The patient knows about this referral and agrees to it").check()
    shot(page, "2-referral-form")
    page.get_by_role("button", name="Send the referral").click()
    at_pathway(page, patient_id, "Referred")
    page.get_by_role("status").filter(has_text="The referral is sent").wait_for()
    referred_row = page.locator("#history tbody tr").first
    assert "Referred" in referred_row.inner_text()
    assert f"Referred by {referrer_name} (Oncology), routine." in referred_row.inner_text()
    shot(page, "3-referred")
    sign_out(page)

    # --- 3. the pain physician assesses eligibility --------------------------------------------
    sign_in(page, pain_doctor)
    page.goto(f"/patients/{patient_id}/pathway/")
    open_record_form(page, "Assess eligibility")
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/assess/$"))
    page.get_by_role("heading", name="Assess eligibility for intrathecal therapy").wait_for()
    # Booked about three weeks ahead, at 09:00; the hold dates follow from this date alone.
    in_three_weeks = datetime.now().astimezone().date() + timedelta(days=21)
    planned = datetime.combine(in_three_weeks, datetime.min.time()).replace(hour=9)
    page.get_by_label("Expected survival, in whole months").fill("6")
    choose(page, "Active infection now", "No")
    choose(page, "Anticoagulants, antiplatelets and NSAIDs", "Taken: tick each below")
    page.locator("details summary").filter(has_text="The hold table").click()
    choose(page, "Taken now", "Warfarin")
    page.get_by_label("Planned implant date and time").fill(f"{planned:%Y-%m-%dT%H:%M}")
    page.get_by_label("Platelets").fill("210")
    page.get_by_label("Neutrophils").fill("3.2")
    page.get_by_label("Spine imaging has been reviewed").check()
    choose(page, "Imaging shows CSF flow obstruction", "No")
    choose(page, "Imaging shows epidural disease at the planned catheter level", "No")
    choose(page, "Planned intrathecal drugs", MORPHINE)
    choose(page, "History of psychosis", "No")
    choose(page, "The patient can attend refill appointments", "Yes")
    choose(page, "The patient has transport to refills", "Yes")
    page.get_by_label("Travel time to the refill clinic, in minutes").fill("40")
    choose(page, "A caregiver is available", "Yes")
    choose(page, "The patient can respond to pump alarms", "Yes")
    shot(page, "4-assessment-form")
    page.get_by_role("button", name="Record the assessment").click()
    at_pathway(page, patient_id, "Assessed")
    page.get_by_role("status").filter(has_text="The eligibility assessment is recorded").wait_for()

    page.get_by_role("link", name=re.compile("every finding, its source")).click()
    page.wait_for_url(re.compile(r"/pathway/assessments/\d+/$"))
    last_dose = (planned.date() - timedelta(days=WARFARIN_HOLD_DAYS + 1)).isoformat()
    before_implant = page.locator("section").filter(
        has=page.get_by_role("heading", name="Before the implant")
    )
    assert f"Warfarin: last dose on {last_dose}" in before_implant.inner_text()
    assert f"by {last_dose}" in before_implant.inner_text()
    assert "needs local clinical sign-off" in page.locator("main").inner_text().lower()
    shot(page, "5-assessment-result")

    # --- 4. the multidisciplinary decision -----------------------------------------------------
    page.goto(f"/patients/{patient_id}/pathway/")
    open_record_form(page, "Record the decision")
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/decision/$"))
    page.get_by_label("Person 1: name").fill("Dr Ana Ortiz")
    page.get_by_label("Person 1: role").fill("pain physician")
    page.get_by_label("Person 2: name").fill("Dr Ben Ward")
    page.get_by_label("Person 2: role").fill("oncologist")
    page.get_by_label("Person 3: name").fill("Cara Lin")
    page.get_by_label("Person 3: role").fill("palliative care nurse")
    page.get_by_label("The patient took part").check()
    choose(page, "Options discussed", "Proceed: implanted pump")
    choose(page, "Options discussed", "Continue and optimise medical management")
    choose(page, "Decision", "Proceed: implanted pump")
    page.get_by_label(exactly("Reasons for the decision")).fill(
        "Expected survival above 3 months; pain uncontrolled despite side effects; "
        "the patient wants the pump; single-shot morphine trial first."
    )
    shot(page, "6-decision-form")
    page.get_by_role("button", name="Record the decision").click()
    at_pathway(page, patient_id, "Decision")
    page.get_by_role("status").filter(has_text="The decision is recorded").wait_for()

    # --- 5. the trial --------------------------------------------------------------------------
    open_record_form(page, "Record a trial")
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/trial/$"))
    # The form opens at the clinic's own time now: its date is the clinic's today.
    today = date.fromisoformat(page.get_by_label("Trial given at").input_value()[:10])
    given_at = datetime.combine(today - timedelta(days=1), datetime.min.time()).replace(hour=10)
    choose(page, "Kind of trial", "Single-shot injection")
    page.get_by_label("Drug (library in force)").select_option(label=MORPHINE)
    dose = page.get_by_label(exactly("Dose"))
    dose.fill("0.2 mg")
    assert "e.g. 0.1 mg" in page.locator(f"#{dose.get_attribute('id')}_helptext").inner_text()
    page.get_by_label("Trial given at").fill(f"{given_at:%Y-%m-%dT%H:%M}")
    page.get_by_label("Hours the patient was observed afterwards").fill("24")
    pain_score(page, "Pain score before the trial", 8)
    pain_score(page, "Pain score after the trial", 3)
    shot(page, "7-trial-form")
    page.get_by_role("button", name="Record the trial").click()
    at_pathway(page, patient_id, "Trial")
    page.get_by_role("status").filter(has_text="The trial is recorded").wait_for()
    trial = page.locator("#records section").filter(
        has=page.get_by_role("heading", name="Trial", exact=True)
    )
    assert "criterion met" in trial.inner_text()
    assert "(8 - 3) / 8 x 100 = 62.5% >= 50%" in trial.locator(".formula").inner_text()
    # The record names the drug by its library id ("morphine"), not its library name.
    assert re.search(r"morphine\b.* 0\.2 mg", trial.inner_text(), re.IGNORECASE)
    shot(page, "8-trial-recorded")
    sign_out(page)

    # --- 6. the coordinator plans the implant: a plain move with a reason -----------------------
    sign_in(page, coordinator)
    page.goto(f"/patients/{patient_id}/pathway/")
    move = page.locator("#move-form")
    move.get_by_role("group", name="Or move the patient, with a reason").get_by_label(
        "Implant planned", exact=True
    ).check()
    move.get_by_label("Reason, for the record").fill(PLAN_REASON)
    page.get_by_role("button", name="Move the patient").click()
    at_pathway(page, patient_id, "Implant planned")
    page.get_by_role("status").filter(has_text="is now at Implant planned").wait_for()
    assert PLAN_REASON in page.locator("#history tbody tr").first.inner_text()
    shot(page, "9-implant-planned")
    sign_out(page)

    # --- 7. the implant, with its checklist --------------------------------------------------
    sign_in(page, pain_doctor)
    page.goto(f"/patients/{patient_id}/pathway/")
    open_record_form(page, "Record the implant")
    page.wait_for_url(re.compile(rf"/patients/{patient_id}/pathway/implant/$"))
    page.get_by_label("System implanted").select_option(label="Implanted pump")
    page.get_by_label("Implanted on").fill(today.isoformat())
    assert page.get_by_label("Pump registered for this patient").input_value() == ""
    items = page.locator("input[type=checkbox][name^='done_']")
    assert items.count() >= 5
    for i in range(items.count()):
        item = items.nth(i)
        if page.locator(f"label[for='{item.get_attribute('id')}']").inner_text() != PROGRAM_ITEM:
            item.check()
    page.get_by_role("button", name="Record the implant").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/patients/{patient_id}/pathway/implant/")
    refusal = page.get_by_role("alert").filter(has_text="it cannot be left silently")
    assert refusal.count() == 1
    assert PROGRAM_ITEM in refusal.inner_text()
    assert refusal.inner_text().startswith("Not ticked:")
    shot(page, "10-implant-refused")
    page.get_by_label(PROGRAM_ITEM, exact=True).check()
    assert page.get_by_label("Implanted on").input_value() == today.isoformat()
    page.get_by_role("button", name="Record the implant").click()
    at_pathway(page, patient_id, "Implanted")
    page.get_by_role("status").filter(has_text="The implant is recorded").wait_for()
    follow_ups = page.locator("#records section").filter(
        has=page.get_by_role("heading", name="Follow-ups", exact=True)
    )
    expected = [
        ("Respiratory review (day 1)", today + timedelta(days=1)),
        ("Wound check (day 7)", today + timedelta(days=7)),
        ("Titration visit (day 7)", today + timedelta(days=7)),
    ]
    for what, due in expected:
        row = follow_ups.locator("tbody tr").filter(has_text=what)
        assert row.count() == 1, what
        assert due.isoformat() in row.inner_text(), (what, row.inner_text())
    shot(page, "11-implanted")
    sign_out(page)

    # --- 8. the record: every move, who made it, and the audit ----------------------------------
    moves = clinic.query(
        "SELECT m.from_stage, m.to_stage, u.username FROM pathway_stagemove m"
        " LEFT JOIN auth_user u ON u.id = m.by_id WHERE m.patient_id = ? ORDER BY m.at, m.id",
        (patient_id,),
    )
    last_six = moves[-6:]
    assert [(m[0], m[1]) for m in last_six] == list(pairwise(STAGES_WALKED)), moves
    assert [m[2] for m in last_six] == [
        referrer["username"],
        pain_doctor["username"],
        pain_doctor["username"],
        pain_doctor["username"],
        coordinator["username"],
        pain_doctor["username"],
    ]
    audited = clinic.query(
        "SELECT actor_username, detail FROM audit_auditevent"
        " WHERE object_type = 'pathway_stage' AND patient_id = ? ORDER BY id",
        (patient_id,),
    )
    assert len(audited) >= 6, audited
    assert [a[0] for a in audited[-6:]] == [m[2] for m in last_six]


def test_a_pharmacist_may_not_move_or_refer_and_a_caregiver_sees_no_worklist(
    page, clinic: Clinic, shot
):
    rows = clinic.query(
        "SELECT id FROM patients_patient WHERE pathway_stage = 'identified' ORDER BY id DESC"
    )
    assert rows, "the demo has no patient at Identified"
    patient_id = int(rows[0][0])

    sign_in(page, clinic.login("pharmacist"))
    response = page.goto(f"/patients/{patient_id}/pathway/")
    assert response is not None
    assert response.status == 200
    assert page.locator("#move-form").count() == 0
    assert page.get_by_role("button", name="Move the patient").count() == 0
    assert page.get_by_role("link", name="Refer for intrathecal therapy").count() == 0
    page.locator("#move").get_by_text("(you may not record it)").wait_for()
    shot(page, "1-pharmacist-pathway")
    for path in ("refer/", "assess/", "decision/", "trial/", "implant/"):
        response = page.goto(f"/patients/{patient_id}/pathway/{path}")
        assert response is not None
        assert response.status == 403, f"{path} answered {response.status}"
        assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    shot(page, "2-pharmacist-refused")
    sign_out(page)

    sign_in(page, clinic.login("caregiver"))
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Referral worklist").count() == 0
    response = page.goto("/pathway/worklist/")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    shot(page, "3-caregiver-refused")
