"""The help center: the knowledge base's public pages, search, activity and statistics."""
