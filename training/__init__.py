"""Flamingo Studio: mini-Flamingo training pipeline (see training/README.md)."""
