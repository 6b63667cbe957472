"""The decision aid stored and shown: a session with its scores and the options as shown, the
delay reason it records on the pathway while the patient waits, the link to the decision,
the printable summary in English and Chinese, and who may do what."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.audit.models import AuditEvent
from ithaca.clinical.decision import SessionAnswers
from ithaca.clinical.pathway import Stage
from ithaca.decisionaid import services
from ithaca.decisionaid.models import DecisionAidSession
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import DecisionRecord, DelayNote, EligibilityAssessment
from tests.integration.conftest import make_user

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SURE = ("sure", "understand", "risk_benefit", "encouragement")
VALUES = ("pain_relief", "fewer_side_effects", "time_at_home", "avoiding_surgery", "family_burden")
READINESS = ("support", "severity", "eligibility", "worth")


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def waiting(patient):
    """The test patient, assessed and waiting for the multidisciplinary decision."""
    patient.pathway_stage = "assessed"
    patient.save()
    return patient


@pytest.fixture
def patient_account(patient):
    user = make_user("pt_wong", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


def form_data(
    patient, *, sure=(True, True, True, True), readiness=(2, 2, 2, 2), **extra
) -> dict[str, str]:
    data = {
        "expected_stage": patient.pathway_stage,
        "patient_present": "on",
        "caregiver_1_name": "Li Wong",
        "caregiver_1_relationship": "daughter",
        "others_present": "Nurse Lee",
    }
    data |= {f"value_{v}": str(score) for v, score in zip(VALUES, (4, 3, 4, 1, 2), strict=True)}
    data |= {f"sure_{s}": "yes" if yes else "no" for s, yes in zip(SURE, sure, strict=True)}
    data |= {f"readiness_{r}": str(n) for r, n in zip(READINESS, readiness, strict=True)}
    return data | extra


def answers(sure=(True, True, True, True), readiness=(2, 2, 2, 2), **concerns) -> SessionAnswers:
    return SessionAnswers(
        values=dict.fromkeys(VALUES),
        sure=dict(zip(SURE, sure, strict=True)),
        readiness=dict(zip(READINESS, readiness, strict=True)),
        **concerns,
    )


def request(**kwargs) -> services.SessionRequest:
    return services.SessionRequest(
        patient_present=True, caregivers=["Li Wong (daughter)"], answers=answers(**kwargs)
    )


def decision_for(patient, user) -> DecisionRecord:
    return DecisionRecord.objects.create(
        patient=patient,
        participants=[{"name": "Dr Ahmed", "role": "pain physician"}],
        patient_took_part=True,
        caregiver_took_part=True,
        options_discussed=["implanted_pump", "medical_management"],
        decision="implanted_pump",
        reasons="Pain uncontrolled; wishes to be at home.",
        at=timezone.now(),
        by=user,
    )


# --- the stored session -----------------------------------------------------------------------


def test_a_nurse_records_a_session_with_its_scores_and_the_options_as_shown(client, nurse, waiting):
    response = as_user(client, nurse).post(
        reverse("decisionaid:aid", args=[waiting.pk]), form_data(waiting)
    )
    session = DecisionAidSession.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("decisionaid:session", args=[session.pk])
    assert (session.sure_score, session.sure_conflict) == (4, False)
    assert (session.readiness_total, session.readiness_low) == (8, False)
    assert session.caregivers_present == ["Li Wong (daughter)"]
    assert [row["score"] for row in session.values] == [4, 3, 4, 1, 2]
    assert session.library_hash == catalogue_in_force().identity.content_hash
    assert session.options_shown["library_hash"] == session.library_hash
    risk = session.options_shown["options"][0]["risks"][0]
    assert (risk["source"], risk["mark"]) == ("sindt-2020", "C")
    assert DelayNote.objects.count() == 0  # nothing suggested a delay
    event = AuditEvent.objects.get(object_type="decision_aid_session")
    assert event.detail["sure_score"] == 4


def test_the_stored_session_page_shows_the_answers(client, nurse, waiting):
    session = services.record_session(nurse, waiting, request(sure=(True, False, True, True)))
    page = as_user(client, nurse).get(reverse("decisionaid:session", args=[session.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "3 / 4" in text
    assert "Decisional conflict" in text
    assert "I feel sure about which choice is best for me." in text


def test_a_missing_sure_answer_is_shown_beside_the_sure_section(client, nurse, waiting):
    data = form_data(waiting)
    del data["sure_encouragement"]
    page = as_user(client, nurse).post(reverse("decisionaid:aid", args=[waiting.pk]), data)
    assert page.status_code == 200
    assert "The SURE test cannot be scored" in page.content.decode()
    assert DecisionAidSession.objects.count() == 0


def test_the_suggested_system_of_the_latest_assessment_is_highlighted(
    client, nurse, waiting, physician
):
    EligibilityAssessment.objects.create(
        patient=waiting,
        inputs={},
        result={},
        outcome="eligible",
        suggested_system="external_tunnelled",
        rules_version="test",
        library_hash="x",
        at=timezone.now(),
        by=physician,
    )
    page = as_user(client, nurse).get(reverse("decisionaid:aid", args=[waiting.pk]))
    text = page.content.decode()
    assert 'class="aid-option is-suggested" id="option-external_pump"' in text
    assert "not a choice" in text


# --- delays on the pathway --------------------------------------------------------------------


def test_conflict_while_waiting_records_patient_undecided_on_the_pathway(nurse, waiting):
    session = services.record_session(
        nurse, waiting, request(sure=(True, False, False, True), caregiver_concern="the travel")
    )
    notes = {n.reason: n for n in DelayNote.objects.all()}
    assert set(notes) == {"patient_undecided", "caregiver_concerns"}
    assert notes["patient_undecided"].stage == "assessed"
    assert "SURE 2 of 4" in notes["patient_undecided"].note
    assert "the travel" in notes["caregiver_concerns"].note
    assert {d["id"] for d in session.delays} == {n.pk for n in notes.values()}
    assert AuditEvent.objects.filter(object_type="delay_note").count() == 2


def test_low_readiness_records_caregiver_concerns(nurse, waiting):
    services.record_session(nurse, waiting, request(readiness=(0, 2, 2, 2)))
    (note,) = DelayNote.objects.all()
    assert note.reason == "caregiver_concerns"


def test_no_delay_is_recorded_for_a_patient_not_waiting_and_the_session_says_why(nurse, patient):
    assert patient.pathway_stage == "maintenance"
    session = services.record_session(nurse, patient, request(sure=(False, False, True, True)))
    assert DelayNote.objects.count() == 0
    assert session.sure_conflict is True
    assert "not waiting for a step before therapy" in session.delays_note


def test_the_page_says_a_delay_will_be_recorded_when_the_patient_waits(client, nurse, waiting):
    text = (
        as_user(client, nurse).get(reverse("decisionaid:aid", args=[waiting.pk])).content.decode()
    )
    assert "saving also records the suggested delay reason on the pathway" in text


def test_a_session_for_a_patient_moved_meanwhile_is_refused(nurse, waiting):
    stale = services.SessionRequest(
        patient_present=True,
        caregivers=[],
        answers=answers(readiness=(None, None, None, None)),
        expected_stage=Stage.DECISION,
    )
    with pytest.raises(ServiceRefusal, match="moved to Assessed while you were working"):
        services.record_session(nurse, waiting, stale)


# --- the link to the decision -----------------------------------------------------------------


def test_a_session_is_linked_once_to_the_decision_it_informed(nurse, physician, waiting):
    session = services.record_session(nurse, waiting, request())
    decision = decision_for(waiting, physician)
    services.link_decision(nurse, session, decision)
    assert DecisionAidSession.objects.get().decision == decision
    assert AuditEvent.objects.filter(object_type="decision_aid_session", action="change").exists()
    with pytest.raises(ServiceRefusal, match="already linked"):
        services.link_decision(nurse, session, decision_for(waiting, physician))


def test_recording_the_decision_stores_the_aid_the_family_went_through_with_it(
    nurse, physician, waiting
):
    from ithaca.pathway.decisions import Participant, record_decision

    session = services.record_session(nurse, waiting, request())
    team = [Participant("Dr Ahmed", "pain physician"), Participant("Dr Osei", "oncologist")]
    decision = record_decision(
        physician, waiting, team, True, True, ["implanted_pump"], "implanted_pump", "Agreed."
    )
    session.refresh_from_db()
    assert session.decision == decision
    # a later decision does not take the aid away from the one it informed
    record_decision(
        physician, waiting, team, True, True, ["implanted_pump"], "implanted_pump", "Revised."
    )
    session.refresh_from_db()
    assert session.decision == decision


def test_another_patients_decision_cannot_be_linked(nurse, physician, waiting, other_patient):
    session = services.record_session(nurse, waiting, request())
    with pytest.raises(ServiceRefusal, match="belongs to another patient"):
        services.link_decision(nurse, session, decision_for(other_patient, physician))


def test_the_decision_can_be_chosen_when_recording_the_session(client, nurse, physician, waiting):
    decision = decision_for(waiting, physician)
    as_user(client, nurse).post(
        reverse("decisionaid:aid", args=[waiting.pk]), form_data(waiting, decision=decision.pk)
    )
    assert DecisionAidSession.objects.get().decision == decision


def test_the_link_form_on_the_session_page_links_the_decision(client, nurse, physician, waiting):
    session = services.record_session(nurse, waiting, request())
    decision = decision_for(waiting, physician)
    url = reverse("decisionaid:session", args=[session.pk])
    response = as_user(client, nurse).post(url, {"decision": decision.pk})
    assert response.status_code == 302
    assert DecisionAidSession.objects.get().decision == decision


# --- the printable summary --------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text cannot be read")
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(done.stdout.split())


def test_the_summary_prints_in_english(client, nurse, waiting, tmp_path):
    waiting.hospital_number = "DEMO-0028"  # a hyphen, which escapejs would garble in CSS
    waiting.save()
    session = services.record_session(nurse, waiting, request(sure=(True, True, False, True)))
    response = as_user(client, nurse).get(
        reverse("decisionaid:summary", args=[session.pk]) + "?lang=en-gb"
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Choosing together: summary of the decision aid" in text
    assert "Implanted pump" in text
    assert "Decisional conflict" in text
    assert session.library_hash in text
    assert "DEMO-0028 · WONG, Mei" in text  # the page footer


def test_the_summary_prints_in_simplified_chinese(client, nurse, waiting, tmp_path):
    session = services.record_session(nurse, waiting, request())
    response = as_user(client, nurse).get(
        reverse("decisionaid:summary", args=[session.pk]) + "?lang=zh-hans"
    )
    text = pdf_text(response.content, tmp_path)
    assert "共同决策" in text  # the title
    assert "植入式镇痛泵" in text  # the implanted pump, by name
    assert "WONG" in text  # the patient's name stays as written
    # The text layer alone does not prove the characters were drawn: the CJK font must be
    # embedded, or the page shows empty boxes.
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "zh.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run([pdffonts, str(path)], capture_output=True, check=True, text=True)
    assert "NotoSansCJKSC" in fonts.stdout.replace(" ", "").replace("-", "")


def test_without_the_cjk_font_the_chinese_summary_is_refused(client, nurse, waiting, monkeypatch):
    monkeypatch.setattr("ithaca.decisionaid.views.cjk_font_installed", lambda: False)
    session = services.record_session(nurse, waiting, request())
    url = reverse("decisionaid:summary", args=[session.pk])
    assert as_user(client, nurse).get(url + "?lang=zh-hans").status_code == 503
    assert as_user(client, nurse).get(url + "?lang=en-gb").status_code == 200


def test_a_linked_caregiver_may_not_read_the_session_or_its_summary(
    client, caregiver, nurse, waiting
):
    # A session holds what the patient confided to the team (their named concerns), which a
    # relative with an account must not read: the summary is printed by the team.
    session = services.record_session(nurse, waiting, request())
    for name in ("decisionaid:summary", "decisionaid:session"):
        url = reverse(name, args=[session.pk])
        assert as_user(client, caregiver).get(url).status_code == 403


# --- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["physician", "nurse", "coordinator"])
def test_the_physician_nurse_and_coordinator_record_a_session(client, request, persona, waiting):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).post(
        reverse("decisionaid:aid", args=[waiting.pk]), form_data(waiting)
    )
    assert response.status_code == 302
    assert DecisionAidSession.objects.get().by == user


@pytest.mark.parametrize("persona", ["caregiver", "patient_account", "pharmacist", "stranger"])
def test_family_accounts_the_pharmacist_and_a_stranger_never_write(
    client, request, persona, waiting
):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).post(
        reverse("decisionaid:aid", args=[waiting.pk]), form_data(waiting)
    )
    assert response.status_code == 403
    assert DecisionAidSession.objects.count() == 0


@pytest.mark.parametrize("persona", ["caregiver", "patient_account", "pharmacist"])
def test_no_one_but_the_recording_roles_may_link_a_decision(
    client, request, persona, nurse, physician, waiting
):
    session = services.record_session(nurse, waiting, request_of())
    user = request.getfixturevalue(persona)
    decision = decision_for(waiting, physician)
    url = reverse("decisionaid:session", args=[session.pk])
    assert as_user(client, user).post(url, {"decision": decision.pk}).status_code == 403
    assert DecisionAidSession.objects.get().decision is None


def request_of() -> services.SessionRequest:
    return request()


def test_the_aid_page_is_the_teams_and_a_stranger_or_caregiver_is_refused(
    client, caregiver, stranger, pharmacist, waiting
):
    url = reverse("decisionaid:aid", args=[waiting.pk])
    assert as_user(client, caregiver).get(url).status_code == 403
    assert as_user(client, stranger).get(url).status_code == 403
    page = as_user(client, pharmacist).get(url)
    assert page.status_code == 200
    assert 'id="aid-form"' not in page.content.decode()


def test_another_patients_caregiver_cannot_read_the_session(
    client, other_caregiver, nurse, waiting
):
    session = services.record_session(nurse, waiting, request())
    url = reverse("decisionaid:session", args=[session.pk])
    assert as_user(client, other_caregiver).get(url).status_code == 403


def test_the_service_refuses_a_caregiver_directly(caregiver, waiting):
    with pytest.raises(PermissionDenied):
        services.record_session(caregiver, waiting, request())


# --- the pathway page -------------------------------------------------------------------------


def test_the_pathway_page_shows_the_latest_session(client, nurse, waiting):
    services.record_session(nurse, waiting, request(sure=(True, True, True, False)))
    text = (
        as_user(client, nurse).get(reverse("pathway-patient", args=[waiting.pk])).content.decode()
    )
    assert "Shared decision aid and caregiver check-ins" in text
    assert "3/4" in text
    assert "decisional conflict" in text
