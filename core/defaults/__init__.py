"""The core's own behaviour, written as ordinary plugins (datasette's ``default_*`` modules).

``core.app`` registers them by name, the way pytest lists its essential and
default plugins: ``essentials`` is always on; each stage fallback takes part in
an order's hook calls exactly when the plugin owning its stage is absent, so
none of them checks anything itself. The plugin manager knows none of them.
"""
