"""Experimental designs: the design points of a sweep, separate from the model (EMA-style).

grid: the full factorial of the listed values; lhs: a Latin hypercube of ``samples`` points
(scipy.stats.qmc); sobol: Saltelli's sample for Sobol indices, N (D + 2) points
(SALib, first and total order); morris: ``samples`` trajectories, N (D + 1) points (SALib).
Integer parameters are rounded. The same spec always gives the same points.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from market_sim.sweep.spec import SweepSpec


@dataclass(frozen=True)
class Design:
    points: list[dict]  # dotted key -> value, one dict per design point
    problem: dict | None  # SALib problem (sobol, morris)
    X: np.ndarray | None  # unrounded sample matrix, in point order (sobol, morris)


def problem(spec: SweepSpec) -> dict:
    return {
        "num_vars": len(spec.parameters),
        "names": [p.key for p in spec.parameters],
        "bounds": [list(p.bounds) for p in spec.parameters],
    }


def build(spec: SweepSpec) -> Design:
    """The design points of a spec."""
    params = spec.parameters
    if not params:
        return Design([{}], None, None)
    if spec.design == "grid":
        return Design(
            [
                dict(zip([p.key for p in params], combo, strict=True))
                for combo in itertools.product(*[p.values for p in params])
            ],
            None,
            None,
        )
    prob = problem(spec)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(params), seed=np.random.default_rng(spec.seed)).random(spec.samples)
        lows, highs = np.array([p.bounds for p in params]).T
        X = qmc.scale(unit, lows, highs)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SALib's advisory warnings (sample sizes, deprecations)
            if spec.design == "sobol":
                from SALib.sample import sobol

                X = sobol.sample(prob, spec.samples, calc_second_order=False, seed=spec.seed)
            else:
                from SALib.sample import morris

                X = morris.sample(prob, spec.samples, seed=spec.seed)
    points = [
        {p.key: (int(round(x)) if p.kind == "int" else float(x)) for p, x in zip(params, row, strict=True)} for row in X
    ]
    return Design(points, prob, X)
