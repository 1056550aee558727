"""The kpi plugin."""
