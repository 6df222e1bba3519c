"""Where an outcome holds: PRIM boxes and a CART view (scenario discovery; issue 13, point 3).

PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data"; for scenario discovery
Bryant & Lempert 2010) peels a box off the sampled parameter space, alpha of the points at a time,
keeping the side whose removal most raises the share of points inside where the claim holds. Each
step of the *peeling trajectory* trades **coverage** (share of all holding points that lie inside
the box) against **density** (share of the points inside the box that hold); **mass** is the share
of all points inside. The box reported is the last step whose density reaches ``threshold``, or the
densest step if none does. Implementation: EMA Workbench's ``analysis.prim`` (Kwakkel 2017, BSD
licence, derived from RAND's sdtoolkit). CART (Breiman et al. 1984; scikit-learn via EMA
Workbench's ``analysis.cart``) gives a second view: a classification tree of holds/fails and the
parameters' importances.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class BoxResult:
    """A PRIM box: its bounds (rows: restricted parameters; low, high), its statistics and the
    whole peeling trajectory (coverage, density, mass, res_dim, n per step)."""

    bounds: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int
    step: int
    trajectory: pd.DataFrame
    base_density: float
    space: pd.DataFrame  # the sampled range of every parameter (low, high)
    threshold: float = 0.8  # the density a box must reach to describe the region

    def describe(self, labels: dict[str, str] | None = None, digits: int = 3) -> str:
        """One line: 'a in [lo, hi], b <= hi (coverage x%, density y%, n points)'."""
        labels = labels or {}
        if self.n == 0:
            return "nowhere sampled"
        if self.density < self.threshold:
            return f"no box reaches density {self.threshold:.0%} (holds at scattered points: {self.base_density:.0%})"
        if self.bounds.empty:
            return f"everywhere sampled (density {self.density:.0%}, n = {self.n})"
        parts = [
            bound_text(labels.get(key, key), row["low"], row["high"], *self.space.loc[key, ["low", "high"]], digits)
            for key, row in self.bounds.iterrows()
        ]
        return f"{', '.join(parts)} (coverage {self.coverage:.0%}, density {self.density:.0%}, n = {self.n})"


def bound_text(
    name: str, low: float, high: float, space_low: float, space_high: float, digits: int = 3, signs=("<=", ">=")
) -> str:
    """A box's bound on one parameter in words: 'a <= hi' when its low end is the sampled minimum,
    'a >= lo' when its high end is the sampled maximum, else 'a in [lo, hi]' (``signs``: the two
    comparison signs, e.g. ('≤', '≥') for prose)."""
    lo, hi = f"{low:.{digits}g}", f"{high:.{digits}g}"
    if np.isclose(low, space_low):
        return f"{name} {signs[0]} {hi}"
    if np.isclose(high, space_high):
        return f"{name} {signs[1]} {lo}"
    return f"{name} in [{lo}, {hi}]"


def _quiet():
    logging.getLogger("EMA").setLevel(logging.ERROR)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(("EMA", "ema_workbench")):
            logging.getLogger(name).setLevel(logging.ERROR)


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8, peel_alpha: float = 0.05) -> BoxResult:
    """The PRIM box of the points where ``y`` is true (see the module docstring)."""
    y = np.asarray(y, bool)
    if len(x) != y.size or y.size == 0:
        raise ValueError("x and y need the same, non-zero number of points")
    base = float(y.mean())
    if not y.any():
        empty = pd.DataFrame(columns=["low", "high"])
        space = pd.DataFrame({"low": x.min(), "high": x.max()})
        return BoxResult(empty, 0.0, 0.0, 0.0, 0, 0, pd.DataFrame(), base, space, threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        _quiet()
        finder = prim.Prim(x.reset_index(drop=True), y, threshold=threshold, peel_alpha=peel_alpha)
        box = finder.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    reaching = traj.index[traj["density"] >= threshold]
    step = int(reaching[-1]) if len(reaching) else int(traj["density"].idxmax())
    lims = box.box_lims[step]
    first = box.box_lims[0]
    full = pd.DataFrame({"low": first.loc[0], "high": first.loc[1]}).astype(float)
    chosen = pd.DataFrame({"low": lims.loc[0], "high": lims.loc[1]}).astype(float)
    restricted = [k for k in x.columns if not np.allclose(chosen.loc[k].to_numpy(), full.loc[k].to_numpy())]
    row = traj.loc[step]
    return BoxResult(
        bounds=chosen.loc[restricted],
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        n=int(round(row["mass"] * len(x))),
        step=step,
        trajectory=traj[["coverage", "density", "mass", "res_dim"]],
        base_density=base,
        space=full,
        threshold=threshold,
    )


def cart_view(x: pd.DataFrame, y: np.ndarray, mass_min: float = 0.05) -> tuple[str, pd.Series]:
    """(the tree's rules as text, parameter importances, descending) of a CART fit of holds/fails."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    y = np.asarray(y, bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart

        _quiet()
        tree = cart.CART(x.reset_index(drop=True), y, mass_min=max(mass_min, 2.0 / len(y)))  # >= 2 points a leaf
        # CART.build_tree leaves sklearn's tree unseeded, so tied splits (and the importances) change from
        # call to call; the same tree, seeded:
        tree.clf = DecisionTreeClassifier(min_samples_leaf=int(tree.mass_min * tree.x.shape[0]), random_state=0)
        tree.clf.fit(tree._x, tree.y)
    rules = export_text(tree.clf, feature_names=[str(c) for c in x.columns], decimals=3)
    importance = pd.Series(tree.clf.feature_importances_, index=x.columns).sort_values(ascending=False)
    return rules, importance
