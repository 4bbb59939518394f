"""Seed 002 / Easy GANs NumGen: an unconditional DCGAN for small colour images (the Random tab)."""
