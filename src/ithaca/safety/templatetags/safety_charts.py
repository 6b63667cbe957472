"""The refill control chart card on the device page: `{% device_control_chart device %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from ithaca.accounts.permissions import Action, may
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device
from ithaca.safety import report
from ithaca.safety.charts import control_chart_svg

register = template.Library()


@register.inclusion_tag("safety/_device_chart.html", takes_context=True)
def device_control_chart(context: template.Context, device: Device) -> dict[str, object]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may(user, Action.VIEW_REPORTS, device.patient):
        return {"shown": False}
    chart = report.chart_for_devices([device], catalogue_in_force())
    title = f"Refill control chart: {device.pump_model} {device.serial_number}"
    flagged = [p for p in chart.points if p.drift is not None or p.alarms]
    return {
        "shown": True,
        "device": device,
        # Built by ithaca.safety.charts, which escapes every label it writes.
        "svg": mark_safe(control_chart_svg(chart, title)),  # noqa: S308
        "chart": chart,
        "flagged": list(reversed(flagged)),
        "rules": chart.rules,
    }
