"""Scorecard rendering helpers: the verdict-mix chart as server-drawn SVG, and the percent format
(durations: reviews/templatetags/durations.py).

The chart is plain SVG markup in the page: readable without JavaScript or CSS, announced to screen
readers as one image by its <title> and <desc> (the desc lists every count), with each bar named in text
next to it, so nothing depends on colour. Every string from the database goes through format_html.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

LABEL_WIDTH = 130
BAR_AREA = 300
COUNT_WIDTH = 50
BAR_HEIGHT = 20
ROW_GAP = 8
PAD = 6
UNSCORED_COLOUR = "#7a808c"


def rating_colour(row: Mapping[str, Any]) -> str:
    """Red (worst) through amber to green (best) by the rating's place on its scale; grey for ratings
    that do not count toward the score. Always paired with the rating's name, never alone."""
    if not row["counts_toward_score"]:
        return UNSCORED_COLOUR
    span = row["best_rating"] - row["worst_rating"]
    share = (row["rating_value"] - row["worst_rating"]) / span if span else 0.0
    return f"hsl({round(120 * share)}, 60%, 36%)"


def verdict_mix_svg(mix: Sequence[Mapping[str, Any]], *, chart_id: str, title: str) -> SafeString:
    """A horizontal bar chart of published verdicts per rating, in scale order."""
    total = sum(int(row["count"]) for row in mix)
    width = LABEL_WIDTH + BAR_AREA + COUNT_WIDTH
    if total == 0:
        return format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="verdict-mix" role="img" width="{w}" height="40" '
            'viewBox="0 0 {w} 40" aria-labelledby="{id}-title {id}-desc">'
            '<title id="{id}-title">{title}</title><desc id="{id}-desc">No published verdicts yet.</desc>'
            '<text x="0" y="24" font-family="system-ui, sans-serif" font-size="14" fill="#5b6475">'
            "No published verdicts yet.</text></svg>",
            w=width,
            id=chart_id,
            title=title,
        )
    largest = max(int(row["count"]) for row in mix)
    height = PAD * 2 + len(mix) * (BAR_HEIGHT + ROW_GAP) - ROW_GAP
    desc = "; ".join(f"{row['name']}: {row['count']}" for row in mix)
    rows = []
    for index, row in enumerate(mix):
        count = int(row["count"])
        top = PAD + index * (BAR_HEIGHT + ROW_GAP)
        baseline = top + BAR_HEIGHT - 6
        bar = round(BAR_AREA * count / largest, 1)
        rows.append(
            (
                LABEL_WIDTH - 8,
                baseline,
                row["name"],
                LABEL_WIDTH,
                top,
                bar,
                BAR_HEIGHT,
                rating_colour(row),
                row["name"],
                count,
                LABEL_WIDTH + bar + 6,
                baseline,
                count,
            )
        )
    bars = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}">{}</text></g>',
        rows,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="verdict-mix" role="img" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif" '
        'font-size="13" fill="#1d2330">'
        '<title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}. {total} published verdict{plural} in all.</desc>{bars}</svg>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=desc,
        total=total,
        plural="" if total == 1 else "s",
        bars=bars,
    )


@register.simple_tag
def verdict_mix_chart(mix: Sequence[Mapping[str, Any]], chart_id: str, title: str) -> SafeString:
    return verdict_mix_svg(mix, chart_id=chart_id, title=title)


@register.filter
def percent(share: float | None) -> str:
    """0.1667 -> "16.7%"; None -> "\u2014" (nothing to divide)."""
    return "\u2014" if share is None else f"{share * 100:.1f}%".replace(".0%", "%")
