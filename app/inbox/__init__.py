"""The webhook inbox: acknowledge a platform delivery with one INSERT, answer it right after.

Meta wants a fast 200 and re-delivers whatever it did not get one for. So the webhook route
only verifies, parses and stores each event here (group-committed with the other requests in
flight), and a processor hands the stored events to the conversation engine in batches, in
order per customer, exactly once.
"""
