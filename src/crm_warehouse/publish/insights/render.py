"""Words for the numbers: the insights report as Markdown, and the metric dictionary."""

from __future__ import annotations

from typing import Any

from crm_warehouse.publish.insights.findings import FAST_FACTOR, RECENT_WEEKS, Findings
from crm_warehouse.publish.powerbi.spec import MetricSpec


def gbp(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"GBP {value / 1_000_000:,.2f}M"
    if abs(value) >= 10_000:
        return f"GBP {value / 1_000:,.0f}k"
    return f"GBP {value:,.2f}"


def _h(value: float) -> str:
    return f"{value:.2f} h"


def _revenue(f: Findings) -> list[str]:
    k = f.kpi
    lines = [
        "### Revenue",
        "",
        f"- Total revenue: **{gbp(k['total_revenue_gbp'])}** from {k['first_order_date']} "
        f"to {k['last_order_date']} ({k['orders']:,} revenue orders).",
        "",
        "| Year | Revenue | YoY | Months with orders | Note |",
        "| --- | --- | --- | --- | --- |",
    ]
    for y in f.years:
        yoy = f"{y['revenue_yoy_pct']:+.1f}%" if y["revenue_yoy_pct"] is not None else "-"
        note = (
            f"partial year ({y['months_covered']} of 12 months): not comparable"
            if y["is_partial_year"]
            else ""
        )
        lines.append(
            f"| {y['calendar_year']} | {gbp(y['revenue_gbp'])} | {yoy} | "
            f"{y['months_covered']} | {note} |"
        )
    full = [y for y in f.years if not y["is_partial_year"] and y["revenue_yoy_pct"] is not None]
    swing = max((abs(y["revenue_yoy_pct"]) for y in full), default=0.0)
    share = f.top_products[-1]["cumulative_revenue_share_pct"] if f.top_products else 0.0
    lines += [
        "",
        f"- Implication: the largest full-year swing is {swing:.1f}%: revenue is "
        f"volatile; the top {len(f.top_products)} products take {share:.1f}% of it.",
    ]
    for y in f.partial_years:
        lines.append(
            f"- {y['calendar_year']} is partial and must be treated as an incomplete "
            "window, not as a decline."
        )
    return lines


def _volume_and_economics(f: Findings) -> list[str]:
    k = f.kpi
    top = ", ".join(f"{p['product_name']} ({gbp(p['revenue_gbp'])})" for p in f.top_products[:3])
    return [
        "",
        "### Volume",
        "",
        f"- Units sold: **{k['units']:,}**; average price per unit "
        f"{gbp(k['avg_price_per_unit_gbp'])}.",
        f"- Top products by revenue: {top}.",
        "",
        "### Customer economics",
        "",
        f"- AOV: **{gbp(k['aov_gbp'])}**.",
        f"- ARPC: **{gbp(k['arpc_gbp'])}** over {k['customers']:,} CRM customers.",
    ]


def _segments(f: Findings) -> list[str]:
    total = sum(s["customers"] for s in f.segments)
    biggest = max(f.segments, key=lambda s: s["customers"])
    brackets = ", ".join(f"{s['income_bracket']} {s['customers']:,}" for s in f.segments)
    genders = ", ".join(f"{g['gender']} {100 * g['customers'] / total:.1f}%" for g in f.genders)
    lines = [
        "",
        "### Customers and segments",
        "",
        f"- Customers: **{total:,}**; income brackets: {brackets}.",
        f"- Gender: {genders}.",
        "",
        "| Income bracket | Customers | Revenue | Revenue share | ARPC | AOV |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {s['income_bracket']} | {s['customers']:,} | {gbp(s['revenue_gbp'])} | "
        f"{s['revenue_share_pct']:.1f}% | {gbp(s['arpc_gbp'])} | {gbp(s['aov_gbp'])} |"
        for s in f.segments
    ]
    lines += [
        "",
        f"- Implication: {biggest['income_bracket'].lower()}-income customers are the "
        f"largest cohort ({100 * biggest['customers'] / total:.1f}%); prioritise retention "
        "actions there.",
    ]
    return lines


def _support(f: Findings) -> list[str]:
    o = f.overall
    lines = [
        "",
        "### Support",
        "",
        f"- Closed tickets: **{o['closed_tickets']:,}** (of {f.kpi['tickets']:,} tickets).",
        f"- First response time: mean **{_h(o['mean_first_response_hours'])}**, median "
        f"{_h(o['median_first_response_hours'])}, P75 {_h(o['p75_first_response_hours'])}, "
        f"P95 {_h(o['p95_first_response_hours'])}.",
        f"- Time to resolution (from first response): mean "
        f"**{_h(o['mean_resolution_hours'])}**, median {_h(o['median_resolution_hours'])}, "
        f"P75 {_h(o['p75_resolution_hours'])}, P95 {_h(o['p95_resolution_hours'])}.",
        f"- CSAT positive (4-5): **{o['csat_positive_pct']:.1f}%** of {o['rated_tickets']:,} "
        f"rated tickets; mean CSAT {o['mean_csat_rating']:.2f}.",
        "",
        "| Channel | Closed | FRT mean | FRT median | FRT P75 | FRT P95 | TTR mean | "
        "TTR median | TTR P95 | CSAT mean | CSAT positive |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {c['channel_label']} | {c['closed_tickets']:,} | "
        f"{c['mean_first_response_hours']:.2f} | {c['median_first_response_hours']:.2f} | "
        f"{c['p75_first_response_hours']:.2f} | {c['p95_first_response_hours']:.2f} | "
        f"{c['mean_resolution_hours']:.2f} | {c['median_resolution_hours']:.2f} | "
        f"{c['p95_resolution_hours']:.2f} | {c['mean_csat_rating']:.2f} | "
        f"{c['csat_positive_pct']:.1f}% |"
        for c in f.channels
    ]
    issues = ", ".join(f"{s['issue_name']} {s['closed_tickets']}" for s in f.subjects[:3])
    slow, poor = f.slowest_channel, f.least_satisfying_channel
    lines += [
        "",
        f"- Top issue types (closed tickets): {issues}.",
        f"- Implication: {slow['channel_label']} is the slowest channel (median FRT "
        f"{_h(slow['median_first_response_hours'])}); {poor['channel_label']} has the lowest "
        f"mean CSAT ({poor['mean_csat_rating']:.2f}).",
    ]
    return lines


def _priorities(f: Findings) -> list[str]:
    slow = f.slowest_channel
    others = [c for c in f.channels if c is not slow]
    median_others = sorted(c["median_first_response_hours"] for c in others)[len(others) // 2]
    items = [
        f"Fix {slow['channel_label'].lower()} routing and SLA enforcement: its median first "
        f"response is {_h(slow['median_first_response_hours'])} against "
        f"{_h(median_others)} for the other channels (P95 "
        f"{_h(slow['p95_first_response_hours'])})."
    ]
    poor = f.fast_but_poor_channel
    if poor:
        items.append(
            f"Audit {poor['channel_label'].lower()} response templates and agent "
            f"training: it answers within {FAST_FACTOR:g}x of the fastest channel but "
            f"its mean CSAT is {poor['mean_csat_rating']:.2f} "
            f"({poor['csat_positive_pct']:.1f}% positive)."
        )
    issues = ", ".join(s["issue_name"] for s in f.subjects[:3])
    count = sum(s["closed_tickets"] for s in f.subjects[:3])
    items.append(
        f"Triage product fixes for the top issue types ({issues}: {count} closed "
        "tickets) to reduce support load and improve CSAT."
    )
    o = f.overall
    if f.is_skewed:
        items.append(
            f"Report medians with P75 and P95 bands: mean first response "
            f"{_h(o['mean_first_response_hours'])} sits above the median "
            f"{_h(o['median_first_response_hours'])} (P95 "
            f"{_h(o['p95_first_response_hours'])})."
        )
    r = f.recent
    items.append(
        f"Run the Weekly Ops page every week: over the last {RECENT_WEEKS} weeks "
        f"(since {r['since']}) {r['tickets']:,} tickets, {r['sla_breached']:,} SLA "
        f"violators and {gbp(r['revenue_at_risk'])} revenue at risk."
    )
    return ["", "## Immediate priorities", "", *(f"{i}. {text}" for i, text in enumerate(items, 1))]


def _cautions(f: Findings) -> list[str]:
    k, o = f.kpi, f.overall
    share = 100 * f.ticket_customers / k["customers"] if k["customers"] else 0.0
    items = [
        f"Ticketing-derived metrics reflect the {f.ticket_customers:,} customers who "
        f"submitted tickets ({share:.1f}% of {k['customers']:,} CRM customers) and "
        f"{o['closed_tickets']:,} closed tickets: not representative of the customer base."
    ]
    for y in f.partial_years:
        yoy = f"{y['revenue_yoy_pct']:+.1f}%" if y["revenue_yoy_pct"] is not None else "n/a"
        items.append(
            f"{y['calendar_year']} revenue is partial ({y['months_covered']} of 12 "
            f"months, {gbp(y['revenue_gbp'])}); its YoY change ({yoy}) is not comparable "
            "with full years."
        )
    rated = o["rated_tickets"]
    items.append(
        f"CSAT comes from the {rated:,} closed tickets with a rating "
        f"({100 * rated / o['closed_tickets']:.1f}% of closed tickets), biased towards "
        "customers who give feedback: use relative changes, not absolute levels."
    )
    if k["unmatched_tickets"]:
        items.append(
            f"{k['unmatched_tickets']:,} tickets match no CRM customer; they count in "
            "support figures but not in customer segments."
        )
    return ["", "## Data cautions and limitations", "", *(f"- {i}" for i in items)]


def dictionary(spec: MetricSpec) -> list[str]:
    lines = [
        "",
        "## Metric dictionary",
        "",
        "Generated from the metric definitions in "
        "`transform/models/metrics/_metrics__definitions.yml`; the Power BI measure and "
        "the dashboard label are the label.",
        "",
    ]
    for m in spec.metrics:
        grains = (
            "; ".join(
                f"`{c.model}.{c.column}`"
                + (f" by {c.by}" if c.by else "")
                + " - "
                + spec.models[c.model].grain
                for c in m.certified_in
            )
            or "computed from the rows only"
        )
        lines += [
            f"### {m.label}",
            "",
            f"- Definition: {m.description}",
            f"- Formula: {m.formula}",
            f"- Unit: {m.format}; group: {m.group}; calculation: `{m.calculation.kind}`",
            f"- Grain / certified in: {grains}",
        ]
        lines += [f"- Caveat: {c}" for c in m.caveats]
        lines.append("")
    return lines


def render_markdown(f: Findings, spec: MetricSpec) -> str:
    lines: list[Any] = [
        "# CRM Warehouse - insights",
        "",
        "Generated by `crm-warehouse publish` from the published tables in this "
        "folder; every number below is computed, not typed.",
        "",
        "## Key metrics and findings",
        "",
    ]
    lines += _revenue(f) + _volume_and_economics(f) + _segments(f) + _support(f)
    lines += _priorities(f) + _cautions(f) + dictionary(spec)
    return "\n".join(lines).rstrip() + "\n"
