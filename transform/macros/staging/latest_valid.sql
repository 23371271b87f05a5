{#
    The whole SQL of a staging model (models/staging/*/stg_*.sql): the newest valid version of
    each key from its base model (`base_relation`, built by staging_base) - `columns` (the base
    model's own columns, in order), then the lineage columns extracted_at, synced_at,
    source_file_id, `extra_lineage` and load_id - soft-deleted through with_deletes when the
    source tracks deletes (`deletes`: its _deletes source; `key`). Failing rows are in the
    quarantine models instead (docs/quality.md).
#}
{% macro staging_model(base_relation, columns, extra_lineage=[], deletes=none, key=none) %}
with

latest_valid as (

    select
        {%- for column in columns + ['extracted_at', 'synced_at', 'source_file_id']
            + extra_lineage + ['load_id'] %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ base_relation }}
    where is_latest_valid

)

{% if deletes is not none -%}
{{ with_deletes('latest_valid', deletes, key) }}
{%- else -%}
select * from latest_valid
{%- endif %}
{% endmacro %}
