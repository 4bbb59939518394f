"""One conditional GAN on MNIST behind three demos: digits on demand (seed 000), creative digit mixing
(seed 003) and random digits (seed 001)."""
