"""Month-end close: canonical entry hashes, seals, the checklist, reports and the audit trail."""
