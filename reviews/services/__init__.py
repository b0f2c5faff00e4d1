"""Writes and workflow rules, one module per area. Each public function owns its transaction, records a
ReviewEvent in it, and sends side effects (Celery tasks) only after commit."""
