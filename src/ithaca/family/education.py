"""The six education pages: their order, titles and what each is based on.

The words live in templates (family/learn/<slug>.html), shared by the web page and the
printed leaflet. Each number a page gives is listed here with the document it comes from,
as the clinical reference records it; a page with advice no cited document gives (how an
infection shows itself, what to pack for a trip) says so, and waits for local sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ithaca.devices.library import catalogue_in_force


@dataclass(frozen=True)
class Basis:
    """One statement on a page and the document it comes from (an id in sources.toml, or a
    citation the clinical reference gives that the data files do not use)."""

    says: Promise
    source_id: str = ""
    citation: str = ""

    def cited(self) -> str:
        if self.source_id:
            return catalogue_in_force().sources[self.source_id].short()
        return self.citation


@dataclass(frozen=True)
class EducationPage:
    slug: str
    title: Promise
    summary: Promise
    basis: tuple[Basis, ...]

    @property
    def template(self) -> str:
        return f"family/learn/{self.slug}.html"


ONCOLOGY_1999 = "oncology-1999"
MASTENBROEK = "Mastenbroek 2017, Scand J Pain 14:39-43 (clinical reference 2.1)"
HASSENBUSCH = "Hassenbusch 1997, J Pain Symptom Manage (clinical reference 4.4)"

PAGES: tuple[EducationPage, ...] = (
    EducationPage(
        "pain-can-be-controlled",
        _("Pain can be controlled"),
        _("Most cancer pain can be eased. When it is not, there are other ways."),
        (
            Basis(_("Usual pain medicines work for 70 to 90 in 100 people."), ONCOLOGY_1999),
            Basis(
                _("10 to 15 in 100 people need more than usual pain medicines."), "", MASTENBROEK
            ),
            Basis(
                _(
                    "Pump treatment is not a last resort and does not need a set dose of tablets first."
                ),
                "china-idd-consensus-2022",
            ),
            Basis(
                _(
                    "In a trial of 202 people, pain scores fell from 7.6 to 3.7 out of 10 with a pump, "
                    "and side effects fell by half."
                ),
                "smith-2002",
            ),
        ),
    ),
    EducationPage(
        "what-is-an-intrathecal-pump",
        _("What an intrathecal pump is"),
        _("A small pump that sends pain medicine straight to the spine."),
        (
            Basis(
                _(
                    "The dose into the spinal fluid is about 100 to 300 times smaller than by mouth."
                ),
                "classic-300",
            ),
            Basis(
                _(
                    "A series of 275 people found about 100 times smaller, with no breathing problems."
                ),
                "sindt-2021",
            ),
            Basis(
                _("Morphine and ziconotide are the medicines made for these pumps."),
                "medtronic-hcp-synchromed",
            ),
            Basis(
                _("Side effects fell by half with a pump, and by a sixth without."), "smith-2002"
            ),
            Basis(_("The SynchroMed II battery lasts 5 to 7 years."), "medtronic-uk-replacement"),
            Basis(
                _("Some pumps have a hand-held controller for an extra dose."), "prometra-ptc-guide"
            ),
        ),
    ),
    EducationPage(
        "the-trial-and-the-operation",
        _("The trial and the operation"),
        _("How the team tests the treatment, and what the operation involves."),
        (
            Basis(
                _("After a single test dose, people are watched for at least 6 hours."), "pacc-2017"
            ),
            Basis(
                _(
                    "After the first dose of pump morphine, people are watched for at least 24 hours. "
                    "Breathing problems are most likely in the first 24 to 72 hours and after a dose increase."
                ),
                "infumorph-label",
            ),
            Basis(_("The trial may be skipped when time is short."), "pacc-2017-trialing"),
            Basis(_("Some blood thinners must be stopped before the operation."), "asra-2018"),
            Basis(
                _("Infection after the operation: 0.9 in 100, in a series of 217 operations."),
                "sindt-2020",
            ),
            Basis(
                _("A pump under the skin is for people expected to live more than about 3 months."),
                ONCOLOGY_1999,
            ),
        ),
    ),
    EducationPage(
        "living-with-the-pump",
        _("Living with the pump"),
        _("Refills, alarms, scans and travel."),
        (
            Basis(
                _(
                    "Patients and caregivers should know the medicine, the signs of withdrawal and the "
                    "alarm sounds, and keep refill appointments."
                ),
                "medtronic-2011-advisory",
            ),
            Basis(
                _("The SynchroMed II low-reservoir alarm is calculated, not measured."),
                "medtronic-2016-advisory",
            ),
            Basis(
                _(
                    "The SynchroMed II stops 90 days after its replacement alarm; replacement is planned about 6 months ahead."
                ),
                "medtronic-uk-replacement",
            ),
            Basis(
                _(
                    "Prometra II: empty the pump before MRI, 1.5 tesla scanners only, reset the valve after."
                ),
                "prometra-manual",
            ),
        ),
    ),
    EducationPage(
        "external-pump",
        _("An external pump when time is short"),
        _("A pump worn outside the body, without a big operation."),
        (
            Basis(
                _("An external system is used when expected survival is under about 3 months."),
                ONCOLOGY_1999,
            ),
            Basis(
                _("A temporary catheter may be used when time is under about 1 month."),
                "ahcpr-cancer-pain",
            ),
            Basis(
                _(
                    "In the USA in 1997, an implanted pump cost less than a tunnelled epidural "
                    "catheter with an outside pump when life expectancy was over 3 months."
                ),
                "",
                HASSENBUSCH,
            ),
            Basis(
                _(
                    "External tubes: skin infection 2.3 in 100, deep infection 1.4 in 100 (about 1 in 71 people "
                    "after an average of 54 days)."
                ),
                "aprili-2009",
            ),
        ),
    ),
    EducationPage(
        "realistic-expectations",
        _("What to expect"),
        _("What a pump can do, what it cannot, and what goes on alongside it."),
        (
            Basis(
                _(
                    "Pain or side effects fell by at least a fifth in 85 in 100 people with a pump and in "
                    "71 in 100 without. Alive at six months: 54 in 100 and 37 in 100; this difference may be chance."
                ),
                "smith-2002",
            ),
            Basis(_("54 in 100 people needed the dose raised after the start."), "sindt-2021"),
            Basis(
                _(
                    "79 in 100 people had cancer treatment within 30 days of the operation; infection stayed at 0.9 in 100."
                ),
                "sindt-2020",
            ),
            Basis(
                _("17 of 75 people became too unwell before the pump could start."), "mitchell-2024"
            ),
        ),
    ),
)

BY_SLUG = {page.slug: page for page in PAGES}
