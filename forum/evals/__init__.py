"""Pure-Python building blocks of the quality evaluations: metrics, dataset loaders, reports.

Nothing here touches the database, so these pieces can be tested without PostgreSQL.
"""
