"""beangulp importers for bank, broker, custody and trade files."""
