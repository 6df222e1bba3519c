"""market_sim: an agent-based model of the foundation-model (LLM) market.

>>> from market_sim import Scenario, run
>>> result = run(Scenario.default(), seed=1)
>>> result.timeseries[["date", "share_open", "margin_closed"]].tail()
"""

from market_sim.errors import ScenarioError
from market_sim.model import MarketModel
from market_sim.results import RunResult, run
from market_sim.scenario import Scenario

__all__ = ["MarketModel", "RunResult", "Scenario", "ScenarioError", "run"]
__version__ = "0.1.0"
