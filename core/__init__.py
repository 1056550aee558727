"""Ordo's headless core: the app factory, the order aggregate, the plugin manager."""
