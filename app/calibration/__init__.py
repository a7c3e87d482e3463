"""Per-KB calibration: the answer threshold chosen from the KB's own phrasings."""
