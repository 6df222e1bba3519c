"""Analysis of sweep results: replicate summaries with t-intervals, paired arm differences, Sobol and
Morris sensitivity indices, and figures. Functions take the sweep's ``runs`` and ``timeseries`` DataFrames."""

from market_sim.analysis.plots import plot_heatmap, plot_indices, plot_over_time
from market_sim.analysis.sensitivity import indices_for_sweep, morris_indices, sobol_indices
from market_sim.analysis.summary import (
    arms,
    final_values,
    over_time,
    paired_differences,
    parameter_columns,
    summarize,
    t_interval,
)

__all__ = [
    "arms",
    "final_values",
    "indices_for_sweep",
    "morris_indices",
    "over_time",
    "paired_differences",
    "parameter_columns",
    "plot_heatmap",
    "plot_indices",
    "plot_over_time",
    "sobol_indices",
    "summarize",
    "t_interval",
]
