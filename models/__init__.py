"""Trained model directories, shipped inside the wheel as ``classifier.models``."""
