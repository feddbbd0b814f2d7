"""Cash management: cash accounts and their floors, value-dated flows, the
projected ladder, suggested transfers and the ``backoffice cash`` report.
"""
