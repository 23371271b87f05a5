"""Transform: the dbt project in ``transform/``, run in-process through dbtRunner."""

from crm_warehouse.transform.dbt import Dbt
from crm_warehouse.transform.relations import Model, Relations, read_relations
from crm_warehouse.transform.results import FreshnessCheck, NodeResult, TransformResult

__all__ = [
    "Dbt",
    "FreshnessCheck",
    "Model",
    "NodeResult",
    "Relations",
    "TransformResult",
    "read_relations",
]
