"""Experiments: one question from the source texts, its sweeps, effect sizes and verdicts.

An experiment is a Python file in ``experiments/`` (copy one to make your own) defining

    NAME = "commoditization"
    QUESTION = "Do strong open-weight models compress closed margins ...?"
    CLAIMS = {"C20": "open rivals lower closed vendors' margins", ...}
    def specs(quick: bool) -> dict[str, dict]        # sweep specs (as TOML tables), by name
    def analyze(ctx: ExperimentContext) -> None      # effects, verdicts, figures, text

Each spec runs through the sweep engine (resumable, parallel, cluster-capable) into
``<out>/<spec name>/`` (:mod:`.runs`); ``analyze`` reads the results through ``ctx``
(:mod:`.context`) and records effects (paired differences with CIs of outcomes from
:mod:`.measures`), verdicts (computed by :meth:`ExperimentContext.verdict`, never written by
hand) and figures; :func:`run_experiment` writes ``report.md`` (:mod:`.report`);
:mod:`.findings` combines experiments into docs/findings.md and docs/claims.md.
"""

from market_sim.studies.experiment.context import RULE, VERDICTS, Effect, ExperimentContext, Verdict, one_sample
from market_sim.studies.experiment.findings import update_claims_doc, verdicts_by_claim, write_findings
from market_sim.studies.experiment.measures import discounted_sum, final_mean
from market_sim.studies.experiment.report import min_replicates, quick_banner, render
from market_sim.studies.experiment.runs import default_directory, load_experiments, run_experiment
from market_sim.studies.experiment.summary import answer_paragraph

__all__ = [
    "RULE",
    "VERDICTS",
    "answer_paragraph",
    "Effect",
    "ExperimentContext",
    "Verdict",
    "default_directory",
    "discounted_sum",
    "final_mean",
    "load_experiments",
    "min_replicates",
    "one_sample",
    "quick_banner",
    "render",
    "run_experiment",
    "update_claims_doc",
    "verdicts_by_claim",
    "write_findings",
]
