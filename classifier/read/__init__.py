"""Step 1, reading: finding inputs (files, folders, standard input), decoding bytes, extracting HTML text."""
