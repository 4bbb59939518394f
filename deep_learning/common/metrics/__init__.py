"""Evaluation metrics: feature extractors (I/O, networks) apart from the score math (pure tensors)."""
