"""Beancount plugins: settlement-date accounting, cash sufficiency, period lock."""
