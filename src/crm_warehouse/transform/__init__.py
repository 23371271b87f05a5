"""Transform: the dbt project in ``transform/``, run in-process through dbtRunner."""

from crm_warehouse.transform.dbt import Dbt, NodeResult, TransformResult
from crm_warehouse.transform.relations import Model, Relations, read_relations

__all__ = ["Dbt", "Model", "NodeResult", "Relations", "TransformResult", "read_relations"]
