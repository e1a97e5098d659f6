"""Step 6, runs: batch scoring of many inputs in order, over one or more processes.

Handed a model or a loader; never imports the API module back.
"""
