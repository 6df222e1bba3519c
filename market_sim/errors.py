"""User-facing errors: a bad scenario, override or strategy name.

The CLI turns a :class:`ScenarioError` into a one-line message and exit status 2.
"""


class ScenarioError(ValueError):
    """A scenario key, value or strategy name is not allowed.

    The message names the dotted key, the offending value and what is allowed.
    """
