"""The experiment framework: verdict rule, reports, and one experiment end to end (minimal mode)."""

from types import SimpleNamespace

import pytest

from market_sim.cli import main
from market_sim.experiment import VERDICTS, Effect, ExperimentContext, load_experiments, run_experiment
from market_sim.sweep import SweepSpec


def effect(lo, hi):
    return Effect("C0", "x", "a", "b", f"[{lo}, {hi}]", 5, (lo + hi) / 2, lo, hi)


@pytest.mark.parametrize(
    "bounds, predicted, expected",
    [
        ([(0.1, 0.3), (0.2, 0.5)], +1, "supported"),
        ([(0.1, 0.3), (-0.1, 0.5)], +1, "depends"),
        ([(-0.1, 0.3), (-0.4, -0.2)], +1, "not supported"),
        ([(-0.3, -0.1)], -1, "supported"),
        ([(-0.3, 0.1)], -1, "not supported"),
    ],
)
def test_verdict_rule(tmp_path, bounds, predicted, expected):
    ctx = ExperimentContext("t", tmp_path, {}, quick=True)
    v = ctx.verdict("C0", [effect(lo, hi) for lo, hi in bounds], predicted)
    assert v.verdict == expected and v.verdict in VERDICTS


def test_every_experiment_is_well_formed():
    experiments = load_experiments()
    assert "commoditization" in experiments
    for name, module in experiments.items():
        assert module.NAME == name and module.QUESTION and module.CLAIMS
        for raw in module.specs(quick=True).values():
            SweepSpec.from_dict(raw, base_dir=module.PATH.parent)  # valid before any run


def test_commoditization_minimal_run_writes_report_with_computed_verdicts(tmp_path):
    original = load_experiments()["commoditization"]
    module = SimpleNamespace(**vars(original))  # the experiment with smaller specs
    quick_specs = original.specs

    def minimal(quick):
        specs = quick_specs(True)
        for raw in specs.values():
            raw["sweep"].update(replicates=2, months=8)
            raw["parameters"] = {
                "vendors.meta.initial_capability": [3.3],
                "developers.count": [400],
                "researchers.count": [100],
                "market.demand_sample": [200],
            }
        return specs

    module.specs = minimal
    ctx = run_experiment(module, tmp_path / "c", quick=True, executor_args={"workers": 1}, progress=False)
    assert {v.claim for v in ctx.verdicts} == {"C19", "C20", "C24"}
    assert all(v.verdict in VERDICTS for v in ctx.verdicts)
    report = (tmp_path / "c" / "report.md").read_text()
    assert "## Verdicts" in report and "Rule:" in report and "| C24 |" in report
    for name, _ in ctx.figures:
        assert (tmp_path / "c" / name).stat().st_size > 5_000


def test_cli_experiment_list_and_unknown(capsys):
    assert main(["experiment", "list"]) == 0
    assert "commoditization" in capsys.readouterr().out
    assert main(["experiment", "nosuch"]) == 2
    assert "unknown experiment 'nosuch'" in capsys.readouterr().err


def test_claims_table_is_filled_from_computed_verdicts(tmp_path):
    from market_sim.experiment import Verdict, update_claims_doc

    doc = tmp_path / "claims.md"
    doc.write_text(
        "| ID | claim | experiment | verdict |\n|---|---|---|---|\n| C2 | lock-in | planned | not yet tested |\n"
    )
    ctx = ExperimentContext("lock_in", tmp_path, {}, quick=True)
    ctx.verdicts = [Verdict("C2a", "", "supported", ""), Verdict("C2b", "", "depends", "")]
    update_claims_doc(doc, [(SimpleNamespace(NAME="lock_in"), ctx)], "quick mode")
    row = doc.read_text().splitlines()[2]
    assert row == "| C2 | lock-in | `lock_in` | lock_in: C2a supported; lock_in: C2b depends (quick mode) |"
