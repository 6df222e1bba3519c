"""The validation study (market_sim.studies.validation): analytic pieces, the table, the report, end to end.

Small settings and one seed, so the whole file runs in seconds; the full report is
``market-sim validate`` (docs/validation.md). The limiting cases themselves are tested with their
own analytic answers in tests/test_validation.py.
"""

import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import lambertw

from market_sim.studies import validation as vr

TINY_BERTRAND = (
    vr.BertrandSet((1.0, 0.5), (1.0, 2.0), 1.0, months=15, developers=2000),
    vr.BertrandSet((4.0,), (2.0,), 1.5, months=10, developers=2000),
)
TINY_BASS = (vr.BassSet(0.03, 0.38, months=24), vr.BassSet(0.1, 0.0, months=24))
TINY_LEADER = (vr.LeaderSet(2.5, 0.1, months=24, developers=2000), vr.LeaderSet(1.0, 0.05, months=24, developers=2000))
TINY_FACE = {"developers.count": 1000, "researchers.count": 1500, "market.demand_sample": 300}  # every vendor staffed


def test_nash_prices_solve_the_first_order_conditions_and_match_the_monopoly_closed_form():
    delta, cost, alpha = [3.0, 1.0, 0.0, -1.0], [1.0, 0.2, 0.5, 0.1], 0.5
    p = vr.nash_prices(delta, cost, alpha)
    s = vr.logit_shares(delta, p, alpha)
    np.testing.assert_allclose(p, np.asarray(cost) + 1.0 / (alpha * (1.0 - s)), rtol=1e-10)
    # monopoly: alpha (p - c) = 1 + W(exp(delta - alpha c - 1)) (Lambert W)
    d, c, a = 4.0, 2.0, 1.5
    closed_form = c + (1.0 + lambertw(np.exp(d - a * c - 1.0)).real) / a
    assert vr.nash_prices([d], [c], a)[0] == pytest.approx(closed_form, rel=1e-10)


def test_bass_forms_agree_with_their_closed_forms_without_imitation():
    t = np.arange(1, 25)
    np.testing.assert_allclose(vr.bass_recursion(0.1, 0.0, 24), 1 - 0.9**t, rtol=1e-12)
    np.testing.assert_allclose(vr.bass_continuous(0.1, 0.0, 24), 1 - np.exp(-0.1 * t), rtol=1e-12)


def test_leader_premise_flips_where_nash_shares_are_equal():
    # at alpha = 1 and kappa_R = 0, equal shares need kappa_I = p and p = 1 / (1 - 1/3) = 1.5
    s_inc, s_riv = vr.leader_nash_shares(1.5, 0.0, 1.0)
    assert s_inc == pytest.approx(s_riv, abs=1e-9)
    assert vr.leader_premise(vr.LeaderSet(1.6, 0.05)) and not vr.leader_premise(vr.LeaderSet(1.4, 0.05))
    assert all(vr.leader_premise(s) for s in vr.LEADER_SETS[:-1]) and not vr.leader_premise(vr.LEADER_SETS[-1])


def test_limiting_case_table_is_complete_and_every_check_passes():
    table, traces = vr.limiting_cases(1, TINY_BERTRAND, TINY_BASS, TINY_LEADER)
    assert list(table.columns) == vr.TABLE_COLUMNS
    # Bertrand: per vendor a price and a share row plus the adopting share (no share row for a monopoly)
    # Bass: recursion and continuous per set; leader: three rows per setting
    counts = table["case"].value_counts()
    assert counts[vr.BERTRAND] == (2 + 1 + 2) + (1 + 1)
    assert counts[vr.BASS] == 2 * len(TINY_BASS)
    assert counts[vr.LEADER] == 3 * len(TINY_LEADER)
    assert (table["seeds"] == 1).all()
    assert set(table["error_measure"]) <= {"relative", "absolute"}
    assert np.isfinite(table[["analytic", "simulated", "max_abs_error", "tolerance"]].to_numpy(float)).all()
    failed = table[~table["pass"]]
    assert failed.empty, failed[["case", "parameters", "quantity", "max_abs_error", "max_rel_error", "tolerance"]]
    # the failing-premise setting predicts (and gets) no persistence
    leader = table[(table["case"] == vr.LEADER) & table["parameters"].str.startswith("advantage=1,")]
    assert (leader[leader["quantity"].str.contains("every month")]["simulated"] == 0).all()
    assert set(traces) == {"bertrand", "bass", "leader"}


