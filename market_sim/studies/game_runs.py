"""Equilibrium openness by simulation (issue 13, point 4; C7, C18, C24): ``market-sim game``.

The strategic vendors each choose an openness strategy; every other vendor keeps the scenario's
strategy. A profile's payoffs are the vendors' discounted profits (``profit_<v>``, 8%/yr, as in
the experiments), estimated over R seeds with common random numbers (the same seeds for every
profile; ``SeedSequence(root).spawn(R)``). The solver is :mod:`market_sim.studies.game`.

The search evaluates, from each start (the 2024-2025 observed pattern, all open, all closed), the
profile and all its unilateral deviations and follows significant better responses
(:func:`~market_sim.studies.game.deviation_search`); with ``complete=True`` every profile is
evaluated and an approximate mixed equilibrium is computed too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.errors import UserError
from market_sim.scenario import Scenario
from market_sim.studies.game import EmpiricalGame, Profile, deviation_search, mixed_equilibrium, pure_equilibria

STRATEGIES = ("always_open", "always_closed", "open_small_only")
PLAYERS = ("meta", "openai", "anthropic", "google", "mistral", "alibaba")
# Who opened what in 2024-2025 (the default scenario's strategies read onto the game's strategies):
# Llama and Qwen open; GPT and Claude closed; Gemma open beside closed Gemini; Mistral open small
# models beside closed Mistral Large.
OBSERVED = {
    "meta": "always_open",
    "openai": "always_closed",
    "anthropic": "always_closed",
    "google": "open_small_only",
    "mistral": "open_small_only",
    "alibaba": "always_open",
}
DISCOUNT_PER_YEAR = 0.08
SEED_ROOT = 2024
FILES = ("profiles.csv", "deviations.csv", "game.md", "answer.json", "regret.png", "game_manifest.json")


@dataclass
class GameSetup:
    """What to simulate: the scenario, players, strategies, seeds and the profile budget."""

    scenario: Scenario
    players: tuple[str, ...] = PLAYERS
    strategies: tuple[str, ...] = STRATEGIES
    seeds: int = 10
    months: int | None = None
    max_profiles: int = 120
    complete: bool = False
    quick: bool = False

    def __post_init__(self):
        from market_sim.strategies.registry import names

        ids = self.scenario.vendor_ids
        for p in self.players:
            if p not in ids:
                raise UserError(
                    f"--players {p!r} is not allowed: expected vendor ids of the scenario ({', '.join(ids)})"
                )
        if len(set(self.players)) != len(self.players) or not self.players:
            raise UserError(f"--players {','.join(self.players)!r} is not allowed: expected distinct vendor ids")
        known = names("openness")
        for s in self.strategies:
            if s not in known:
                raise UserError(f"--strategies {s!r} is not allowed: expected openness strategies ({', '.join(known)})")
        if len(self.strategies) < 2:
            raise UserError("--strategies needs at least two strategies")
        if self.seeds < 2:
            raise UserError(f"--seeds {self.seeds} is not allowed: expected an integer >= 2 (paired CIs)")
        if self.max_profiles < 1:
            raise UserError(f"--max-profiles {self.max_profiles} is not allowed: expected an integer >= 1")

    def seed_list(self) -> list[int]:
        from market_sim.sweep.runner import replicate_seeds

        return replicate_seeds(SEED_ROOT, self.seeds)

    def overrides(self, named: dict[str, str]) -> dict:
        out = {f"vendors.{p}.openness": {"strategy": s} for p, s in named.items()}
        if self.months is not None:
            out["run.months"] = int(self.months)
        return out


def profile_payoffs(scenario_data: dict, overrides: dict, seed: int, players: tuple[str, ...]) -> np.ndarray:
    """Discounted profit of each player in one run (a picklable task for the executor)."""
    from market_sim.model import MarketModel

    ts = MarketModel(Scenario(scenario_data).with_overrides(overrides), seed=seed).run()
    factor = (1.0 + DISCOUNT_PER_YEAR) ** (-ts["month"].to_numpy() / 12.0)
    return np.array([float(np.sum(ts[f"profit_{p}"].to_numpy() * factor)) for p in players])


def make_evaluator(setup: GameSetup, game: EmpiricalGame, executor, progress: bool):
    """A function evaluating a batch of profiles over the setup's seeds on ``executor``."""
    data, seeds = setup.scenario.to_dict(), setup.seed_list()

    def evaluate(profiles: list[Profile]) -> dict[Profile, np.ndarray]:
        tasks = [(p, r) for p in profiles for r in range(len(seeds))]
        futures = {
            (p, r): executor.submit(profile_payoffs, data, setup.overrides(game.name(p)), seeds[r], game.players)
            for p, r in tasks
        }
        bar = _bar(len(tasks), progress)
        out = {p: np.empty((len(seeds), len(game.players))) for p in profiles}
        for (p, r), f in futures.items():
            out[p][r] = f.result()
            bar.update(1)
        bar.close()
        return out

    return evaluate


