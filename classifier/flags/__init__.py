"""Step 4, flags: scoring sentences, locating the risky phrase, explaining it, and the Report."""
