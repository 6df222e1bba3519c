"""The option table: every (vendor x size x access mode) developers can choose this month.

Option ids are stable across months: ``id = (vendor * 3 + size) * 3 + mode`` with modes
VENDOR (the vendor's own API for a closed release, or its paid service on an open release,
C12), HOST (a third-party host serving open weights, C19) and SELF (self-hosted open
weights, C4). Open weights outlive their vendor: after an exit, HOST and SELF remain.

Nests (nested logit, docs/ODD.md): one nest per released model, i.e. the same weights whoever
serves them: ``nest = 2 (3 g + size) + open`` with g the vendor's index, or for vendors that
share a ``nest_group`` the index of the group's first vendor (close substitutes by design).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VENDOR, HOST, SELF = 0, 1, 2
MODES = ("vendor", "host", "self")
N_SIZES = 3


@dataclass
class OptionTable:
    """Arrays over all option ids (length 9 x vendors); unavailable options have NaN kappa.

    Attributes:
        vendor, size, mode: what the option is.
        available: offered this month.
        open: open-weight model (HOST/SELF, or a VENDOR service on an open release); for an
            unavailable VENDOR option, the openness of its last release.
        kappa: capability of the model served.
        cost: provider's serving cost, USD per Mtok (for SELF: before the developer's overhead).
        price: USD per Mtok the developer pays the provider (SELF: the serving cost).
        finetune_support: how much fine-tuning the option allows, 0..1 (C1).
        finetune_boost: kappa gain for fine-tuning users from the community stock (C14).
        premium: closed quality/reliability premium, kappa-units (C22).
        integration: effort at zero in-house capability, kappa-units (C12; linear form).
        integration_usd: effort at zero in-house capability, USD per month (C12; log form).
        privacy_ok: usable by privacy-bound developers (C3).
        nest: nest index (the released model's weights), 0 .. 6 x vendors - 1.
    """

    vendor: np.ndarray
    size: np.ndarray
    mode: np.ndarray
    available: np.ndarray
    open: np.ndarray
    kappa: np.ndarray
    cost: np.ndarray
    price: np.ndarray
    finetune_support: np.ndarray
    finetune_boost: np.ndarray
    premium: np.ndarray
    integration: np.ndarray
    integration_usd: np.ndarray
    privacy_ok: np.ndarray
    nest: np.ndarray

    @classmethod
    def empty(cls, n_vendors: int) -> OptionTable:
        ids = np.arange(n_vendors * N_SIZES * len(MODES))
        n = ids.size
        return cls(
            vendor=ids // (N_SIZES * len(MODES)),
            size=(ids // len(MODES)) % N_SIZES,
            mode=ids % len(MODES),
            available=np.zeros(n, bool),
            open=np.zeros(n, bool),
            kappa=np.full(n, np.nan),
            cost=np.zeros(n),
            price=np.zeros(n),
            finetune_support=np.zeros(n),
            finetune_boost=np.zeros(n),
            premium=np.zeros(n),
            integration=np.zeros(n),
            integration_usd=np.zeros(n),
            privacy_ok=np.zeros(n, bool),
            nest=np.zeros(n, np.int64),
        )

    def __len__(self) -> int:
        return self.vendor.size

    @property
    def closed(self) -> np.ndarray:
        """Available closed options (a vendor's API on a closed release)."""
        return self.available & ~self.open

    def vendor_hosted(self, v: int) -> np.ndarray:
        """Ids of vendor v's available VENDOR options (the ones its pricing strategy sets)."""
        return np.flatnonzero(self.available & (self.vendor == v) & (self.mode == VENDOR))


def option_id(vendor: int, size: int, mode: int) -> int:
    return (vendor * N_SIZES + size) * len(MODES) + mode


def build_options(vendors, cfg: dict, month: int, community_factor: np.ndarray) -> OptionTable:
    """The option table for this month, before pricing (VENDOR prices are the vendors' last).

    Serving cost per Mtok of a model of size k and capability kappa:
    ``c(k, kappa, t) = c_k(0) (1 - d)^(t/12) 10^(b (kappa - A_free - kappa_ref_k))`` times the
    vendor's compute-cost factor (b = serving_cost_capability_elasticity: capability bought with
    scale costs compute at inference too, F1, F2; A_free = the vendor's free knowledge at release,
    not billed, docs/ODD.md 7.6); open models' cost is cut by the community (C5):
    ``x (1 - r * phi_v)`` where ``community_factor[v] = phi_v = S_v / (S_v + S_half)`` scaled
    by the community strength.
    """
    m, pen, hosts, com, sizes = cfg["market"], cfg["penalties"], cfg["hosts"], cfg["community"], cfg["sizes"]
    base_cost = np.asarray(sizes["serving_cost_usd_per_mtok"]) * (1 - m["serving_cost_decline_per_year"]) ** (
        month / 12.0
    )
    b, kappa_ref = sizes["serving_cost_capability_elasticity"], np.asarray(sizes["serving_cost_reference_capability"])

    def cost_at(k: int, kappa: float) -> float:
        return float(base_cost[k] * 10.0 ** (b * (kappa - kappa_ref[k]))) if b else float(base_cost[k])

    table = OptionTable.empty(len(vendors))
    groups: dict[str, int] = {}
    for v, vendor in enumerate(vendors):
        group = vendor.cfg.get("nest_group", "")
        g = groups.setdefault(group, v) if group else v
        for k in range(N_SIZES):
            for mode in range(len(MODES)):
                o = option_id(v, k, mode)
                table.nest[o] = 2 * (N_SIZES * g + k) + (mode != VENDOR)
    for v, vendor in enumerate(vendors):
        phi = community_factor[v]
        open_cost_cut = 1.0 - com["serving_cost_reduction"] * phi
        boost = com["finetune_boost"] * phi
        for k in range(N_SIZES):
            # the vendor's own API or paid service on its latest release at this size
            kappa = vendor.released_kappa[k]
            is_open = bool(vendor.released_open[k])
            o = option_id(v, k, VENDOR)
            table.open[o] = is_open  # kept when unavailable: the kind of option a developer loses
            if not vendor.exited and not np.isnan(kappa) and (vendor.service or not is_open) and not vendor.deprecated:
                table.available[o] = True
                table.open[o] = is_open
                table.nest[o] = 2 * (table.nest[o] // 2) + is_open  # an open release shares the hosts' nest
                table.kappa[o] = kappa
                cut = open_cost_cut if is_open else 1.0
                table.cost[o] = cost_at(k, vendor.released_cost_kappa[k]) * vendor.compute_cost_factor * cut
                table.price[o] = vendor.price[k]
                table.finetune_support[o] = 1.0 if is_open else pen["closed_finetune_support"]
                table.finetune_boost[o] = boost if is_open else 0.0
                table.premium[o] = 0.0 if is_open else vendor.quality_premium
                table.privacy_ok[o] = is_open and pen["privacy_trusts_hosts"]
            # open weights: third-party hosts and self-hosting
            kappa, cost_kappa = vendor.open_kappa[k], vendor.open_cost_kappa[k]
            if np.isnan(kappa):
                continue
            for mode in (HOST, SELF):
                if mode == HOST and not hosts["enabled"]:
                    continue
                o = option_id(v, k, mode)
                table.available[o] = True
                table.open[o] = True
                table.kappa[o] = kappa
                table.finetune_boost[o] = boost
                if mode == HOST:
                    table.cost[o] = cost_at(k, cost_kappa) * hosts["cost_factor"] * open_cost_cut
                    table.price[o] = table.cost[o] * (1.0 + hosts["markup"])
                    table.finetune_support[o] = pen["host_finetune_support"]
                    table.integration[o] = pen["integration_host"]
                    table.integration_usd[o] = pen["integration_host_usd_per_month"]
                    table.privacy_ok[o] = pen["privacy_trusts_hosts"]
                else:
                    table.cost[o] = table.price[o] = cost_at(k, cost_kappa) * open_cost_cut
                    table.finetune_support[o] = 1.0
                    table.integration[o] = pen["integration_selfhost"]
                    table.integration_usd[o] = pen["integration_selfhost_usd_per_month"]
                    table.privacy_ok[o] = True
    return table
