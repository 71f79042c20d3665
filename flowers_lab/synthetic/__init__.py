"""Synthetic flower photos made offline: ``drawing`` (the primitives), ``sample`` (the five
workshop species: the offline sample) and ``meadow`` (eight other species, on which lesson 3's
offline backbone was pretrained). Written with ``flowers_lab.data``; never imports it back."""
