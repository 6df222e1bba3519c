"""The sensitivity report's convergence check and its reading of out-of-range Sobol estimates (issue 13)."""

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from market_sim.analysis.sensitivity import sobol_convergence
from market_sim.studies.sensitivity import convergence_lines, out_of_range

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_convergence_lines_rank_ishigami_and_show_each_n():
    X = sobol_sample.sample(ISHIGAMI, 512, calc_second_order=False, seed=5)
    conv = sobol_convergence(ISHIGAMI, Ishigami.evaluate(X), [128, 256, 512]).assign(metric="y")
    lines = convergence_lines(conv)
    row = next(line for line in lines if line.startswith("| y |"))
    rho = float(row.split(" | ")[1])
    assert rho == 1.0  # x1 > x2 > x3 at both N
    assert " | settled | " in row
    assert row.index("`x1`") < row.index("`x2`") < row.index("`x3`") and row.count("→") == 2 * 3


def test_out_of_range_estimates_are_each_explained():
    frame = pd.DataFrame(
        [
            ("m", "a", 0.1, 0.05, 1.3, 0.5),  # ST > 1, interval reaches 1: sampling error
            ("m", "b", 0.1, 0.05, 1.8, 0.2),  # ST > 1 beyond its interval: heavy tails
            ("m", "c", -0.3, 0.1, 0.4, 0.1),  # S1 clearly negative
            ("m", "d", -0.05, 0.1, 0.4, 0.1),  # S1 negative within its interval: not flagged
        ],
        columns=["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    )
    rng = np.random.default_rng(1)
    heavy = {"m": rng.standard_t(2, 2000)}  # excess kurtosis far above 3
    lines = out_of_range(frame, heavy)
    assert len(lines) == 3
    assert "sampling error" in lines[0] and "heavy-tailed" in lines[1] and "`c`" in lines[2] and "below 0" in lines[2]
    light = out_of_range(frame, {"m": rng.uniform(size=64 * 6)})  # not heavy-tailed; N = 64 x (4 parameters + 2)
    assert "not heavy-tailed" in light[1] and "about 13%" in light[1] and "ST ≈ 1" in light[1]
    ok = frame.assign(S1=0.1, ST=0.5)
    assert out_of_range(ok)[0].startswith("- none")
