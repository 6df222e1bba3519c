# ruff: noqa: N802 - Solara components are named like classes
"""The dashboard page (Solara): scenario controls, a live run, paired arms over seeds, sweep folders.

Served by ``market-sim dashboard``; all work is done by :mod:`market_sim.dashboard.logic`.
State lives in per-session reactive variables, so two browser tabs do not share a run.
"""

from __future__ import annotations

import html

import solara
import solara.lab
import tomli_w

from market_sim import Scenario, plots
from market_sim.dashboard import logic as lg
from market_sim.labels import label

BASE = Scenario.default()
VENDOR_IDS = BASE.vendor_ids

texts = solara.reactive({})  # dotted key -> text typed (only fields the user changed)
extra = solara.reactive("")  # more key=value lines
seed_text = solara.reactive("1")
vendor = solara.reactive(VENDOR_IDS[0])
progress = solara.reactive("")
live = solara.reactive(None)  # (scenario, seed, timeseries so far)
arm_texts = solara.reactive(
    {
        "A": ("Meta open", 'vendors.meta.openness = "always_open"'),
        "B": ("Meta closed", 'vendors.meta.openness = "always_closed"'),
    }
)
arm_seeds = solara.reactive("1-3")
arm_metric = solara.reactive("share_open")
arm_result = solara.reactive(None)
arm_error = solara.reactive("")
sweep_path = solara.reactive("outputs/sweeps/demo")
sweep_view = solara.reactive(None)
sweep_error = solara.reactive("")


def current() -> tuple[Scenario | None, str]:
    """The scenario the controls describe, or None and the CLI's message for the bad field."""
    try:
        return lg.build_scenario(BASE, texts.value, extra.value), ""
    except lg.UserError as exc:
        return None, lg.error_text(exc)


def shown_scenario() -> Scenario:
    """A valid scenario for displaying field values: the current one, else strategies only, else the base."""
    scenario, _ = current()
    if scenario is not None:
        return scenario
    slots = {k: v for k, v in texts.value.items() if k.count(".") == 2 and k.rsplit(".", 1)[-1] in lg.SLOTS}
    try:
        return lg.build_scenario(BASE, slots)
    except lg.UserError:
        return BASE


def set_text(key: str, value: str) -> None:
    new = dict(texts.value)
    new[key] = value
    texts.set(new)


def set_strategy(key: str, name: str) -> None:
    new = {k: v for k, v in texts.value.items() if not k.startswith(key + ".")}
    new[key] = name
    texts.set(new)


@solara.component
def Field(key: str, caption: str, field, default):
    if field is not None and field.kind is bool:
        value = texts.value.get(key, lg.format_value(default)) == "true"
        solara.Checkbox(label=caption, value=value, on_value=lambda v: set_text(key, "true" if v else "false"))
        return
    hint = f"{key}: {field.allowed()}" if field is not None else key
    solara.InputText(
        caption,
        value=texts.value.get(key, lg.format_value(default)),
        on_value=lambda v: set_text(key, v),
        message=hint,
        classes=[f"ms-field-{key.replace('.', '-')}"],
    )


@solara.component
def VendorControls(scenario: Scenario):
    vid = vendor.value
    solara.Select("vendor", values=VENDOR_IDS, value=vendor)
    for name in lg.VENDOR_KEYS:
        key = f"vendors.{vid}.{name}"
        Field(key, label(key) if name != "enabled" else "enabled", lg.field_for(key), scenario.get(key))
    for slot in lg.SLOTS:
        key = f"vendors.{vid}.{slot}"
        spec = scenario.get(key)
        solara.Select(
            f"{slot} strategy",
            values=lg.strategy_names(slot),
            value=spec["strategy"],
            on_value=lambda v, key=key: set_strategy(key, v),
            classes=[f"ms-strategy-{slot}"],
        )
        for param, (field, _) in lg.strategy_fields(slot, spec["strategy"]).items():
            Field(f"{key}.{param}", f"  {slot}.{param}", field, spec.get(param))


@solara.component
def Sidebar():
    scenario = shown_scenario()
    _, error = current()
    solara.Markdown("#### Seed and market")
    solara.InputText(
        "seed", value=seed_text, message="the run's random seed, an integer >= 0", classes=["ms-field-seed"]
    )
    for key in lg.MARKET_KEYS:
        Field(key, label(key), lg.field_for(key), scenario.get(key))
    solara.Markdown("#### Vendor strategies")
    VendorControls(scenario)
    solara.InputTextArea(
        "more overrides (key = value per line, as --set)",
        value=extra,
        rows=3,
        message="any scenario key, e.g. vendors.openai.pricing.markup = 0.5",
    )
    if error:
        solara.Error(error, classes=["ms-error"])
    if texts.value or extra.value:
        solara.Button("reset to the default scenario", on_click=lambda: (texts.set({}), extra.set("")), text=True)


