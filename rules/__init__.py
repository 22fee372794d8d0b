"""The rules of prnglint, one module per rule.

Every module here (except the private helpers starting with ``_``) defines
exactly one `prnglint.engine.Rule` subclass; `prnglint.registry` finds them.
"""