def play(setup: GameSetup, workers: int | None = None, progress: bool = True) -> EmpiricalGame:
    """Estimate the empirical game: deviation search from the starts, or every profile."""
    from market_sim.sweep.executors import open_executor

    game = EmpiricalGame(setup.players, tuple(setup.strategies for _ in setup.players))
    with open_executor(workers) as info:
        evaluate = make_evaluator(setup, game, info.executor, progress)
        if setup.complete:
            game.payoffs.update(evaluate(game.all_profiles()))
        else:
            for start in starts(game):
                deviation_search(game, evaluate, start, setup.max_profiles)
    return game


def starts(game: EmpiricalGame) -> list[Profile]:
    """The observed 2024-2025 pattern (if its strategies are in the game), all open, all closed (if in
    the game); failing all three, every vendor on its first strategy."""
    out = []
    named = [{p: OBSERVED.get(p, "always_open") for p in game.players}]
    named += [{p: s for p in game.players} for s in ("always_open", "always_closed")]
    for d in named:
        try:
            prof = tuple(game.strategies[i].index(d[p]) for i, p in enumerate(game.players))
        except ValueError:
            continue
        if prof not in out:
            out.append(prof)
    return out or [tuple(0 for _ in game.players)]


def observed_profile(game: EmpiricalGame) -> Profile | None:
    """The 2024-2025 pattern as a profile of ``game``, or None if its strategies are not all there."""
    first = starts(game)[0]
    return first if all(OBSERVED.get(p) == game.strategies[i][first[i]] for i, p in enumerate(game.players)) else None


