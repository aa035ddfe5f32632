"""Denials and errors with stable codes; every denial names the rule that denied.

The server turns a ``ShareError`` into ``{"error": {"code", "message", "rule"}}`` with its HTTP
status. Messages never quote a value the caller is not allowed to see: they name the caller's own
input (a field name they sent, an id they asked for) and the rule, nothing read from the data.
"""

from __future__ import annotations

# rule id -> what the rule says (served at GET /api/v1/rules and listed in docs/architecture.md)
RULES = {
    "auth.required": "every API call needs a session cookie or a bearer token",
    "auth.credentials": "a name and password must match an enabled account",
    "auth.lockout": "an account is locked for a while after repeated failed logins",
    "auth.token": "a bearer token must exist, be unrevoked and unexpired",
    "auth.session": "a session must exist, be unrevoked and unexpired",
    "auth.scope": "a bearer token only reaches the endpoints of its scopes",
    "auth.rate_limit": "each user (or client address before login) has a request budget per minute",
    "role.required": "the endpoint is open only to the roles it names",
    "role.auditor_read_only": "auditors read the audit log and nothing else",
    "org.unknown": "an org unit must exist",
    "user.valid": "a user needs a unique name, a known role, an org unit and a jurisdiction code",
    "jurisdiction.format": "a jurisdiction code has 4, 6, 9, 12 or 15 digits",
    "application.resource_exists": "an application names a resource of the catalogue",
    "application.shareable": "resources whose share type is 不予共享 (refused) cannot be applied for",
    "application.fields": "an application names one or more columns of the resource",
    "application.valid": "an application states purpose, legal basis and a duration within limits",
    "application.stage": "a decision is made by the stage the application waits for",
    "application.provider": "the provider stage is decided by an officer of the providing department",
    "application.reason": "every decision states its reason",
    "grant.owner": "a grant is used only by its grantee",
    "grant.active": "a grant is used only between its start and expiry and before revocation",
    "grant.fields": "only the fields of a grant leave the server",
    "grant.rows": "only rows inside the grant's jurisdiction (by code prefix) leave the server",
    "grant.masked_field": "masked fields cannot be filtered or sorted on (that would reveal what masking hides)",
    "grant.release": "data is served from the current release; there must be one",
    "query.valid": "filters, sort keys and paging must be well formed",
    "export.limit": "an export streams at most export_max_rows rows",
    "audit.read_only": "no API edits the audit log",
    "audit.durable": "a response leaves only after its audit record is committed",
}


class ShareError(Exception):
    """A denial or a bad request: stable ``code``, HTTP ``status``, the ``rule`` that applies."""

    def __init__(self, code: str, message: str, rule: str, status: int = 403):
        super().__init__(message)
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}")
        self.code, self.message, self.rule, self.status = code, message, rule, status

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "rule": self.rule}}
