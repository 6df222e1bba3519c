"""market_sim: an agent-based model of the foundation-model (LLM) market.

>>> from market_sim import Scenario, run
>>> result = run(Scenario.default(), seed=1)
>>> result.timeseries[["date", "share_open", "margin_closed"]].tail()
"""

from market_sim.numba_cache import ensure_cache_dir

ensure_cache_dir()  # before numba compiles anything: a read-only install needs a writable cache

from market_sim.errors import ScenarioError  # noqa: E402
from market_sim.model import MarketModel  # noqa: E402
from market_sim.results import RunResult, run  # noqa: E402
from market_sim.scenario import Scenario  # noqa: E402

__all__ = ["MarketModel", "RunResult", "Scenario", "ScenarioError", "run"]
__version__ = "0.1.0"
