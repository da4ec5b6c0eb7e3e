"""The KPI engine: metrics, pitfalls and the scorecard of a period."""
