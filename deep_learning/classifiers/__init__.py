"""Independent classifiers, trained on real images only, that judge the generators (IS, faithfulness)."""