def test_run_validation_writes_report_and_figures(tmp_path, monkeypatch):
    real_cases, real_face = vr.limiting_cases, vr.face_validation
    monkeypatch.setattr(
        vr.study, "limiting_cases", lambda seeds: real_cases(seeds, TINY_BERTRAND, TINY_BASS, TINY_LEADER)
    )
    monkeypatch.setattr(
        vr.study,
        "face_validation",
        lambda seeds: real_face(seeds, overrides=TINY_FACE, months=24, salary_window=("2024-01", "2024-12")),
    )
    report, figures = tmp_path / "docs" / "validation.md", tmp_path / "docs" / "figures"
    table = vr.run_validation(report=report, figures_dir=figures, seeds=1)
    assert isinstance(table, pd.DataFrame) and table["pass"].all()
    for name in ("validation_convergence.png", "validation_face.png"):
        assert (figures / name).stat().st_size > 10_000
    text = report.read_text(encoding="utf-8")
    for heading in ("## 1 Limiting cases", "## 2 Face validation", "## 3 Patterns reproduced and not reproduced"):
        assert heading in text
    for needle in ("Economides & Katsamakas", "Casadesus-Masanell & Ghemawat", "Lerner & Tirole", "Multi-homing (F10)"):
        assert needle in text
    assert f"**Summary: {len(table)} of {len(table)} limiting-case checks pass**" in text
    assert "](figures/validation_convergence.png)" in text
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)  # missing values are written as "—"


def test_face_validation_pairs_seeds_and_arms():
    face = vr.face_validation([3], overrides=TINY_FACE, months=12, salary_window=("2023-07", "2023-12"))
    assert list(face.economides["arm"]) == ["open platform (default)", "proprietary platform"]
    closed = face.closed_runs[0]
    assert (closed["share_open"] == 0).all()  # no open weights in the proprietary arm
    assert not any(c.endswith("_meta") for c in closed.columns)
    assert len(face.career_runs[0]) == 12 and face.career["ratio"].notna().all()
    d = vr.paired_difference(face.economides, "developer_surplus", "open platform (default)", "proprietary platform")
    assert d["n"] == 1 and np.isfinite(d["mean"])


def test_parameter_sets_load_as_floats_and_bad_entries_are_named(tmp_path):
    from market_sim.errors import UserError
    from market_sim.studies.validation.sets import load_sets

    assert vr.BERTRAND_SETS[0] == vr.BertrandSet((1.0, 0.5), (1.0, 2.0), 1.0)
    assert all(isinstance(x, float) for s in vr.BERTRAND_SETS for x in (*s.delta, *s.cost, s.alpha))
    path = tmp_path / "sets.toml"
    path.write_text("bass = [{ p = 0.1, q = 0.2, speed = 3 }]\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"sets.toml: bass\[0\]: unknown field\(s\) speed"):
        load_sets(path)
    path.write_text('leader = [{ advantage = "a", learning = 0.1 }]\n', encoding="utf-8")
    with pytest.raises(UserError, match="advantage = 'a' is not a number"):
        load_sets(path)
    path.write_text("bertrand = [{ delta = 1.0, cost = [1.0], alpha = 1.0 }]\n", encoding="utf-8")
    with pytest.raises(UserError, match="expected a list"):
        load_sets(path)
