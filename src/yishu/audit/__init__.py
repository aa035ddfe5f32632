"""The audit log (审计日志): a hash-chained, append-only record of every access."""

from yishu.audit.chain import ALGORITHMS, AuditEntry, AuditLog, VerifyResult, digest, verify

__all__ = ["ALGORITHMS", "AuditEntry", "AuditLog", "VerifyResult", "digest", "verify"]
