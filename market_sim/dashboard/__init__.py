"""``market-sim dashboard``: a local web page to set strategies, run, compare arms and browse sweeps.

Built on Solara directly rather than Mesa's SolaraViz: SolaraViz steps one model with flat
sliders, while this page needs nested per-vendor strategy tables, paired arms over common seeds,
seed bands, sweep folders and downloads (docs/dashboard.md says more).
"""

from __future__ import annotations

import os
import sys

HOST = "127.0.0.1"
APP = "market_sim.dashboard.app"


def serve(port: int = 8765, host: str = HOST) -> None:
    """Serve the dashboard on ``host:port`` until interrupted (no telemetry, no version check)."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    from solara.__main__ import run as solara_run

    print(f"market-sim dashboard: http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    args = [APP, "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]
    solara_run.main(args=args, standalone_mode=False)
    sys.stdout.flush()
