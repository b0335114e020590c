"""Evaluation: surveys, outcome read models, monitoring alerts, anonymised network figures."""
