"""Quality: the gates a run must pass before it publishes (write-audit-publish), the metric
history they compare against, and the quarantine of rows that fail hard validation.
"""
