"""An idiomatic per-agent Mesa reference of the developer adoption step (issue 4).

The package runs developers as one vectorised population (``market_sim.populations.Developers``)
so that a million of them fit in a minute. This module writes the same month of developer
behaviour the way a Mesa model usually is written, one ``mesa.Agent`` per developer holding its
attributes as Python scalars and ``model.agents.shuffle_do("step")``, so that

- the vectorised code has an oracle: ``tests/test_reference.py`` checks that both give the same
  token shares, churn, contributions, switching costs and awareness in distribution, and
- ``benchmarks/run.py`` can measure what vectorising buys.

Both run against a *frozen market*: a :class:`~market_sim.model.MarketModel` is run for some
months (:func:`freeze`), then its option table (capabilities, prices, costs), its vendors and
its community constants are held fixed while the developers go on for more months: entry,
awareness (Bass, ``p + q share``), contributions to open models, reconsideration, the logit
choice with the outside option, switching costs. Only the month's volume factor moves on with
the calendar, as it does in the model. Pricing, R&D, releases, the talent market and
accounting are not part of the comparison.

- :class:`VectorisedAdoption` runs the package's own functions on a copy of the frozen model:
  ``community.community``, ``adoption.spread_awareness`` and ``adoption.adopt``.
- :class:`ReferenceAdoption` (a ``mesa.Model``) copies the frozen developers into
  :class:`DeveloperAgent` objects and runs the rules of docs/ODD.md sections 7.9, 7.10 and the
  community flow (C10) per agent in pure Python, with scalar draws from ``model.random``. It
  uses no function of ``market_sim.market`` (only the scenario constants and
  ``ChoiceParams.from_scenario``), so a change of rules on one side shows up as a difference.

The two use different random streams, so they agree only statistically.
"""

from __future__ import annotations

import math
import pickle

import mesa
import numpy as np

from market_sim.market import adoption, community, environment
from market_sim.market.demand import ChoiceParams
from market_sim.market.options import SELF, VENDOR
from market_sim.model import MarketModel
from market_sim.scenario import Scenario

__all__ = [
    "DeveloperAgent",
    "ReferenceAdoption",
    "VectorisedAdoption",
    "compare",
    "freeze",
    "run_reference",
    "run_vectorised",
    "statistics_of",
]


def freeze(scenario: Scenario | None = None, seed: int = 1, months: int = 12) -> MarketModel:
    """A MarketModel run for ``months`` months: the market state both implementations start from."""
    model = MarketModel(scenario if scenario is not None else Scenario.default(), seed=seed)
    model.run(months=months)
    return model


def _copy(model: MarketModel) -> MarketModel:
    return pickle.loads(pickle.dumps(model))  # (a Mesa model pickles with its agents)


# ----------------------------------------------------------------------------------------------
# The package's vectorised population, driven against the frozen market


class VectorisedAdoption:
    """The package's adoption step (community, awareness, choice, switching) on a copy of
    ``frozen``, month after month, with the option table held fixed."""

    def __init__(self, frozen: MarketModel, seed: int, record: bool = True):
        self.model = _copy(frozen)
        self.model.rng = np.random.default_rng(seed)
        self.vids = [v.vid for v in self.model.vendors]
        self.record = record  # False: no monthly record (for timing the step alone)

    def step(self) -> dict:
        m = self.model
        dev, opts = m.developers, m.options
        before = int(dev.contributions.sum())
        community.community(m)  # 4: contributions by last month's adopters
        m.previous_open = opts.open.copy()  # the market is frozen: last month's options are this month's
        learned = adoption.spread_awareness(m)  # 6
        flows = adoption.adopt(m, learned)
        if not self.record:
            m.month += 1
            return {}
        on = dev.option >= 0
        volume = dev.volume_mtok[on] * environment.volume_factor(m.cfg, m.month)
        tokens = np.bincount(opts.vendor[dev.option[on]], weights=volume, minlength=len(self.vids))
        active = dev.entry_month <= m.month
        record = _record(
            m.month,
            self.vids,
            tokens,
            flows.left_open,
            flows.on_open_before,
            flows.left_closed,
            flows.on_closed_before,
            adopting=int((on & active).sum()),
            active=int(active.sum()),
            aware=int(dev.aware[active].sum()),
            contributions=int(dev.contributions.sum()) - before,
            switching_usd=flows.switching_usd,
        )
        m.month += 1
        return record

    def run(self, months: int) -> list[dict]:
        return [self.step() for _ in range(months)]


# ----------------------------------------------------------------------------------------------
# The idiomatic Mesa reference


