"""The Vendor agent: a foundation-model company (C6, C7, C12, C15, C17, C18, C21, C22, C24).

One Mesa agent per vendor. State: cash, internal capability frontier kappa, released
families (capability and openness per size class), prices, community stock, strategy
objects for the five slots. The vendor's decisions are delegated to its strategies; the
market processes that involve everybody live in :mod:`market_sim.market`.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from market_sim.market import finance
from market_sim.market.options import N_SIZES
from market_sim.strategies.registry import make


@dataclass
class Family:
    """A released model family: capability and openness per size class (NaN = size not offered)."""

    month: int
    kappa: np.ndarray
    open: np.ndarray
    training_cost_usd: float


@dataclass
class VendorLedger:
    """This month's flows of one vendor, USD per month (real-population scale)."""

    revenue_api: float = 0.0
    revenue_service: float = 0.0
    revenue_complement: float = 0.0
    complement_sales: float = 0.0  # API sales to complement businesses (their inference_bought), 7.14
    serving_cost: float = 0.0
    inference: float = 0.0  # a complement business's own inference (compute or bought), 7.14
    inference_bought: float = 0.0  # the part paid to a rival's closed API
    payroll: float = 0.0
    compute: float = 0.0
    training: float = 0.0
    funding: float = 0.0
    tokens_mtok: float = 0.0

    @property
    def revenue_model(self) -> float:
        """All model-layer revenue: developers' API and service payments plus API sales to
        complement businesses (docs/ODD.md 7.14)."""
        return self.revenue_api + self.revenue_service + self.complement_sales

    @property
    def profit(self) -> float:
        return (
            self.revenue_model
            + self.revenue_complement
            - self.serving_cost
            - self.inference
            - self.payroll
            - self.compute
            - self.training
        )


