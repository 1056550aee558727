"""The bundled plugins: one package per stage, loaded through the ordo.plugins entry points."""
