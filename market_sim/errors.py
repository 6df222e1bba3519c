"""User-facing errors: a bad scenario, override or strategy name.

The CLI turns a :class:`ScenarioError` into a one-line message and exit status 2.
"""


class UserError(ValueError):
    """Any error in what the user asked for; the CLI prints it on one line and exits 2."""


class ScenarioError(UserError):
    """A scenario key, value or strategy name is not allowed.

    The message names the dotted key, the offending value and what is allowed.
    """


class UnknownStrategyError(ScenarioError):
    """A strategy name that no registered strategy has (a plugin may register it)."""


class SpecError(UserError):
    """A sweep spec key, value, design or parameter is not allowed."""


class SpecStrategyError(SpecError):
    """A sweep spec names a strategy that is not registered (yet: its plugins are imported last)."""


class SchedulerError(UserError):
    """A Dask scheduler cannot be reached or started."""