@solara.lab.task
def run_task(scenario: Scenario, seed: int):
    def show(ts):
        live.set((scenario, seed, ts))
        progress.set(f"month {len(ts)} of {scenario.months}")

    live.set((scenario, seed, None))
    lg.step_run(scenario, seed, show, every=max(3, scenario.months // 12))
    progress.set(f"finished: {scenario.months} months, seed {seed}, scenario {scenario.hash}")


def start_run() -> None:
    scenario, error = current()
    try:
        seed = lg.parse_seeds(seed_text.value)
        if len(seed) != 1:
            raise lg.UserError(f"seed = {seed_text.value!r} is not allowed: expected one integer >= 0")
    except lg.UserError as exc:
        progress.set(lg.error_text(exc))
        return
    if scenario is None:
        progress.set(error)
        return
    progress.set(f"starting: {scenario.months} months, seed {seed[0]}")
    run_task(scenario, seed[0])


def headline_html(ts) -> str:
    rows = "".join(
        f'<tr data-metric="{m}"><td>{html.escape(label(m))}</td><td><code>{m}</code></td>'
        f'<td class="ms-value">{v:.6g}</td></tr>'
        for m, v in lg.headline(ts).items()
    )
    return f'<table class="ms-headline"><tr><th>final month</th><th>metric</th><th>value</th></tr>{rows}</table>'


@solara.component
def Figures(scenario: Scenario, ts):
    names = lg.vendor_names(scenario)
    figs = solara.use_memo(
        lambda: {
            "adoption": lg.png(plots.plot_adoption(ts, lg.vendor_table(scenario, ts))),
            "prices": lg.png(plots.plot_prices(ts)),
            "margins": lg.png(
                plots.plot_lines(ts, {"margin_closed": "closed APIs, volume-weighted"}, "Closed margin (Lerner)")
            ),
            "value": lg.png(plots.plot_lines(ts, lg.VALUE_LAYERS, "Value by layer (share of application value)")),
            "capability": lg.png(
                plots.plot_lines(
                    ts,
                    {**lg.CAPABILITY, **{f"capability_{v}": n for v, n in names.items()}},
                    "Capability (κ = log10 effective training compute)",
                )
            ),
        },
        dependencies=[id(ts), len(ts)],
    )
    with solara.Div(style={"display": "grid", "grid-template-columns": "1fr 1fr", "gap": "8px"}):
        for name, data in figs.items():
            solara.Image(data, width="100%", classes=[f"ms-figure-{name}"])


@solara.component
def RunTab():
    with solara.Row():
        solara.Button("Run simulation", on_click=start_run, disabled=run_task.pending, color="primary")
        solara.Text(progress.value, classes=["ms-progress"])
    if live.value is None or live.value[2] is None:
        solara.Markdown("Set the scenario on the left, then **Run simulation**; plots update as the months pass.")
        return
    scenario, seed, ts = live.value
    solara.HTML(unsafe_innerHTML=headline_html(ts))
    Figures(scenario, ts)
    last = ts.iloc[-1]
    vendors = lg.vendor_table(scenario, ts)
    table = "".join(
        f"| {row['name']} | {row['openness']} | {last[f'share_{v}']:.4f} | {last[f'price_{v}']:.3f} "
        f"| {last[f'revenue_{v}'] / 1e6:,.1f} | {last[f'profit_{v}'] / 1e6:,.1f} |\n"
        for v, row in vendors.iterrows()
    )
    solara.Markdown(
        "| vendor | weights | token share | price USD/Mtok | model revenue USD M/month "
        "| profit incl. complement USD M/month |\n|---|---|---|---|---|---|\n" + table
    )
    if not run_task.pending:
        stem = f"run-seed{seed}-{scenario.hash}"
        with solara.Row():
            solara.FileDownload(lambda: lg.parquet_bytes(ts), f"{stem}.parquet", label="timeseries (Parquet)")
            solara.FileDownload(lambda: lg.csv_bytes(ts), f"{stem}.csv", label="timeseries (CSV)")
            toml = f"# market-sim run scenario.toml --seed {seed}\n" + scenario.to_toml()
            solara.FileDownload(toml, "scenario.toml", label="scenario TOML")


@solara.lab.task
def arms_task(arms: dict, seeds: list[int]):
    arm_result.set(lg.run_arms(arms, seeds, lambda d, n: arm_error.set(f"run {d} of {n}")))
    arm_error.set("")


def start_arms() -> None:
    scenario, error = current()
    try:
        if scenario is None:
            raise lg.UserError(error.removeprefix("market-sim: error: "))
        seeds = lg.parse_seeds(arm_seeds.value)
        arms = {
            name: lg.build_scenario(scenario, {}, lines) for name, lines in arm_texts.value.values() if name.strip()
        }
    except lg.UserError as exc:
        arm_error.set(lg.error_text(exc))
        return
    arms_task(arms, seeds)


def set_arm(slot: str, index: int, value: str) -> None:
    new = dict(arm_texts.value)
    pair = list(new[slot])
    pair[index] = value
    new[slot] = tuple(pair)
    arm_texts.set(new)


@solara.component
def ArmFigure(result, metric: str):
    names = lg.vendor_names(BASE)
    fig = solara.use_memo(
        lambda: lg.png(plots.plot_bands(result.runs, metric, vendor_names=names)), dependencies=[id(result), metric]
    )
    solara.Image(fig, width="100%", classes=["ms-figure-arms"])


@solara.component
def CompareTab():
    solara.Markdown(
        "Two arms over the same seeds (common random numbers), on top of the scenario on the left. "
        "Bands: 95% Student-t interval of the mean over seeds."
    )
    with solara.Columns([1, 1]):
        for slot in ("A", "B"):
            with solara.Column():
                name, lines = arm_texts.value[slot]
                solara.InputText(f"arm {slot} name", value=name, on_value=lambda v, s=slot: set_arm(s, 0, v))
                solara.InputTextArea(
                    f"arm {slot} overrides", value=lines, rows=2, on_value=lambda v, s=slot: set_arm(s, 1, v)
                )
    with solara.Row():
        solara.InputText("seeds", value=arm_seeds, message="e.g. 1-5 or 1, 2, 3", classes=["ms-field-seeds"])
        metrics = [*lg.HEADLINE, *[f"share_{v}" for v in VENDOR_IDS], *[f"profit_{v}" for v in VENDOR_IDS]]
        solara.Select("metric", values=metrics, value=arm_metric)
        solara.Button("Run arms", on_click=start_arms, disabled=arms_task.pending, color="primary")
    if arm_error.value:
        (solara.Error if arm_error.value.startswith("market-sim") else solara.Text)(arm_error.value)
    result = arm_result.value
    if result is None:
        return
    ArmFigure(result, arm_metric.value)
    table = lg.paired_table(result, [arm_metric.value, *lg.HEADLINE])
    solara.Markdown(
        f"Final month, mean over seeds {result.seeds}; difference = {' minus '.join(reversed(list(result.runs)))}:"
    )
    with solara.Div(classes=["ms-arm-table"]):
        solara.DataFrame(table.round(4), items_per_page=15)


@solara.component
def SweepTab():
    with solara.Row():
        solara.InputText(
            "sweep folder",
            value=sweep_path,
            message="a folder written by market-sim sweep",
            classes=["ms-field-sweep-folder"],
        )
        solara.Button("Load sweep", on_click=load_sweep_folder)
    if sweep_error.value:
        solara.Error(sweep_error.value)
    view = sweep_view.value
    if view is None:
        return
    result = view["result"]
    counts = ", ".join(f"{n} {status}" for status, n in view["status"].items()) or "none finished"
    name = result.spec.get("sweep", {}).get("name", result.path.name)
    solara.Markdown(f"**{name}**: {len(result.runs)} runs ({counts}), in `{result.path}`")
    solara.Markdown("```toml\n" + tomli_w.dumps(result.spec) + "\n```")
    for name, table in view["tables"].items():
        solara.Markdown(f"`{name}`")
        solara.DataFrame(table, items_per_page=10)
    if not view["tables"]:
        solara.Markdown(f"No summaries yet: `market-sim analyze {result.path}` writes them.")
    with solara.ColumnsResponsive(12, large=6):
        for path in view["figures"]:
            solara.Image(str(path), width="100%")


def load_sweep_folder() -> None:
    try:
        sweep_view.set(lg.sweep_overview(sweep_path.value))
        sweep_error.set("")
    except lg.UserError as exc:
        sweep_view.set(None)
        sweep_error.set(lg.error_text(exc))


@solara.component
def ScenarioTab():
    scenario, error = current()
    if scenario is None:
        solara.Error(error)
        return
    solara.Markdown(f"Scenario {scenario.hash}; load it with `market-sim run scenario.toml`.")
    solara.Markdown("```toml\n" + scenario.to_toml() + "\n```")


@solara.component
def Page():
    solara.Title("market_sim dashboard")
    with solara.Sidebar():
        Sidebar()
    with solara.lab.Tabs():
        with solara.lab.Tab("Run"):
            RunTab()
        with solara.lab.Tab("Compare arms and seeds"):
            CompareTab()
        with solara.lab.Tab("Sweep folder"):
            SweepTab()
        with solara.lab.Tab("Scenario TOML"):
            ScenarioTab()
