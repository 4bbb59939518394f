"""GAN Studio's models, their shared library (`common`) and their training loops."""
