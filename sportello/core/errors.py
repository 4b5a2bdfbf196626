"""Errors that actions raise for the API and the UI to turn into clear messages."""

from __future__ import annotations


class SportelloError(Exception):
    """Base error with a message meant for the person who caused it."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(SportelloError):
    status_code = 404


class PermissionDenied(SportelloError):
    status_code = 403


class InvalidInput(SportelloError):
    status_code = 422


class Conflict(SportelloError):
    status_code = 409
