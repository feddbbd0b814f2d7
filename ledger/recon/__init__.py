"""Statement reconciliation: each account's latest statement balance against the books."""
