"""The dashboard: stage events counted per period, with their charts."""
