"""Sweeps: declarative specs, designs, executors, and a resumable result store."""

from market_sim.sweep.runner import SerialExecutor, plan, replicate_seeds, run_spec, run_sweep
from market_sim.sweep.spec import SweepSpec
from market_sim.sweep.store import SweepResult, load_sweep

__all__ = [
    "SerialExecutor",
    "SweepResult",
    "SweepSpec",
    "load_sweep",
    "plan",
    "replicate_seeds",
    "run_spec",
    "run_sweep",
]
