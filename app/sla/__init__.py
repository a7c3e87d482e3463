"""Service levels: policies, due times in business hours, breaches and their events."""
