"""Text to image: a TAC-GAN-style generator conditioned on frozen prompt embeddings (seed 001)."""
