"""An idiomatic per-agent Mesa reference of the developer adoption step (issues 4 and 10).

The package runs developers as one vectorised population (``market_sim.populations.Developers``)
so that a million of them fit in a minute. This module writes the same month of developer
behaviour the way a Mesa model usually is written, one ``mesa.Agent`` per developer holding its
attributes as Python scalars (and its option per task tier as a Python list) and
``model.agents.shuffle_do("step")``, so that

- the vectorised code has an oracle: ``tests/test_reference.py`` checks that both give the same
  token shares, total tokens, adoption, options per adopter, churn, contributions, switching
  costs and awareness in distribution, and
- ``benchmarks/run.py`` can measure what vectorising buys.

Both run against a *frozen market*: a :class:`~market_sim.model.MarketModel` is run for some
months (:func:`freeze`), then its option table (capabilities, prices, costs, nests), its vendors
and its community constants are held fixed while the developers go on for more months: entry,
awareness (Bass, ``p + q share``, a developer using any of a vendor's options in any tier being
one of its users), contributions to open models (to the model of the first tier on an open
option), reconsideration of all tiers at once, the nested-logit choice per task tier with the
outside option, the intensive margin of tokens, switching costs. The month's volume factor and
the tier requirements move on with the calendar, as they do in the model. Pricing, R&D,
releases, the talent market and accounting are not part of the comparison.

- :class:`VectorisedAdoption` runs the package's own functions on a copy of the frozen model:
  ``community.community``, ``adoption.spread_awareness``, ``adoption.adopt`` (and
  ``choice.own_outcome`` for the tokens it records).
- :class:`ReferenceAdoption` (a ``mesa.Model``) copies the frozen developers into
  :class:`DeveloperAgent` objects and runs the rules of docs/ODD.md (Demand: the definition in
  ``market_sim.market.demand``; adoption; the community flow C10) per agent in pure Python, with
  scalar draws from ``model.random``: quality, effective price, tokens, the money-metric utility
  in the ``log`` or ``linear`` price form, and a two-stage nested-logit draw (a nest, then an
  option in it). It uses no function of ``market_sim.market`` (only the scenario constants,
  ``ChoiceParams.from_scenario`` and the unit constants of ``demand``), so a change of rules on
  one side shows up as a difference.

The two use different random streams, so they agree only statistically.
"""

from __future__ import annotations

import math
import pickle

import mesa
import numpy as np

from market_sim.market import adoption, choice, community, environment
from market_sim.market.demand import LOG, PRICE_FLOOR, PRICE_REF, ChoiceParams
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
        self.model._params = None  # the choice constants are recomputed from (a changed copy's) cfg
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
        _, _, on_option, _, _, volume = choice.own_outcome(dev, opts, m.choice_params())
        tokens = np.bincount(opts.vendor[on_option], weights=volume, minlength=len(self.vids))
        active = dev.entry_month <= m.month
        adopting = dev.adopting() & active
        record = _record(
            m.month,
            self.vids,
            tokens,
            flows.left_open,
            flows.on_open_before,
            flows.left_closed,
            flows.on_closed_before,
            adopting=int(adopting.sum()),
            units_on=int((dev.option[active] >= 0).sum()),
            options_used=_distinct(dev.option[adopting]),
            active=int(active.sum()),
            aware=int(dev.aware[active].sum()),
            contributions=int(dev.contributions.sum()) - before,
            switching_usd=flows.switching_usd,
        )
        m.month += 1
        return record

    def run(self, months: int) -> list[dict]:
        return [self.step() for _ in range(months)]


def _distinct(option: np.ndarray) -> int:
    """Distinct options summed over the rows of ``option`` (-1 = none)."""
    ordered = np.sort(option, axis=1)
    first = np.concatenate([np.ones((ordered.shape[0], 1), bool), np.diff(ordered, axis=1) != 0], axis=1)
    return int(((ordered >= 0) & first).sum())


