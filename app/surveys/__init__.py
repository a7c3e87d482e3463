"""Customer surveys beside CSAT: customer effort (CES, 1-7) and net promoter (NPS, 0-10)."""
