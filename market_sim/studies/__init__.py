"""Studies built on the model: the empirical openness game (more to move here, issue 13)."""
