"""A plugin that contributes nothing; used to test ordering and activation."""
