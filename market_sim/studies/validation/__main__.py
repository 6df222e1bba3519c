"""``python -m market_sim.studies.validation``: run the validation and write docs/validation.md."""

from market_sim.studies.validation.study import main

raise SystemExit(main())
