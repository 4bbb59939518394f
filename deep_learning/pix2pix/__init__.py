"""Easy GANs Pix2Pix: sketch -> colour image with a U-Net generator and a PatchGAN (the Sketch tab)."""
