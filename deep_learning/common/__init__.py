"""The shared library every model stands on: data, text encoders, checkpoints, metrics, run plumbing.

Nothing in here imports a model or a training loop.
"""
