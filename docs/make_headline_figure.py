"""The README's headline figure: token share by vendor in the default scenario over 10 seeds.

    .venv/bin/python docs/make_headline_figure.py [--seeds 10] [--format svg pdf]

Writes docs/figures/adoption.png (and .svg/.pdf if asked): mean of seeds 1..N with 95% bands,
a dotted line where the calibration window of docs/design/MODEL.md ends and projection begins.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from market_sim import Scenario, run
from market_sim.plots import figure_formats, plot_adoption_bands, save_figure
from market_sim.studies.calibration import HISTORY

OUT = Path(__file__).resolve().parent / "figures" / "adoption.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--format", nargs="+", choices=["png", "svg", "pdf"], default=["png"])
    args = parser.parse_args()
    results = [run(Scenario.default(), seed=s) for s in range(1, args.seeds + 1)]
    month = HISTORY[1]
    projection = f"{int(month[:4]) + (month[5:] == '12')}-{int(month[5:]) % 12 + 1:02d}"
    fig = plot_adoption_bands([r.timeseries for r in results], results[0].vendors, projection_from=projection)
    with figure_formats(args.format):
        for path in save_figure(fig, OUT, dpi=150):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
