"""Transform: the dbt project in ``transform/``, run in-process through dbtRunner."""

from crm_warehouse.transform.dbt import Dbt, NodeResult, TransformResult

__all__ = ["Dbt", "NodeResult", "TransformResult"]
