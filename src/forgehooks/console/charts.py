"""Small server-rendered SVG charts: a hook's deliveries per minute over the last hour, by outcome."""

from __future__ import annotations

from markupsafe import Markup, escape

from forgehooks.services.overview import HookActivity

WIDTH = 240
HEIGHT = 48
BASELINE = HEIGHT - 1


def describe(activity: HookActivity) -> str:
    """The chart's text equivalent: deliveries, deliveries per minute and success rate."""
    count = activity.deliveries
    if not count:
        return "No deliveries in the last hour"
    noun = "delivery" if count == 1 else "deliveries"
    rate = activity.success_rate
    outcome = "none finished yet" if rate is None else f"{rate:.0%} succeeded"
    return f"{count} {noun} in the last hour ({activity.per_minute:.2f} per minute), {outcome}"


def activity_chart(activity: HookActivity, chart_id: str) -> Markup:
    """A stacked bar per minute: successes from the baseline up, then failures, then pending ones."""
    minutes = activity.minutes
    peak = max((m.deliveries for m in minutes), default=0) or 1
    step = WIDTH / len(minutes)
    bar = max(step - 1, 1)
    shapes: list[str] = [f'<line class="axis" x1="0" y1="{BASELINE}" x2="{WIDTH}" y2="{BASELINE}"/>']
    for index, minute in enumerate(minutes):
        top = float(BASELINE)
        for css, count in (("ok", minute.succeeded), ("failed", minute.failed), ("pending", minute.pending)):
            if not count:
                continue
            height = BASELINE * count / peak
            top -= height
            x = index * step
            shapes.append(
                f'<rect class="{css}" x="{x:.2f}" y="{top:.2f}" width="{bar:.2f}" height="{height:.2f}"/>'
            )
    label = escape(chart_id)
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{label}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{label}">{escape(describe(activity))}</title>{"".join(shapes)}</svg>'
    )
