"""The performance benchmark: the project's stages beside the peers a user would pick instead (tools/benchmark.py)."""