class _Option:
    """One available option of the frozen table, as Python scalars."""

    __slots__ = (
        "id",
        "vendor",
        "size",
        "self_hosted",
        "open",
        "price",
        "quality",
        "quality_ft",
        "support",
        "integration",
        "privacy_ok",
    )


class DeveloperAgent(mesa.Agent):
    """One developer: the attributes of ``market_sim.populations.Developers`` as Python scalars."""

    def __init__(self, model: ReferenceAdoption, attrs: dict):
        super().__init__(model)
        self.volume_mtok: float = attrs["volume_mtok"]
        self.value_per_mtok: float = attrs["value_per_mtok"]
        self.reconsider_rate: float = attrs["reconsider_rate"]
        self.privacy_bound: bool = attrs["privacy_bound"]
        self.size_need: int = attrs["size_need"]
        self.finetune_need: bool = attrs["finetune_need"]
        self.inhouse: float = attrs["inhouse"]
        self.lockin_aversion: float = attrs["lockin_aversion"]
        self.contribution_propensity: float = attrs["contribution_propensity"]
        self.entry_month: int = attrs["entry_month"]
        self.option: int = attrs["option"]  # -1: none
        self.months_on: int = attrs["months_on"]
        self.aware: list[bool] = attrs["aware"]
        self.contributions: int = attrs["contributions"]

    def step(self) -> None:
        """This developer's month: contribute, learn of vendors, perhaps choose again."""
        model = self.model
        t = model.month
        if self.entry_month > t:
            return
        rand = self.random.random
        current = self.option
        on = current >= 0

        # community (C10): an adopter of an open-weight option contributes with its propensity
        if on and model.option_open[current] and rand() < min(self.contribution_propensity * model.strength, 1.0):
            self.contributions += 1
            vendor = model.option_vendor[current]
            model.contributions[vendor] += 1
            if rand() < model.fork_share:
                model.forks[vendor] += model.developer_weight

        # churn counts by the kind the option had last month
        was_open = on and model.previous_open[current]
        if on:
            if was_open:
                model.on_open_before += 1
            else:
                model.on_closed_before += 1

        # awareness (Bass): each vendor not yet known, with probability p + q * its adopter share
        learned = False
        aware = self.aware
        for vendor, prob in model.awareness_prob:
            if not aware[vendor] and rand() < prob:
                aware[vendor] = True
                learned = True

        # reconsider: forced, or with the developer's monthly rate
        forced = (
            self.entry_month == t
            or (on and not model.option_available[current])
            or (learned and not on)
            or (t == 0 and model.initial_choice)
        )
        if forced or rand() < self.reconsider_rate:
            choice, switching = self.choose()
            if choice != current:
                if on:
                    if was_open:
                        model.left_open += 1
                    else:
                        model.left_closed += 1
                if choice >= 0:
                    model.switching_usd += switching
                self.option = choice
                self.months_on = 0
        if self.option >= 0:
            self.months_on += 1

    def choose(self) -> tuple[int, float]:
        """The best option under Gumbel taste shocks (or -1) and the one-time switching cost of
        moving to it (USD): U = w [g(kappa) - mismatch - missing fine-tuning - integration]
        - payment - w lambda L [closed] - w s(current, o); see market_sim.market.demand."""
        model = self.model
        p = model.params
        rand = self.random.random
        log = math.log
        volume = self.volume_mtok * p.volume_factor
        w = volume * self.value_per_mtok
        sigma = p.noise * w
        h = self.inhouse
        ft = self.finetune_need
        need = self.size_need
        current = self.option
        current_open = current >= 0 and model.option_open[current]
        current_closed_api = current >= 0 and not current_open and model.option_mode[current] == VENDOR
        lockin = w * self.lockin_aversion * p.lockin_multiplier
        overhead = 1.0 + p.overhead_max * (1.0 - h)
        aware = self.aware
        best, best_noisy, best_switch = -1, -math.inf, 0.0
        for o in model.menu:
            if not aware[o.vendor] or (self.privacy_bound and not o.privacy_ok):
                continue
            quality = o.quality_ft - p.finetune_missing * (1.0 - o.support) if ft else o.quality
            quality -= p.size_mismatch * abs(need - o.size) + (1.0 - h) * o.integration
            if o.self_hosted:
                payment = (volume * o.price + p.selfhost_fixed[o.size]) * overhead
            else:
                payment = volume * o.price
            if o.id == current:
                s = 0.0
            elif current < 0:
                s = p.onboarding
            elif current_closed_api:
                s = p.closed_exit
            elif current_open and o.open:
                s = p.open_to_open
            else:
                s = p.other
            utility = w * quality - payment - w * s
            if not o.open:
                utility -= lockin
            noisy = utility / sigma - log(-log(rand() or 5e-324))
            if noisy > best_noisy:
                best, best_noisy, best_switch = o.id, noisy, w * s
        if best >= 0 and model.outside_option and not best_noisy > -log(-log(rand() or 5e-324)):
            return -1, 0.0
        return best, best_switch