def tables(game: EmpiricalGame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(profiles: one row per evaluated profile x player, mean payoff in USD bn;
    deviations: one row per evaluated unilateral deviation, gain with 95% CI in USD bn)."""
    rows, devs = [], []
    for prof, samples in game.payoffs.items():
        label = _label(game, prof)
        nash = game.is_pure_nash(prof)
        for i, p in enumerate(game.players):
            rows.append(
                {
                    "profile": label,
                    "player": p,
                    "strategy": game.strategies[i][prof[i]],
                    "payoff_bn_usd": samples[:, i].mean() / 1e9,
                    "pure_nash": nash,
                    "fully_probed": game.fully_probed(prof),
                }
            )
        devs += [{"profile": label, **deviation_row(game, prof, g)} for g in game.gains(prof)]
    return pd.DataFrame(rows), pd.DataFrame(devs)


def deviation_row(game: EmpiricalGame, prof: Profile, g) -> dict:
    """A unilateral deviation from ``prof`` as deviations.csv and answer.json write it (gain in USD bn)."""
    i = g.player
    return {
        "player": game.players[i],
        "from": game.strategies[i][prof[i]],
        "to": game.strategies[i][g.strategy],
        "gain_bn_usd": g.mean / 1e9,
        "ci_low": g.ci_low / 1e9,
        "ci_high": g.ci_high / 1e9,
        "significant": bool(g.significant),
    }


SHORT = {"always_open": "O", "always_closed": "C", "open_small_only": "S"}


def profile_label(named: dict[str, str]) -> str:
    """A profile as the tables write it: 'meta:O openai:C' (O open, C closed, S open small only)."""
    return " ".join(f"{p}:{SHORT.get(s, s)}" for p, s in named.items())


def _label(game: EmpiricalGame, prof: Profile) -> str:
    return profile_label(game.name(prof))


def regret_figure(game: EmpiricalGame, prof: Profile, path: Path):
    """Bar chart: each player's best deviation gain from ``prof`` with its 95% CI (USD bn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from market_sim.plots import save_figure

    best = game.best_deviations(prof)
    players = list(best)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    means = np.array([best[i].mean for i in players]) / 1e9
    err = np.array([[best[i].mean - best[i].ci_low, best[i].ci_high - best[i].mean] for i in players]).T / 1e9
    colors = ["tab:red" if best[i].significant else "tab:gray" for i in players]
    ax.bar(range(len(players)), means, yerr=err, color=colors, capsize=4)
    ax.set_xticks(range(len(players)))
    ax.set_xticklabels(
        [f"{game.players[i]}\n→ {game.strategies[i][best[i].strategy].replace('_', ' ')}" for i in players], fontsize=8
    )
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_ylabel("gain from best deviation\n(discounted profit, USD bn)")
    ax.set_title("Regret of the profile, per vendor (95% CI; red = significant)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def check_out(out: Path, marker: str = "game_manifest.json", kind: str = "game") -> None:
    """Refuse a folder holding files a study did not write (its ``marker`` file says it did)."""
    if out.exists() and any(out.iterdir()) and not (out / marker).exists():
        raise UserError(
            f"--out {out} is not allowed: it holds other files (expected an empty folder or a {kind} folder)"
        )


def write(game: EmpiricalGame, setup: GameSetup, out: Path, seconds: float) -> str:
    """Write the tables, the figure, the Markdown summary and the manifest; returns the summary."""
    from market_sim.provenance import manifest

    out.mkdir(parents=True, exist_ok=True)
    info = manifest(
        study="game",
        scenario_hash=setup.scenario.hash,
        seeds=setup.seed_list(),
        players=list(setup.players),
        strategies=list(setup.strategies),
        months=setup.months,
        complete=setup.complete,
        profiles_evaluated=len(game.payoffs),
    )
    (out / "game_manifest.json").write_text(json.dumps(info, indent=2) + "\n")
    profiles, devs = tables(game)
    profiles.to_csv(out / "profiles.csv", index=False)
    devs.to_csv(out / "deviations.csv", index=False)
    (out / "answer.json").write_text(json.dumps(answer(game, setup), indent=2) + "\n")
    lines = summary(game, setup, seconds)
    focus = observed_profile(game) or next(iter(game.payoffs))
    if game.gains(focus):
        regret_figure(game, focus, out / "regret.png")
        lines += ["", f"![Regret per vendor of {_label(game, focus)}](regret.png)"]
    text = "\n".join(lines) + "\n"
    (out / "game.md").write_text(text)
    return text


def answer(game: EmpiricalGame, setup: GameSetup) -> dict:
    """The game's answer as data (``answer.json``, read by docs/findings.md): is the observed pattern an
    equilibrium, its regret (USD, with the 95% CI and the deviation behind it), each vendor's best deviation
    from it (USD bn, as in deviations.csv), the pure equilibria found."""
    obs = observed_profile(game)
    out: dict = {
        "quick": bool(setup.quick),
        "seeds": len(setup.seed_list()),
        "players": list(game.players),
        "profiles_evaluated": len(game.payoffs),
        "observed": game.name(obs) if obs is not None else None,
        "observed_is_equilibrium": None,
        "regret": None,
        "equilibria": [game.name(p) for p in pure_equilibria(game)],
        "best_deviations": [],
    }
    if obs is not None and game.fully_probed(obs):
        r = game.regret(obs)
        out["observed_is_equilibrium"] = bool(game.is_pure_nash(obs))
        out["regret"] = {
            "mean": float(r.mean),
            "ci_low": float(r.ci_low),
            "ci_high": float(r.ci_high),
            "vendor": game.players[r.player],
            "deviation": game.strategies[r.player][r.strategy],
            "significant": bool(r.significant),
        }
        out["best_deviations"] = [deviation_row(game, obs, g) for g in game.best_deviations(obs).values()]
    return out


def summary(game: EmpiricalGame, setup: GameSetup, seconds: float) -> list[str]:
    n = len(setup.seed_list())
    lines = (
        [f"**Preview (quick mode, {n} seeds, {setup.months} months): verdicts may reverse.**", ""]
        if setup.quick
        else []
    )
    lines += [
        f"# Equilibrium openness: empirical game over {len(game.players)} vendors",
        "",
        f"{n} seeds per profile (common random numbers), {len(game.payoffs)} profiles evaluated "
        f"in {seconds / 60:.1f} min; payoffs = discounted profit (8%/yr), USD bn. Strategies: "
        f"{', '.join(setup.strategies)}; other vendors keep the scenario's strategy"
        + (f"; {setup.months}-month runs." if setup.months else "."),
        "",
    ]
    obs = observed_profile(game)
    if obs is not None and game.fully_probed(obs):
        r = game.regret(obs)
        verdict = "**is** a pure equilibrium of the model" if game.is_pure_nash(obs) else "is **not** an equilibrium"
        lines.append(
            f"The 2024-2025 pattern ({_label(game, obs)}) {verdict}: its regret is {r.mean / 1e9:+.2f} bn "
            f"(95% CI {r.ci_low / 1e9:+.2f} to {r.ci_high / 1e9:+.2f}), {game.players[r.player]} deviating to "
            f"{game.strategies[r.player][r.strategy]}."
        )
    elif obs is None:
        played = ", ".join(f"{p} {OBSERVED[p]}" for p in game.players if OBSERVED.get(p) not in setup.strategies)
        lines.append(f"The 2024-2025 pattern is not a profile of this game (played: {played or 'n/a'}).")
    focus = obs if obs is not None and game.fully_probed(obs) else None
    if focus is not None:
        lines += ["", "| vendor | plays | best deviation | gain, USD bn (95% CI) |", "|---|---|---|---|"]
        for i, g in game.best_deviations(focus).items():
            p = game.players[i]
            star = " *" if g.significant else ""
            lines.append(
                f"| {p} | {game.strategies[i][focus[i]]} | {game.strategies[i][g.strategy]} | "
                f"{g.mean / 1e9:+.2f} ({g.ci_low / 1e9:+.2f} to {g.ci_high / 1e9:+.2f}){star} |"
            )
        lines.append("")
        lines.append("\\* significant: the CI lies above 0 (the vendor gains by deviating).")
    eq = pure_equilibria(game)
    lines.append("")
    lines.append(f"Pure equilibria found ({len(eq)}): " + ("; ".join(_label(game, p) for p in eq) if eq else "none"))
    if setup.complete:
        sigma, regret = mixed_equilibrium(game)
        mix = "; ".join(
            f"{p}: " + ", ".join(f"{s} {w:.2f}" for s, w in zip(game.strategies[i], sigma[i], strict=True))
            for i, p in enumerate(game.players)
        )
        lines += ["", f"Approximate mixed equilibrium (Nash-function minimum, regret {regret / 1e9:.3f} bn): {mix}"]
    elif not eq:
        lines += ["", "No pure equilibrium within the search; run with --complete for the mixed equilibrium."]
    return lines


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="game", dynamic_ncols=True, disable=not enabled)
