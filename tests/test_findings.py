"""docs/findings.md from computed verdicts (issue 13, point 5): the answer first, one-line cells,
regions from scenario discovery, the game's answer, the experiments' reports beside the findings."""

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from market_sim.studies.experiment import Effect, ExperimentContext, Verdict, write_findings
from market_sim.studies.experiment.summary import (
    CELL_LIMIT,
    answer_paragraph,
    clip,
    effect_text,
    game_sentence,
    headline_effect,
    read_regions,
    where_line,
)


def eff(claim, mean, half, point="p", outcome="Meta payoff (USD)"):
    return Effect(claim, outcome, "a", "b", point, 20, mean, mean - half, mean + half)


def verdict(ctx, claim, means, predicted=+1, half=1.0, outcome="Meta payoff (USD)"):
    effects = [eff(claim, m, half, f"point {i} " + "x" * 40, outcome) for i, m in enumerate(means)]
    v = ctx.verdict(claim, effects, predicted)
    v.statement = f"statement of {claim}"
    return v


@pytest.mark.parametrize(
    "verdicts, answer",
    [
        ({"C19": ["supported"], "C20": ["supported"], "C24": ["supported"], "C18": ["supported"]}, "holds"),
        ({"C19": ["not supported"], "C20": ["not supported"], "C24": ["not supported"]}, "fails"),
        ({"C19": ["supported"], "C20": ["supported", "not supported"], "C24": ["not supported"]}, "holds only in part"),
    ],
)
def test_answer_follows_the_verdicts(verdicts, answer):
    by_claim = {c: [("e", Verdict(c, "", v, "")) for v in vs] for c, vs in verdicts.items()}
    text = answer_paragraph(by_claim, {}, None)
    assert text.startswith(f"**Does the commoditization argument hold? In this model it {answer}**")
    if answer == "holds only in part":
        assert "part (2) holds" in text and "part (1a) is mixed" in text and "part (3a) fails" in text


def test_answer_names_the_sibling_verdicts_and_their_experiment_only_when_it_differs():
    entries = [
        ("commoditization", Verdict("C20", "", "supported", "")),
        ("commoditization", Verdict("C20-price", "", "supported", "")),
        ("lock_in", Verdict("C20", "", "depends", "")),
    ]
    text = answer_paragraph({"C20": entries}, {}, None)
    assert "also C20-price supported, C20 depends in lock_in)" in text


def test_effect_text_scales_money_and_keeps_units():
    assert effect_text(eff("C24", 1.9e9, 0.6e9)) == "+1.9 [+1.3, +2.5] bn USD"
    assert effect_text(eff("C18", 1.37e8, 3.46e8)) == "+137 [-209, +483] M USD"
    assert effect_text(eff("C20", -0.021, 0.01, outcome="margin_closed")) == "-0.021 [-0.031, -0.011] fraction"
    assert effect_text(eff("C22", 0.5, 0.2, outcome="price_closed")) == "+0.50 [+0.30, +0.70] USD/Mtok"


def test_where_line_counts_points_and_stays_under_the_cell_limit(tmp_path):
    ctx = ExperimentContext("t", tmp_path, {}, quick=False)
    assert where_line(verdict(ctx, "C1", [3, 4])) == "at all 2 points tested"
    assert where_line(verdict(ctx, "C1", [-3, 0])) == "at none of the 2 points tested; opposite sign significant at 1"
    many = verdict(ctx, "C1", [3] * 30 + [0])
    line = where_line(many)
    assert line.startswith("30 of 31 points: point 0") and len(line) <= CELL_LIMIT and line.endswith("(appendix)")
    assert headline_effect(verdict(ctx, "C1", [5, 1, 3])).mean == 3  # the median point
    assert clip("word " * 100, 50).endswith("… (appendix)") and len(clip("word " * 100, 50)) <= 50


def _discovery(folder):
    folder.mkdir()
    pd.DataFrame(
        [{"claim": "C24", "points": 8, "holds_share": 0.25, "box": "…", "coverage": 0.9, "density": 0.8,
          "cart_importance": "market.nest_correlation 0.6, community.strength 0.4"}]
    ).to_csv(folder / "summary.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [{"claim": "C24", "parameter": "market.nest_correlation", "low": 0.5, "high": 0.9},
         {"claim": "C24", "parameter": "community.strength", "low": 0.0, "high": 1.9}]
    ).to_csv(folder / "boxes.csv", index=False)  # fmt: skip
    pd.DataFrame({"market.nest_correlation": [0.0, 1.0], "community.strength": [0.0, 2.0]}).to_csv(
        folder / "C24_points.csv"
    )
    (folder / "discovery_manifest.json").write_text(json.dumps({"quick": False}))


