"""Easy GANs SRGAN: 4x super-resolution with a residual pixel-shuffle generator (the Enhance tab)."""
