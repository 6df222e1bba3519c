"""MarketModel: the foundation-model market, one step per month (MODEL.md; docs/ODD.md).

Vendors are Mesa agents; developers and researchers are vectorised populations. The step
runs the processes of MODEL.md in order:

1. talent market          :func:`market_sim.market.labor.talent_market`
2. R&D                    :func:`market_sim.market.finance.commit_compute`, ``innovation.research``
3. releases               :func:`market_sim.market.innovation.release_families`
4. community              :func:`market_sim.market.community.community`
5. pricing                :func:`market_sim.market.pricing.set_prices`
6. adoption               :func:`market_sim.market.adoption.spread_awareness`, ``adopt``
7. accounting             :func:`market_sim.market.finance.funding_rounds`, ``accounting.accounting``
8. data collection        :func:`market_sim.metrics.collect`

Entrants come in at the start of a month (:func:`market_sim.market.entry.enter_due`).
All randomness comes from the model's one ``numpy.random.Generator`` (``self.rng``).
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from market_sim import metrics
from market_sim.market import (
    accounting,
    adoption,
    community,
    entry,
    environment,
    finance,
    innovation,
    labor,
    pricing,
)
from market_sim.market.channels import effective_config
from market_sim.market.demand import ChoiceParams
from market_sim.market.options import OptionTable, build_options
from market_sim.populations import Developers, Researchers
from market_sim.scenario import Scenario
from market_sim.vendor import Vendor, VendorLedger


class MarketModel(mesa.Model):
    """The market. ``MarketModel(Scenario.default(), seed=1).run()`` returns the timeseries."""

    def __init__(self, scenario: Scenario | None = None, seed=None):
        super().__init__(rng=seed)
        self.scenario = scenario if scenario is not None else Scenario.default()
        self.seed = seed
        cfg = self.cfg = effective_config(self.scenario.to_dict())  # channels switched off (7.14)
        self.month = 0
        self.months = cfg["run"]["months"]
        self.dates = pd.period_range(cfg["run"]["start"], periods=self.months, freq="M").strftime("%Y-%m").tolist()
        salary0 = cfg["researchers"]["initial_salary_usd"]
        self.vendors: list[Vendor] = [
            Vendor(self, vid, i, cfg["vendors"][vid], salary0, cfg["vendors"][vid]["entry_month"])
            for i, vid in enumerate(self.scenario.vendor_ids)
        ]
        n_v = len(self.vendors)
        dcfg, rcfg = cfg["developers"], cfg["researchers"]
        awareness0 = np.array([v.cfg["initial_awareness"] if v.entered else 0.0 for v in self.vendors])
        self.developers = Developers.sample(dcfg, awareness0, self.rng, len(cfg["tiers"]["volume_shares"]))
        self.developer_weight = dcfg["population_represented"] / dcfg["count"]
        self.demand_order = self.rng.permutation(dcfg["count"])  # pricing's demand sample, see market.pricing
        self.demand_order_entry = self.developers.entry_month[self.demand_order]
        self.researchers = Researchers.sample(rcfg, np.array([v.cfg["mission_fit"] for v in self.vendors]), self.rng)
        self.researcher_weight = rcfg["population_represented"] / rcfg["count"] if rcfg["count"] else 0.0
        self._employ_initial_staff()
        self.options = OptionTable.empty(n_v)
        self.previous_open = np.zeros(len(self.options), bool)
        self.shock_memory = 0.0
        self.flow_history: list[np.ndarray] = []
        self.closed_frontier: list[float] = []
        self.last_vendor_share = np.zeros(n_v)
        self.last_open_share = np.zeros(n_v)
        self.records: list[dict] = []
        self._params: ChoiceParams | None = None
        self._params_month = -1

    def _employ_initial_staff(self) -> None:
        res = self.researchers
        if len(res) == 0 or self.researcher_weight == 0:
            return
        order = self.rng.permutation(len(res))
        start = 0
        for v in self.vendors:
            if v.entered:  # entrants hire theirs when they enter (market.entry)
                start += entry.hire_initial_staff(self, v, order[start:]).size

    def choice_params(self) -> ChoiceParams:
        """This month's utility constants (cached within a step)."""
        if self._params is None or self._params_month != self.month:
            self._params_month = self.month
            self._params = ChoiceParams.from_scenario(
                self.cfg,
                environment.volume_factor(self.cfg, self.month),
                1.0 + self.cfg["lock_in"]["shock_boost"] * self.shock_memory,
                self.month,
            )
        return self._params

    def step(self) -> None:
        """One month: the eight processes of MODEL.md in order."""
        self._params = None
        for v in self.vendors:
            v.last_ledger, v.ledger = v.ledger, VendorLedger()
        environment.apply_shocks(self)
        entry.enter_due(self)
        labor.talent_market(self)  # 1
        labor.pay_researchers(self)
        finance.commit_compute(self)  # 2
        innovation.research(self)
        innovation.release_families(self)  # 3
        community.community(self)  # 4
        self.previous_open = self.options.open.copy()
        self.options = build_options(self.vendors, self.cfg, self.month, community.saturation(self))
        pricing.set_prices(self)  # 5
        learned = adoption.spread_awareness(self)  # 6
        flows = adoption.adopt(self, learned)
        finance.funding_rounds(self)  # 7
        ledger = accounting.accounting(self, flows.switching_usd)
        self.last_vendor_share = metrics.vendor_token_shares(self, ledger.tokens)
        self.last_open_share = metrics.open_token_shares(self, ledger.tokens)
        closed = self.options.closed
        self.closed_frontier.append(float(np.max(self.options.kappa[closed], initial=-np.inf)))
        self.records.append(metrics.collect(self, ledger, flows))  # 8
        self.month += 1

    def run(self, months: int | None = None) -> pd.DataFrame:
        """Run to the scenario's horizon (or ``months`` more steps); returns the timeseries."""
        end = self.months if months is None else min(self.month + months, self.months)
        while self.month < end:
            self.step()
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """One row per month, columns as in docs/metrics.md; ``date`` is a monthly ``Period``."""
        ts = pd.DataFrame.from_records(self.records)
        if "date" in ts:
            ts["date"] = pd.PeriodIndex(ts["date"], freq="M")
        return ts
