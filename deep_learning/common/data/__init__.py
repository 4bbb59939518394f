"""Data sets: the offline emoji and MNIST caches, and loaders for the data a user brings."""