# ----------------------------------------------------------------------------------------------
# The idiomatic Mesa reference


class _Option:
    """One available option of the frozen table, as Python scalars (``quality`` and
    ``quality_ft`` per tier are this month's ``g(kappa + premium [+ b] - r_tau)``, the latter
    less the missing fine-tuning support: they do not depend on the developer)."""

    __slots__ = (
        "id",
        "vendor",
        "size",
        "nest",
        "self_hosted",
        "open",
        "price",
        "log_price",
        "base",
        "base_ft",
        "quality",
        "quality_ft",
        "support",
        "integration",
        "integration_usd",
        "privacy_ok",
        "selfhost_fixed",
    )


class DeveloperAgent(mesa.Agent):
    """One developer: the attributes of ``market_sim.populations.Developers`` as Python scalars;
    ``option`` and ``months_on`` are lists with one entry per task tier."""

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
        self.option: list[int] = list(attrs["option"])  # per tier; -1: none
        self.months_on: list[int] = list(attrs["months_on"])
        self.aware: list[bool] = attrs["aware"]
        self.contributions: int = attrs["contributions"]

    def step(self) -> None:
        """This developer's month: contribute, learn of vendors, perhaps choose again (every tier)."""
        model = self.model
        t = model.month
        if self.entry_month > t:
            return
        rand = self.random.random
        options = self.option

        # community (C10): a developer on an open-weight option in some tier contributes with its
        # propensity, to the model of its first such tier
        for o in options:
            if o >= 0 and model.option_open[o]:
                if rand() < min(self.contribution_propensity * model.strength, 1.0):
                    self.contributions += 1
                    vendor = model.option_vendor[o]
                    model.contributions[vendor] += 1
                    if rand() < model.fork_share:
                        model.forks[vendor] += model.developer_weight
                break

        # churn counts by (developer, tier), by the kind the option had last month
        on_any = lost = False
        for o in options:
            if o >= 0:
                on_any = True
                if model.previous_open[o]:
                    model.on_open_before += 1
                else:
                    model.on_closed_before += 1
                if not model.option_available[o]:
                    lost = True

        # awareness (Bass): each vendor not yet known, with probability p + q * its user share
        learned = False
        aware = self.aware
        for vendor, prob in model.awareness_prob:
            if not aware[vendor] and rand() < prob:
                aware[vendor] = True
                learned = True

        # reconsider every tier: forced, or with the developer's monthly rate
        forced = (t == 0 and model.initial_choice) or self.entry_month == t or lost or (learned and not on_any)
        if forced or rand() < self.reconsider_rate:
            for tau, current in enumerate(options):
                new, switching = self.choose(tau)
                if new != current:
                    if current >= 0:
                        if model.previous_open[current]:
                            model.left_open += 1
                        else:
                            model.left_closed += 1
                    if new >= 0:
                        model.switching_usd += switching
                    options[tau] = new
                    self.months_on[tau] = 0
        for tau, o in enumerate(options):
            if o >= 0:
                self.months_on[tau] += 1

    def utility(self, o: _Option, tau: int) -> tuple[float, float, float]:
        """Money-metric utility W (USD/month; switching and lock-in included), the one-time
        switching cost of moving tier ``tau`` to ``o`` and the logit scale sigma, from the
        definition in ``market_sim.market.demand``:

        G = g(kappa + premium + f b - r_tau) - m |need - size| - f F (1 - support);
        X = omega_tau volume (1 + g)^(t/12); p_eff = p (1 + overhead_max (1 - h) [self]);
        log form:    W = X [ln theta + gamma G - ln p_eff] - omega_tau (F_k (1 + overhead) [self]
                     + (1 - h) E_o + lambda L [closed] + s), sigma = noise X 1 USD/Mtok;
        linear form: W = w [G - (1 - h) I_o - s - lambda L [closed]] - x p_eff
                     - omega_tau F_k (1 + overhead) [self], w = X theta, sigma = noise w;
        x = X (p_eff / 1 USD)^-eps.
        """
        model = self.model
        p = model.params
        share = model.tier_share[tau]
        X = self.volume_mtok * p.volume_factor * share
        slack = 1.0 - self.inhouse
        if self.finetune_need:
            quality = o.quality_ft[tau]
        else:
            quality = o.quality[tau]
        quality -= p.size_mismatch * abs(self.size_need - o.size)
        fixed = 0.0
        price = o.price
        if o.self_hosted:
            overhead = 1.0 + p.overhead_max * slack
            price *= overhead
            fixed = share * o.selfhost_fixed * overhead

        current = self.option[tau]
        if o.id == current:
            s = 0.0
        elif current < 0:
            s = model.switching[0]  # onboarding
        elif not model.option_open[current] and model.option_mode[current] == VENDOR:
            s = model.switching[2]  # closed_exit
        elif model.option_open[current] and o.open:
            s = model.switching[1]  # open_to_open
        else:
            s = model.switching[3]  # other
        lockin = 0.0 if o.open else self.lockin_aversion * p.lockin_mean * p.lockin_multiplier

        if model.log_form:
            log_price = o.log_price if not o.self_hosted else math.log(max(price, PRICE_FLOOR))
            m = X * PRICE_REF
            index = m * (math.log(self.value_per_mtok) + p.gamma * quality - log_price)
            index -= fixed + share * slack * o.integration_usd
            scale, sigma = share, p.noise * m
        else:
            tokens = X if p.elasticity == 0 else X * (max(price, PRICE_FLOOR) / PRICE_REF) ** -p.elasticity
            w = X * self.value_per_mtok
            index = w * (quality - slack * o.integration) - tokens * price - fixed
            scale, sigma = w, p.noise * w
        return index - scale * (s + lockin), scale * s, sigma

    def nests(self, tau: int) -> tuple[float, list[tuple[float, list[tuple[_Option, float]], list[float]]]]:
        """The nested-logit terms of tier ``tau``, overflow-safe: the outside option's weight and,
        per nest with an allowed option, (its weight, its options with their switching costs,
        their weights within the nest). With z_o = W_o / sigma, top = max(z, [outside] 0) and
        top_g the nest's max: e'_o = exp((z_o - top_g) / (1 - rho)) and the nest weighs
        ``exp(top_g - top) (sum_(o in g) e'_o)^(1 - rho)`` = D_g^(1 - rho) / exp(top), the outside
        option exp(-top) (0 without it)."""
        model = self.model
        rho = model.params.rho
        aware = self.aware
        privacy = self.privacy_bound
        by_nest: dict[int, list[tuple[float, _Option, float]]] = {}
        top = 0.0 if model.outside_option else -math.inf
        for o in model.menu:
            if not aware[o.vendor] or (privacy and not o.privacy_ok):
                continue
            u, s, sigma = self.utility(o, tau)
            z = u / sigma
            by_nest.setdefault(o.nest, []).append((z, o, s))
            top = max(top, z)
        out = []
        for members in by_nest.values():
            top_g = max(z for z, _, _ in members)
            within = [math.exp((z - top_g) / (1.0 - rho)) for z, _, _ in members]
            out.append((math.exp(top_g - top) * sum(within) ** (1.0 - rho), [(o, s) for _, o, s in members], within))
        return (math.exp(-top) if model.outside_option and out else 0.0), out

    def choose(self, tau: int) -> tuple[int, float]:
        """A draw from the nested-logit probabilities of tier ``tau`` (option id, or -1 for no
        adoption) and the one-time switching cost of moving to it (USD).

        P(nest g) = D_g^(1 - rho) / ([outside] 1 + sum_h D_h^(1 - rho)),
        P(o | g) = e_o / D_g, e_o = exp(W_o / (sigma (1 - rho))), D_g = sum of e over g:
        first a nest (or the outside option) is drawn, then an option within it."""
        outside, nests = self.nests(tau)
        if not nests:
            return -1, 0.0
        r = self.random.random() * (outside + sum(weight for weight, _, _ in nests))
        if r < outside:
            return -1, 0.0
        r -= outside
        _, members, within = nests[-1]
        for weight, options, weights in nests:
            if r < weight:
                members, within = options, weights
                break
            r -= weight
        r = self.random.random() * sum(within)
        for (o, s), e in zip(members, within, strict=True):
            if r < e:
                return o.id, s
            r -= e
        o, s = members[-1]  # rounding at the top end
        return o.id, s

    def probabilities(self, tau: int) -> dict[int, float]:
        """The nested-logit probabilities of tier ``tau``: option id (-1: no adoption) -> P."""
        outside, nests = self.nests(tau)
        total = outside + sum(weight for weight, _, _ in nests)
        if not total > 0:
            return {-1: 1.0}
        out = {-1: outside / total}
        for weight, members, within in nests:
            inner = sum(within)
            for (o, _), e in zip(members, within, strict=True):
                out[o.id] = weight / total * e / inner
        return out

    def tokens(self) -> list[tuple[int, float]]:
        """(vendor, Mtok this month) of every tier on an option: x = X (p_eff / 1 USD)^-eps."""
        model = self.model
        p = model.params
        out = []
        for tau, current in enumerate(self.option):
            if current < 0:
                continue
            X = self.volume_mtok * p.volume_factor * model.tier_share[tau]
            price = model.option_price[current]
            if model.option_mode[current] == SELF:
                price *= 1.0 + p.overhead_max * (1.0 - self.inhouse)
            x = X if p.elasticity == 0 else X * (max(price, PRICE_FLOOR) / PRICE_REF) ** -p.elasticity
            out.append((model.option_vendor[current], x))
        return out


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

        # the option table, frozen: every id (for the current options), and the menu of available ones
        self.option_vendor = opts.vendor.tolist()
        self.option_mode = opts.mode.tolist()
        self.option_open = opts.open.tolist()
        self.option_available = opts.available.tolist()
        self.option_price = opts.price.tolist()
        self.previous_open = self.option_open
        selfhost_fixed = cfg["sizes"]["selfhost_fixed_usd_per_month"]
        self.menu: list[_Option] = []
        for i in np.flatnonzero(opts.available).tolist():
            o = _Option()
            o.id, o.vendor, o.size, o.nest = i, int(opts.vendor[i]), int(opts.size[i]), int(opts.nest[i])
            o.self_hosted = int(opts.mode[i]) == SELF
            o.open = bool(opts.open[i])
            o.price = float(opts.price[i])
            o.log_price = math.log(max(o.price, PRICE_FLOOR))
            o.base = float(opts.kappa[i] + opts.premium[i])
            o.base_ft = o.base + float(opts.finetune_boost[i])
            o.support = float(opts.finetune_support[i])
            o.integration = float(opts.integration[i])
            o.integration_usd = float(opts.integration_usd[i])
            o.privacy_ok = bool(opts.privacy_ok[i])
            o.selfhost_fixed = float(selfhost_fixed[o.size])
            self.menu.append(o)
        self.offered = sorted({o.vendor for o in self.menu})

        dev = frozen.developers
        columns = {name: getattr(dev, name).tolist() for name in dev.__dataclass_fields__}
        for i in range(len(dev)):
            self.agent_class(self, {name: values[i] for name, values in columns.items()})

    def _month_constants(self, t: int) -> None:
        """This month's utility constants and each option's quality per tier (the tier
        requirements grow with the calendar)."""
        cfg = self.cfg
        p = self.params = ChoiceParams.from_scenario(cfg, environment.volume_factor(cfg, t), self.lockin_multiplier, t)
        self.log_form = p.form == LOG
        self.tier_share = p.tier_share.tolist()
        self.switching = p.switching.tolist()  # onboarding, open_to_open, closed_exit, other
        saturation = p.saturation

        def g(x: float) -> float:
            return saturation * (1.0 - math.exp(-x / saturation)) if saturation > 0 else x

        requirement = p.tier_requirement.tolist()
        for o in self.menu:
            o.quality = [g(o.base - r) for r in requirement]
            o.quality_ft = [g(o.base_ft - r) - p.finetune_missing * (1.0 - o.support) for r in requirement]

    def step(self) -> None:
        t = self.month
        self._month_constants(t)
        # the state at the start of the month: active developers and each vendor's users (any tier)
        users = [0] * self.n_vendors
        n_active = 0
        for agent in self.agents:
            if agent.entry_month <= t:
                n_active += 1
                for v in {self.option_vendor[o] for o in agent.option if o >= 0}:
                    users[v] += 1
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
        adopting = units_on = options_used = active = aware = 0
        for agent in self.agents:
            if agent.entry_month <= t:
                active += 1
                aware += sum(agent.aware)
                used = {o for o in agent.option if o >= 0}
                if used:
                    adopting += 1
                    units_on += sum(o >= 0 for o in agent.option)
                    options_used += len(used)
                    for vendor, x in agent.tokens():
                        tokens[vendor] += x
        self.last_record = _record(
            t,
            self.vids,
            np.asarray(tokens),
            self.left_open,
            self.on_open_before,
            self.left_closed,
            self.on_closed_before,
            adopting=adopting,
            units_on=units_on,
            options_used=options_used,
            active=active,
            aware=aware,
            contributions=sum(self.contributions),
            switching_usd=self.switching_usd,
        )

    def expected_choices(self) -> tuple[np.ndarray, np.ndarray]:
        """If every active developer reconsidered every tier this month (before any awareness
        news): the expected number of (developer, tier) units choosing each option and the
        variance of that number, from the per-agent nested-logit probabilities (index 0: no
        adoption, 1 + id: option id)."""
        self._month_constants(self.month)
        mean = np.zeros(len(self.option_vendor) + 1)
        variance = np.zeros_like(mean)
        for agent in self.agents:
            if agent.entry_month > self.month:
                continue
            for tau in range(len(agent.option)):
                for o, prob in agent.probabilities(tau).items():
                    mean[o + 1] += prob
                    variance[o + 1] += prob * (1.0 - prob)
        return mean, variance

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
    row = {"month": month, "tokens": total}
    for vid, x in zip(vids, tokens, strict=True):
        row[f"share_{vid}"] = float(x) / total if total > 0 else 0.0
    row["left_open"], row["on_open_before"] = left_open, on_open
    row["left_closed"], row["on_closed_before"] = left_closed, on_closed
    row.update(counts)
    return row


def statistics_of(records: list[dict]) -> dict[str, float]:
    """What one run of either implementation is summarised by: token shares by vendor and tokens
    per active developer at the last month, churn of open and closed (developer, tier) units
    (moves out / units on an option at the start, pooled over the months), the adopting share
    of active developers, the share of active (developer, tier) units on an option, the
    distinct options per adopter and the vendors known per active developer at the last month,
    contributions and switching costs per month."""
    last = records[-1]
    out = {key: value for key, value in last.items() if key.startswith("share_")}
    active = max(last["active"], 1)
    out["tokens_per_active"] = last["tokens"] / active
    on_open = sum(r["on_open_before"] for r in records)
    on_closed = sum(r["on_closed_before"] for r in records)
    out["churn_open"] = sum(r["left_open"] for r in records) / on_open if on_open else float("nan")
    out["churn_closed"] = sum(r["left_closed"] for r in records) / on_closed if on_closed else float("nan")
    out["adopting"] = last["adopting"] / active
    out["units_on"] = last["units_on"] / active
    out["options_per_adopter"] = last["options_used"] / last["adopting"] if last["adopting"] else float("nan")
    out["aware"] = last["aware"] / active
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
