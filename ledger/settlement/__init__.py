"""Settlement: cycles, the state of each trade, reports and settlement instructions."""
