"""Studies built on the model (scenario -> model -> results -> studies -> reports; the model never
imports them): calibration, validation, sensitivity, the experiments, the empirical openness game
and scenario discovery. Each has its definitions (data where they are data), measures, runs and a
report, on the shared helpers of :mod:`.report_helpers`."""