class Vendor(mesa.Agent):
    """A model vendor.

    Attributes:
        vid, index, name: identity (``index`` is its column in population arrays).
        cash_usd, funding_left_usd: money; a vendor with negative cash and no funding exits (C21).
        commitments: compute contracted for this month and the next H - 1, USD each (None before
            the first month in the market); paid when due whatever the cash (C17).
        run_cost_usd: training compute paid since the last release (the next family's cost).
        entered, exit_month: in the market from its entry month until its exit; ``exited`` is
            true before entry and after exit (no API, no costs, no hiring).
        kappa: internal capability frontier (kappa-units, 1 = 10x effective compute).
        knowledge: algorithmic knowledge stock A_v; kappa = A_v + compute term.
        free_knowledge: the part of A_v gained without paying for it (absorbed community work,
            spillover, usage learning), kappa-units; it does not raise serving cost (docs/ODD.md 7.6).
        compute_avg_usd: exponential moving average (weight 1/12) of compute spend.
        released_kappa, released_open: latest release per size (what the vendor serves).
        open_kappa: latest open-weight release per size (what hosts and self-hosters serve).
        released_cost_kappa, open_cost_kappa: the same releases' capability less the vendor's
            free_knowledge at release: the capability that sets serving cost (docs/ODD.md 7.6).
        price: the vendor's own API/service price per size, USD per Mtok.
        community_stock: accumulated community work on its open models (C10, C14).
        forks: derivative models published so far (C14), real-population scale.
        salary_offer_usd: annual offer per skill unit.
        compute_usd: this month's R&D compute spend.
    """

    def __init__(
        self, model: mesa.Model, vid: str, index: int, cfg: dict, salary_offer_usd: float, entry_month: int = 0
    ):
        super().__init__(model)
        self.vid = vid
        self.index = index
        self.name = cfg["name"]
        self.cfg = cfg
        self.cash_usd = cfg["cash_usd"]
        self.funding_left_usd = cfg["funding_usd"]
        self.kappa = cfg["initial_capability"]
        self.knowledge = cfg["initial_capability"]  # A_v, set at the first research step
        self.free_knowledge = 0.0
        self.compute_avg_usd = 0.0
        self.compute_cost_factor = cfg["compute_cost_factor"]
        self.quality_premium = cfg["quality_premium"]
        self.service = cfg["service"]
        self.first_release_month = cfg["first_release_month"]
        self.released_kappa = np.full(N_SIZES, np.nan)
        self.released_open = np.zeros(N_SIZES, bool)
        self.open_kappa = np.full(N_SIZES, np.nan)
        self.released_cost_kappa = np.full(N_SIZES, np.nan)
        self.open_cost_kappa = np.full(N_SIZES, np.nan)
        self.price = np.zeros(N_SIZES)
        self.families: list[Family] = []
        self.community_stock = 0.0
        self.forks = 0.0
        self.entry_month = entry_month
        self.entered = entry_month == 0
        self.exit_month: int | None = None
        self.commitments: list[float] | None = None
        self.last_commitment_usd: float | None = None
        self.on_plan = True
        self.run_cost_usd = 0.0
        self.last_round_month: int | None = None
        self.revenue_history: list[float] = []
        self.deprecated = False
        self.terms_restricted = False  # an active terms_change or deprecation shock (7.14)
        self.complement_source = -1  # option id its complement business runs on (-1: none)
        self.price_factor = 1.0
        self.salary_offer_usd = salary_offer_usd
        self.compute_usd = 0.0
        self.ledger = VendorLedger()
        self.last_ledger = VendorLedger()
        self.payoff_open: list[float] = []
        self.payoff_closed: list[float] = []
        self.fill_rate = 1.0
        self.applicants_per_slot = 0.0
        self.pricing = make("pricing", cfg["pricing"])
        self.openness = make("openness", cfg["openness"])
        self.release = make("release", cfg["release"])
        self.hiring = make("hiring", cfg["hiring"])
        self.rnd = make("rnd", cfg["rnd"])

    # -- derived --------------------------------------------------------------------------
    @property
    def exited(self) -> bool:
        """Out of the market: not yet entered, or exited (C21)."""
        return not self.entered or self.exit_month is not None

    @property
    def last_release_month(self) -> int | None:
        return self.families[-1].month if self.families else None

    @property
    def visibility(self) -> float:
        """Share of the latest release's sizes that are open: how publishable the work is (C9)."""
        if not self.families:
            return 0.0
        fam = self.families[-1]
        offered = ~np.isnan(fam.kappa)
        return float(fam.open[offered].mean()) if offered.any() else 0.0

    @property
    def openness_label(self) -> str:
        """'open', 'closed' or 'partly open' (by size) for the latest release; 'unreleased' before one."""
        if not self.families:
            return "unreleased"
        fam = self.families[-1]
        flags = fam.open[~np.isnan(fam.kappa)]
        return "open" if flags.all() else "closed" if not flags.any() else "partly open"

    @property
    def best_released(self) -> float:
        return float(np.nanmax(self.released_kappa)) if self.families else -np.inf

    @property
    def is_open(self) -> bool:
        """Whether the latest release has any open-weight size."""
        return bool(self.families and self.families[-1].open[~np.isnan(self.families[-1].kappa)].any())

    def complement_base_usd(self, month: int) -> float:
        """Complement revenue before AI effects: base x (1 + growth)^(t/12) (C18)."""
        return self.cfg["complement_usd_per_month"] * (1.0 + self.cfg["complement_growth_per_year"]) ** (month / 12.0)

    # -- actions --------------------------------------------------------------------------
    def release_family(self, month: int, sizes: list[int], is_open: list[bool], gaps: np.ndarray):
        """Snapshot the internal frontier into a family: kappa_k = kappa - gap_k (C15). Its training
        cost is the final-run compute paid since the last release (already booked monthly, C17)."""
        kappa = np.full(N_SIZES, np.nan)
        flags = np.zeros(N_SIZES, bool)
        for k, op in zip(sizes, is_open, strict=True):
            kappa[k] = self.kappa - gaps[k]
            flags[k] = op
            self.released_kappa[k] = kappa[k]
            self.released_cost_kappa[k] = kappa[k] - self.free_knowledge
            self.released_open[k] = op
            if op:
                self.open_kappa[k] = kappa[k]
                self.open_cost_kappa[k] = kappa[k] - self.free_knowledge
        self.families.append(Family(month, kappa, flags, self.run_cost_usd))
        self.run_cost_usd = 0.0

    def raise_funds(self, need_usd: float) -> float:
        """A bridge round for a deficit of ``need_usd``: all or nothing (:func:`finance.bridge`)."""
        return finance.bridge(self.model, self, need_usd)

    def receive_funding(self, amount_usd: float, month: int) -> None:
        """Book a round: cash and this month's funding rise, the remaining cap falls."""
        self.funding_left_usd -= amount_usd
        self.cash_usd += amount_usd
        self.ledger.funding += amount_usd
        self.last_round_month = month

    def enter(self, month: int) -> None:
        """Enter the market in ``month`` (which becomes its ``entry_month``): from now on it hires,
        researches and releases."""
        self.entered = True
        self.entry_month = month

    def exit(self, month: int) -> None:
        """Leave the market (C21): the API/service stops (its users choose again), outstanding
        compute commitments lapse unpaid, its researchers search at the next talent market;
        its open weights remain with hosts and self-hosters."""
        self.exit_month = month
        self.commitments = []