class ReferenceAdoption(mesa.Model):
    """The developers of ``frozen`` as Mesa agents, stepped with ``shuffle_do("step")`` against
    its frozen option table. ``run(months)`` returns one record a month (as
    :meth:`VectorisedAdoption.run`)."""

    agent_class = DeveloperAgent

    def __init__(self, frozen: MarketModel, seed: int, record: bool = True):
        super().__init__(seed=seed)
        self.record = record  # False: no monthly record (for timing the step alone)
        cfg = self.cfg = frozen.cfg
        opts = frozen.options
        self.month = frozen.month
        self.vids = [v.vid for v in frozen.vendors]
        self.n_vendors = len(self.vids)
        self.lockin_multiplier = 1.0 + cfg["lock_in"]["shock_boost"] * frozen.shock_memory
        self.p_awareness, self.q_awareness = cfg["awareness"]["p"], cfg["awareness"]["q"]
        self.initial_choice = cfg["developers"]["initial_choice"]
        self.outside_option = cfg["market"]["outside_option"]
        com = cfg["community"]
        self.strength, self.fork_share = com["strength"], com["fork_share"]
        self.depreciation = com["depreciation"]
        self.developer_weight = frozen.developer_weight
        # the academia part of the community flow is a model-level constant in a frozen market
        res = frozen.researchers
        skill_total = float(res.skill.sum()) if len(res) else 0.0
        academia = float(res.capacity()[res.academia]) / skill_total if skill_total > 0 else 0.0
        self.academia_flow = [
            com["researcher_weight"] * com["strength"] * academia * float(s) for s in frozen.last_open_share
        ]
        self.community_stock = [v.community_stock for v in frozen.vendors]
        self.forks = [v.forks for v in frozen.vendors]

        # the option table, frozen: every id (for the current option), and the menu of available ones
        self.option_vendor = opts.vendor.tolist()
        self.option_mode = opts.mode.tolist()
        self.option_open = opts.open.tolist()
        self.option_available = opts.available.tolist()
        self.previous_open = self.option_open
        saturation = cfg["market"]["capability_saturation"]

        def g(kappa: float) -> float:
            return saturation * (1.0 - math.exp(-kappa / saturation)) if saturation > 0 else kappa

        self.menu: list[_Option] = []
        for i in np.flatnonzero(opts.available).tolist():
            o = _Option()
            o.id, o.vendor, o.size = i, int(opts.vendor[i]), int(opts.size[i])
            o.self_hosted = int(opts.mode[i]) == SELF
            o.open = bool(opts.open[i])
            o.price = float(opts.price[i])
            base = float(opts.kappa[i] + opts.premium[i])
            o.quality = g(base)
            o.quality_ft = g(base + float(opts.finetune_boost[i]))
            o.support = float(opts.finetune_support[i])
            o.integration = float(opts.integration[i])
            o.privacy_ok = bool(opts.privacy_ok[i])
            self.menu.append(o)
        self.offered = sorted({o.vendor for o in self.menu})

        dev = frozen.developers
        columns = {name: getattr(dev, name).tolist() for name in dev.__dataclass_fields__}
        for i in range(len(dev)):
            self.agent_class(self, {name: values[i] for name, values in columns.items()})

    def step(self) -> None:
        t = self.month
        cfg = self.cfg
        self.params = ChoiceParams.from_scenario(cfg, environment.volume_factor(cfg, t), self.lockin_multiplier)
        # the state at the start of the month: active developers and each vendor's adopters
        users = [0] * self.n_vendors
        n_active = 0
        for agent in self.agents:
            if agent.entry_month <= t:
                n_active += 1
                if agent.option >= 0:
                    users[self.option_vendor[agent.option]] += 1
        n_active = max(n_active, 1)
        self.awareness_prob = []
        for v in self.offered:
            prob = min(max(self.p_awareness + self.q_awareness * users[v] / n_active, 0.0), 1.0)
            if prob > 0:
                self.awareness_prob.append((v, prob))
        self.contributions = [0] * self.n_vendors
        self.left_open = self.left_closed = self.on_open_before = self.on_closed_before = 0
        self.switching_usd = 0.0

        self.agents.shuffle_do("step")

        for v in range(self.n_vendors):
            flow = self.contributions[v] / n_active + self.academia_flow[v]
            self.community_stock[v] = (1.0 - self.depreciation) * self.community_stock[v] + flow
        self.month += 1
        if not self.record:
            self.last_record = {}
            return
        tokens = [0.0] * self.n_vendors
        adopting = active = aware = 0
        for agent in self.agents:
            if agent.entry_month <= t:
                active += 1
                aware += sum(agent.aware)
                if agent.option >= 0:
                    adopting += 1
                    tokens[self.option_vendor[agent.option]] += agent.volume_mtok * self.params.volume_factor
        self.last_record = _record(
            t,
            self.vids,
            np.asarray(tokens),
            self.left_open,
            self.on_open_before,
            self.left_closed,
            self.on_closed_before,
            adopting=adopting,
            active=active,
            aware=aware,
            contributions=sum(self.contributions),
            switching_usd=self.switching_usd,
        )

    def run(self, months: int) -> list[dict]:
        records = []
        for _ in range(months):
            self.step()
            records.append(self.last_record)
        return records

    def close(self) -> None:
        """Let the model and its agents be garbage-collected: Mesa 3.3's ``Agent._ids`` (a class
        attribute) holds every model that ever created an agent (mesa issue 3179)."""
        mesa.Agent._ids.pop(self, None)


