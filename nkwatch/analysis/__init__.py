"""Analysis of the store: counts of incidents with the claims behind them, and multiple systems estimation."""
