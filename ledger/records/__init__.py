"""The regulator's records and the firm's valuation (issue 21): the trade blotter,
the stock record and the valuation at market, each a report over the loaded books."""
