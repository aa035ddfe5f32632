"""What a console page can answer instead of itself: the login page, a 403 page, a 404 page.

These are the console's own exceptions (not HTTPException) so that its HTML error pages never
replace the share service's JSON errors on the API."""

from __future__ import annotations


class LoginRequired(Exception):
    """No valid session: the console answers with its login page."""


class ConsoleError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Forbidden(ConsoleError):
    """Access denied (already in the audit log)."""

    status = 403


class NotFound(ConsoleError):
    status = 404