def run_reference(frozen: MarketModel, seed: int, months: int) -> list[dict]:
    """Monthly records of the Mesa reference from ``frozen``; the model is released afterwards."""
    model = ReferenceAdoption(frozen, seed)
    try:
        return model.run(months)
    finally:
        model.close()


def run_vectorised(frozen: MarketModel, seed: int, months: int) -> list[dict]:
    """Monthly records of the package's vectorised population from ``frozen``."""
    return VectorisedAdoption(frozen, seed).run(months)  # (an unpickled copy registers no agents)


# ----------------------------------------------------------------------------------------------
# Records and the statistics compared


def _record(month, vids, tokens, left_open, on_open, left_closed, on_closed, **counts) -> dict:
    total = float(np.sum(tokens))
    row = {"month": month}
    for vid, x in zip(vids, tokens, strict=True):
        row[f"share_{vid}"] = float(x) / total if total > 0 else 0.0
    row["left_open"], row["on_open_before"] = left_open, on_open
    row["left_closed"], row["on_closed_before"] = left_closed, on_closed
    row.update(counts)
    return row


def statistics_of(records: list[dict]) -> dict[str, float]:
    """What one run of either implementation is summarised by: token shares by vendor at the
    last month, churn of open and closed adopters (moves out / adopters at the start, pooled
    over the months), the adopting and aware shares of active developers at the last month,
    contributions and switching costs per month."""
    last = records[-1]
    out = {key: value for key, value in last.items() if key.startswith("share_")}
    on_open = sum(r["on_open_before"] for r in records)
    on_closed = sum(r["on_closed_before"] for r in records)
    out["churn_open"] = sum(r["left_open"] for r in records) / on_open if on_open else float("nan")
    out["churn_closed"] = sum(r["left_closed"] for r in records) / on_closed if on_closed else float("nan")
    out["adopting"] = last["adopting"] / max(last["active"], 1)
    out["aware"] = last["aware"] / max(last["active"], 1)
    out["contributions"] = float(np.mean([r["contributions"] for r in records]))
    out["switching_usd"] = float(np.mean([r["switching_usd"] for r in records]))
    return out


def compare(a: list[dict], b: list[dict], alpha: float = 0.05) -> list[dict]:
    """Per statistic of :func:`statistics_of`: the mean and 95% CI half-width over runs of ``a``
    and of ``b``, and whether their difference of means is within its (1 - alpha) confidence
    interval (Welch t), Bonferroni-corrected over the statistics compared."""
    from scipy import stats

    keys = list(a[0])
    level = 1.0 - alpha / (2 * len(keys))
    rows = []
    for key in keys:
        x, y = np.array([r[key] for r in a], float), np.array([r[key] for r in b], float)
        vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
        se = math.sqrt(vx + vy)
        if se > 0:
            df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))  # Welch-Satterthwaite
            half = float(stats.t.ppf(level, df)) * se
        else:
            half = 0.0
        diff = float(x.mean() - y.mean())
        rows.append(
            {
                "statistic": key,
                "mean_a": float(x.mean()),
                "ci_a": float(stats.t.ppf(0.975, x.size - 1) * math.sqrt(vx)),
                "mean_b": float(y.mean()),
                "ci_b": float(stats.t.ppf(0.975, y.size - 1) * math.sqrt(vy)),
                "difference": diff,
                "half_width": half,
                "agree": abs(diff) <= half,
            }
        )
    return rows
