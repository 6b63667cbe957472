"""Give every patient registered before the pathway kept history a first move.

The row says what is known: the stage the patient was at when history began, dated at
registration, made by no one in particular, with a reason that says so.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    StageMove = apps.get_model("pathway", "StageMove")
    for patient in Patient.objects.filter(stage_moves__isnull=True).iterator():
        StageMove.objects.create(
            patient=patient,
            from_stage="",
            to_stage=patient.pathway_stage,
            at=patient.created_at,
            by=None,
            reason="Stage recorded before the pathway kept its history.",
        )


class Migration(migrations.Migration):
    dependencies = [("pathway", "0001_initial"), ("patients", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
