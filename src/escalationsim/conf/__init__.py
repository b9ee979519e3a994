"""Hydra configuration shipped with the package (see config.yaml)."""
