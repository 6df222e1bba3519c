"""The dashboard in a real browser: headless system Chromium driven by Playwright.

Starts ``market-sim dashboard`` on a free loopback port, sets a small market, changes Meta's
openness strategy, runs, and checks that the plots change and the numbers shown equal ``run()``'s
for the same scenario and seed; bad input shows the CLI's message; two arms run over the same
seeds. Screenshots go to the test's temporary folder, and with MARKET_SIM_UPDATE_DOCS=1 to
docs/figures/dashboard_*.png. Without Chromium (or Playwright) the test skips, unless
MARKET_SIM_REQUIRE_BROWSER=1 (set by .ci/run), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from market_sim import Scenario, run
from market_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MARKET_SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SMALL = {"run.months": "24", "developers.count": "2000"}
SEED = 2


def _unavailable() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -e '.[dev]'"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` (Debian)"
    return ""


@pytest.fixture(scope="module")
def page():
    reason = _unavailable()
    if reason:
        if os.environ.get("MARKET_SIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MARKET_SIM_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "market_sim.cli", "dashboard", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        first = server.stdout.readline()
        assert first.strip() == f"market-sim dashboard: http://127.0.0.1:{port}/  (Ctrl+C stops it)"
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, server)
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1400, "height": 1000}
            )
            tab = context.new_page()
            tab.set_default_timeout(120_000)
            tab.goto(url)
            tab.get_by_role("button", name="Run simulation").wait_for()
            yield tab
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stdout.close()


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert server.poll() is None, server.stdout.read()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"dashboard did not answer at {url}")


def _field(page, key: str):
    return page.locator(f".ms-field-{key.replace('.', '-')} input")


def _type(page, key: str, text: str) -> None:
    box = _field(page, key)
    box.fill(text)
    box.press("Enter")


def _choose(page, slot: str, name: str) -> None:
    from playwright.sync_api import expect

    select = page.locator(f".ms-strategy-{slot}")
    select.click()
    item = page.locator(".v-menu__content.menuable__content__active .v-list-item", has_text=name).first
    item.wait_for(state="visible")
    item.click()
    expect(select).to_contain_text(name)


def _run(page, scenario: Scenario) -> dict[str, float]:
    """Run and wait until the page reports this very scenario finished; the headline numbers shown."""
    page.get_by_role("button", name="Run simulation").click()
    page.locator(
        ".ms-progress", has_text=f"finished: {scenario.months} months, seed {SEED}, scenario {scenario.hash}"
    ).wait_for()
    rows = page.locator(".ms-headline tr[data-metric]")
    return {
        rows.nth(i).get_attribute("data-metric"): float(rows.nth(i).locator(".ms-value").inner_text())
        for i in range(rows.count())
    }


def _image(page, name: str) -> str:
    return page.locator(f"img.ms-figure-{name}").get_attribute("src")


def _screenshot(page, name: str, tmp_path: Path) -> None:
    folder = ROOT / "docs" / "figures" if os.environ.get("MARKET_SIM_UPDATE_DOCS") == "1" else tmp_path
    page.evaluate("document.querySelectorAll('.v-navigation-drawer__content').forEach(e => e.scrollTop = 0)")
    page.screenshot(path=str(folder / f"dashboard_{name}.png"))
    assert (folder / f"dashboard_{name}.png").stat().st_size > 50_000


def test_dashboard_in_chromium(page, capsys, tmp_path):
    from playwright.sync_api import expect

    # bad input: the CLI's message, naming key, value and what is allowed
    _type(page, "developers.count", "-5")
    expect(page.locator(".ms-error")).to_be_visible()
    shown = page.locator(".ms-error").inner_text().strip()
    assert main(["scenario", "--set", "developers.count=-5"]) == 2
    assert shown == capsys.readouterr().err.strip()

    for key, text in SMALL.items():
        _type(page, key, text)
    _type(page, "seed", str(SEED))
    expect(page.locator(".ms-error")).to_have_count(0)

    small = Scenario.default().with_overrides({"run.months": 24, "developers.count": 2000})
    closed = small.with_overrides({"vendors.meta.openness": "always_closed"})
    before = _run(page, small)
    adoption_before = _image(page, "adoption")
    _choose(page, "openness", "always_closed")  # Meta, the first vendor, keeps its weights closed
    after = _run(page, closed)
    _screenshot(page, "run", tmp_path)

    assert _image(page, "adoption") != adoption_before, "the adoption plot did not change"
    expected = run(closed, seed=SEED).timeseries
    last = expected.iloc[-1]
    assert set(after) >= {"share_open", "price_closed", "margin_closed", "value_share_applications"}
    for metric, value in after.items():
        assert value == pytest.approx(float(last[metric]), rel=1e-5), metric
    assert after["share_open"] != before["share_open"]

    # the downloads reproduce the run: scenario TOML and Parquet
    with page.expect_download() as info:
        page.get_by_role("button", name="scenario TOML").click()
    info.value.save_as(tmp_path / "scenario.toml")
    assert Scenario.load(tmp_path / "scenario.toml") == closed
    with page.expect_download() as info:
        page.get_by_role("button", name="timeseries (Parquet)").click()
    info.value.save_as(tmp_path / "run.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "run.parquet"), expected)

    page.get_by_role("tab", name="Compare arms and seeds").click()
    _type(page, "seeds", "1-2")
    page.get_by_role("button", name="Run arms").click()
    page.locator("img.ms-figure-arms").wait_for()
    page.locator(".ms-arm-table").wait_for()
    _screenshot(page, "arms", tmp_path)

    # a finished sweep folder: its runs and summary; a run folder is named as such
    from market_sim.cli import main as cli

    spec = tmp_path / "tiny.toml"
    spec.write_text('[sweep]\nname = "tiny"\nmonths = 2\nreplicates = 2\n[fixed]\n"developers.count" = 300\n')
    assert cli(["sweep", str(spec), "--out", str(tmp_path / "sweep"), "--workers", "1", "--no-progress"]) == 0
    assert cli(["analyze", str(tmp_path / "sweep")]) == 0
    page.get_by_role("tab", name="Sweep folder").click()
    _type(page, "sweep-folder", str(tmp_path / "sweep"))
    page.get_by_role("button", name="Load sweep").click()
    expect(page.get_by_text("2 runs (2 ok)")).to_be_visible()
    expect(page.get_by_text("summary.csv", exact=True)).to_be_visible()
