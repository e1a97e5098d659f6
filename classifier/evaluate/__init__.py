"""Measuring a model like any user would: metrics on a labelled split, the evasion suite, baselines."""
