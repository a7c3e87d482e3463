"""Assist's errors."""

from app.errors import Conflict, NotFound


class DraftNotFound(NotFound):
    code = "draft_not_found"


class DraftAlreadyPublished(Conflict):
    code = "draft_already_published"
