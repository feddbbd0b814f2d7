"""Breaks as data in the books: ``custom "break"`` entries and their resolutions.

    2026-11-24 custom "break" "B-4f0c2a9e1d7b" "confirmation-mismatch"
      link: "trade-GA-20261124-001"
      description: "AlphaSec confirms price 61.30, ours 61.25 (difference 0.05)"
      amount: 50.00 USD
    2026-11-25 custom "break-resolved" "B-4f0c2a9e1d7b" "Broker corrected the confirmation"

``match`` and ``recon`` write new breaks; ``breaks resolve`` writes a
resolution; ``plugins.breaks`` reports a break left open past its kind's
tolerance.
"""
