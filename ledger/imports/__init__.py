"""The import pipeline: identify → extract → dedupe → check balances → archive → write."""
