"""Self-Service Router: knowledge-base bot first, human agents when needed."""

import os

# One BLAS thread: the service shares its cores with its other processes, and its only large
# BLAS call (the encoder's cosines over every KB phrasing) is faster on one thread than
# split over two (1.2 vs 1.6 ms wall, 1.2 vs 2.1 ms CPU at 15,000 phrasings). Set before
# numpy is first imported; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
