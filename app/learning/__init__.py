"""Learned phrasings: customers' own wordings that led to an article, proposed as variants."""
