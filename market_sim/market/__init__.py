"""Market mechanisms: the option table, developer demand, the labour market, accounting."""
