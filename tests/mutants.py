"""Hand-run mutation check for issue 15's survivors: each mutant (one function's source rewritten
in memory) must make its test fail. Not collected by pytest (no ``test_`` prefix); run with

    .venv/bin/python -m tests.mutants

It exits 1 if a mutant survives, or if a function no longer contains the text a mutant rewrites
(the model changed: update the mutant). Takes about 10 s.
"""

from __future__ import annotations

import inspect
import sys
import textwrap

import pytest

from market_sim import metrics
from market_sim.market import environment, labor, pricing
from market_sim.sweep import runner, store
from tests import test_conservation as tc
from tests.sweep import test_store_integrity as ti


def mutate(owner, name: str, old: str, new: str):
    """``owner.name`` (a module's function or a class's method) with ``old`` replaced by ``new`` in
    its source, or None if ``old`` is no longer there."""
    src = textwrap.dedent(inspect.getsource(getattr(owner, name)))
    if old not in src:
        return None
    module = sys.modules[owner.__module__] if isinstance(owner, type) else owner
    local: dict = {}
    # globals are the module's own, so the mutant sees monkeypatched helpers as the original does
    exec(compile(src.replace(old, new), module.__file__, "exec"), module.__dict__, local)  # noqa: S102
    return local[name]


def _store_tests(tmp):
    from pathlib import Path

    return lambda: ti.test_record_is_never_written_before_its_part(Path(tmp), pytest.MonkeyPatch())


MUTANTS = [
    (
        "payroll paid as the annual salary",
        labor,
        "pay_researchers",
        "/ 12.0",
        "/ 1.0",
        lambda: tc.test_cash_changes_by_profit_plus_funding_and_payroll_is_salaries_over_12(),
    ),
    (
        "shock one month too long",
        environment,
        "apply_shocks",
        'shock["month"] + shock["duration_months"]',
        'shock["month"] + shock["duration_months"] + 1',
        lambda: tc.test_shock_window_is_exactly_month_to_month_plus_duration("price_hike"),
    ),
    (
        "shock starts a month late",
        environment,
        "apply_shocks",
        'not shock["month"] <= t',
        'not shock["month"] < t',
        lambda: tc.test_shock_window_is_exactly_month_to_month_plus_duration("deprecation"),
    ),
    (
        "a vendor among its own rivals",
        pricing,
        "set_prices",
        "rivals[own] = False",
        "pass",
        lambda: tc.test_cheapest_rival_price_never_counts_a_vendors_own_options(pytest.MonkeyPatch()),
    ),
    (
        "salary_mean over academia too",
        metrics,
        "collect",
        "res.salary_usd[employed].mean()",
        "res.salary_usd.mean()",
        lambda: tc.test_salary_mean_is_over_employed_researchers_only(),
    ),
    ("seeds missing from design.json", runner, "plan", '"seeds": seeds,', "", "design_seeds"),
    (
        "record written before its part",
        store.ResultStore,
        "write_run",
        '    record = {**record, "spec_hash": self.spec_hash}\n',
        '    record = {**record, "spec_hash": self.spec_hash}\n'
        "    atomic_write_json(record_path(self.root, run_id), seal(record))\n",
        "write_order",
    ),
]


def main() -> int:
    bad = 0
    for label, owner, name, old, new, test in MUTANTS:
        mutant = mutate(owner, name, old, new)
        if mutant is None:
            print(f"{label:34s} STALE (source changed)")
            bad += 1
            continue
        if _fails(test):  # control: the unmutated code must pass the test
            print(f"{label:34s} CONTROL FAILED (the test fails without the mutant)")
            bad += 1
            continue
        real = getattr(owner, name)
        setattr(owner, name, mutant)
        try:
            caught = _fails(test)
        finally:
            setattr(owner, name, real)
        print(f"{label:34s} {'caught' if caught else 'SURVIVED'}")
        bad += not caught
    return 1 if bad else 0


def _fails(test) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        if test == "design_seeds":
            return _caught(lambda: ti.test_design_json_records_the_replicate_seeds(_fresh_set(tmp)))
        if test == "write_order":
            return _caught(_store_tests(tmp))
        return _caught(test)


def _caught(fn) -> bool:
    try:
        fn()
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - an assertion, pytest.fail or a crash: the mutant is caught
        return True
    return False


def _fresh_set(tmp):
    from pathlib import Path

    out = Path(tmp) / "set"
    ti.sweep(out)
    return out


if __name__ == "__main__":
    sys.exit(main())
