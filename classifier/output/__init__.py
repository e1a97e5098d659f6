"""Step 5, output: JSON Lines, CSV, text and HTML records, streamed and resumable.

Knows Reports, not the model.
"""
