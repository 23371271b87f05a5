"""The calibration targets of the demo sources: the one place these numbers live.

They come from the design's "Key Metrics and Findings" (the seed document). The generator builds
its data so that, at ``scale=1``, each figure holds by construction; the tests in ``tests/demo``
recompute every figure from the written SQLite database and CSV files and compare it with the
target and tolerance below. At other scales the counts and money scale proportionally and the
figures hold approximately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CHANNELS = ("Email", "Phone", "Chat", "Social media")


@dataclass(frozen=True)
class Calibration:
    """Targets at ``scale=1``. Money in GBP, durations in hours. Treat the dicts as read-only."""

    # --- period ------------------------------------------------------------------------------
    period_start: date = date(2019, 1, 1)
    period_end: date = date(2022, 1, 31)  # 2022 is January only: an incomplete year

    # --- revenue: sum(quantity * unit_price) over orders not cancelled / returned -----------------
    # The seed's yearly shape (1.23 / 2.82 / 1.83 / 0.063 M) scaled to its total of 5.61 M.
    revenue_by_year: dict[int, int] = field(
        default_factory=lambda: {2019: 1_161_000, 2020: 2_662_000, 2021: 1_727_000, 2022: 59_500}
    )
    revenue_total: int = 5_610_000
    revenue_tolerance: float = 0.01  # relative, for the total and each year
    aov: float = 626.80  # revenue per revenue order
    aov_tolerance: float = 0.02
    units: int = 13_000  # sum(quantity) over revenue orders
    units_tolerance: float = 0.02
    cancelled_share: float = 0.02  # of all orders; outside the revenue figures
    returned_share: float = 0.01

    # --- products and customers -------------------------------------------------------------
    products: int = 42
    customers_by_bracket: dict[str, int] = field(
        default_factory=lambda: {"Low": 792, "Medium": 1_413, "High": 544}
    )
    revenue_by_bracket: dict[str, int] = field(
        default_factory=lambda: {"Low": 1_640_000, "Medium": 2_850_000, "High": 1_110_000}
    )
    bracket_revenue_tolerance: float = 0.03
    arpc: float = 2_000.0  # revenue / customers with a revenue order
    arpc_tolerance: float = 0.03
    gender_shares: dict[str, float] = field(
        default_factory=lambda: {"Male": 0.48, "Female": 0.48, "Other": 0.04}
    )

    # --- helpdesk tickets ---------------------------------------------------------------------
    closed_tickets: int = 1_566
    open_pending_share: float = 0.15  # Open + Pending tickets, as a share of the Closed ones
    mean_frt_hours: float = 2.0  # First Response Time - Created At, over Closed tickets
    mean_ttr_hours: float = 1.6  # Time to Resolution - First Response Time, over Closed tickets
    duration_tolerance: float = 0.02  # relative, for every mean duration
    channel_frt_hours: dict[str, float] = field(
        default_factory=lambda: {"Social media": 1.57, "Chat": 1.58, "Email": 1.61, "Phone": 3.92}
    )
    channel_csat: dict[str, float] = field(
        default_factory=lambda: {"Social media": 3.04, "Chat": 3.17, "Email": 2.99, "Phone": 2.92}
    )
    csat_tolerance: float = 0.03  # absolute, on a 1..5 mean
    csat_positive_share: float = 0.409  # rating 4 or 5, over Closed tickets
    csat_positive_tolerance: float = 0.005  # absolute (0.5 percentage points)
    top_subjects: dict[str, int] = field(
        default_factory=lambda: {
            "Network problem": 119,
            "Product compatibility": 117,
            "Product recommendation": 109,
        }
    )

    # --- deliberate source quirks the pipeline must handle -----------------------------------
    email_variant_share: float = 0.30  # ticket emails differing from the CRM by case / spaces
    unmatched_email_share: float = 0.015  # ticket emails matching no customer
    unknown_product_share: float = 0.01  # Product Purchased not in the products table

    @property
    def customers(self) -> int:
        return sum(self.customers_by_bracket.values())

    @property
    def revenue_orders_by_year(self) -> dict[int, int]:
        """Orders that count for revenue, per year, so that every year has the target AOV."""
        return {year: round(revenue / self.aov) for year, revenue in self.revenue_by_year.items()}

    @property
    def revenue_orders(self) -> int:
        return sum(self.revenue_orders_by_year.values())

    def channel_shares(self) -> dict[str, float]:
        """Shares of Closed tickets per channel implied by the overall and per-channel mean FRT.

        Email, Chat and Social media share equally; Phone takes what makes the overall mean
        ``mean_frt_hours`` (about 17.7%).
        """
        others = [c for c in CHANNELS if c != "Phone"]
        others_mean = sum(self.channel_frt_hours[c] for c in others) / len(others)
        phone = (self.mean_frt_hours - others_mean) / (
            self.channel_frt_hours["Phone"] - others_mean
        )
        shares = {c: (1 - phone) / len(others) for c in others}
        shares["Phone"] = phone
        return {c: shares[c] for c in CHANNELS}


CALIBRATION = Calibration()