def test_regions_are_read_with_each_bound_as_a_share_of_its_sampled_range(tmp_path):
    _discovery(tmp_path / "d")
    region = read_regions(tmp_path / "d")["C24"]
    assert list(region.bounds["width"]) == pytest.approx([0.4, 0.95])
    sentence = region.sentence()
    assert "holds at 25% of 8 sampled points" in sentence and "coverage 90%, density 80%" in sentence
    assert sentence.index("nest correlation") < sentence.index("community strength")  # tightest bound first
    # each bound one-sided where it reaches the end of the sampled range
    nest, strength = "nest correlation (same weights as substitutes)", "community strength (x default)"
    assert f"it holds where {nest} in [0.5, 0.9] and {strength} ≤ 1.9" in sentence
    assert read_regions(tmp_path / "missing") == {}
    loose = region.bounds.assign(width=[0.8, 0.95])  # every bound keeps most of its range: no compact region
    region.bounds = loose
    assert "no compact region" in region.sentence() and "at least 80% of every parameter's range" in region.sentence()
    region.holds_share = 0.9  # holding almost everywhere, the box says where it fails: not "no region"
    assert "no compact region" not in region.sentence() and "it holds where" in region.sentence()
    four = pd.concat([region.bounds.assign(width=[0.4, 0.5])] * 2, ignore_index=True)
    region.bounds = four.assign(parameter=["a", "b", "c", "d"])
    assert "(PRIM box: coverage 90%, density 80%; its 3 tightest of 4 bounds)" in region.sentence()
    region.bounds = loose.iloc[:0]
    assert "scattered (no PRIM box reaches density 80%)" in region.sentence()
    assert region.sentence().endswith(f"; CART ranks {nest} and {strength} most important")  # PRIM draws no region
    assert "CART" not in sentence  # a box says where it holds; CART is left to docs/discovery.md


GAME = {
    "quick": False, "seeds": 10, "players": ["meta", "openai"], "profiles_evaluated": 4,
    "observed": {"meta": "always_open", "openai": "always_closed"}, "observed_is_equilibrium": False,
    "regret": {"mean": 2.5e9, "ci_low": 1e9, "ci_high": 4e9, "vendor": "openai", "deviation": "always_open",
               "significant": True},
    "equilibria": [{"meta": "always_open", "openai": "always_open"}],
    "best_deviations": [
        {"player": "meta", "from": "always_open", "to": "always_closed", "gain_bn_usd": -1.0, "ci_low": -2.0,
         "ci_high": 0.0, "significant": False},
        {"player": "openai", "from": "always_closed", "to": "always_open", "gain_bn_usd": 2.5, "ci_low": 1.0,
         "ci_high": 4.0, "significant": True},
    ],
}  # fmt: skip


def test_game_sentence_reports_the_observed_pattern_and_its_regret():
    text = game_sentence(GAME)
    assert "is **not** an equilibrium" in text and "+2.50 bn USD [+1.00, +4.00]" in text
    assert "openai deviating to always_open" in text and "meta always_open, openai always_open" in text
    assert "has not been run" in game_sentence(None)


def test_findings_open_with_the_answer_and_copy_each_report(tmp_path):
    out = tmp_path / "exp"
    out.mkdir()
    (out / "report.md").write_text("# report\n![f](fig.png)\n")
    (out / "fig.png").write_bytes(b"png")
    ctx = ExperimentContext("commoditization", out, {}, quick=False)
    ctx.figures = [("fig.png", "a figure")]
    verdict(ctx, "C20", [-3, -2, 0], predicted=-1, outcome="margin_closed")
    verdict(ctx, "C19", [3, 4], outcome="value_share_applications")
    verdict(ctx, "C24", [3.0e9, 4.0e9], half=1e9)
    module = SimpleNamespace(NAME="commoditization", QUESTION="Q?", specs=lambda quick: {"m": {"sweep": {}}})
    docs = tmp_path / "docs"
    docs.mkdir()
    _discovery(docs / "discovery_run")
    (docs / "game_run").mkdir()
    (docs / "game_run" / "answer.json").write_text(json.dumps(GAME))
    reports = docs / "findings_reports"
    reports.mkdir()
    (reports / "theirs.txt").write_text("not ours")
    write_findings([(module, ctx)], docs / "findings.md")

    text = (docs / "findings.md").read_text()
    first = "\n".join(text.splitlines()[:40])
    assert "In this model it holds only in part" in first and "holds at 25% of 8 sampled points" in first
    assert "+3.0 [+2.0, +4.0] bn USD" in first and "is **not** an equilibrium" in first
    rows = [line for line in text.splitlines() if line.startswith("| C")]
    assert [r.split(" ")[1] for r in rows] == ["C20", "C19", "C24"]  # the argument's parts first
    assert all(len(cell) <= CELL_LIMIT for r in rows for cell in r.strip("|").split(" | "))
    assert "[findings_reports/commoditization/report.md](findings_reports/commoditization/report.md)" in text
    assert (reports / "commoditization" / "report.md").is_file() and (reports / "commoditization" / "fig.png").is_file()
    assert "## Appendix: where each claim holds" in text
    # each vendor's best deviation from the observed profile, as answer.json lists them
    assert "| openai | always_closed | always_open | +2.5 [+1.0, +4.0] * |" in text
    assert "| meta | always_open | always_closed | -1.0 [-2.0, +0.0] |" in text

    ctx.figures = []  # the figure is gone from the next run: its copy goes, a file we did not write stays
    (tmp_path / "outside.txt").write_text("keep")
    with (reports / "FILES.txt").open("a") as listing:  # a listing edited to point outside is not followed
        listing.write("../../outside.txt\n")
    write_findings([(module, ctx)], docs / "findings.md")
    assert (tmp_path / "outside.txt").read_text() == "keep"
    assert not (reports / "commoditization" / "fig.png").exists() and (reports / "theirs.txt").read_text() == "not ours"
