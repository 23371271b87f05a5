"""Source systems, one package each, as dlt sources yielding Arrow batches.

Every row leaves a source with the seed's metadata columns (see ``metadata``):
``_ab_extracted_at``, ``_source_file_id`` and, once committed, ``_ab_synced_at``.
"""
