{#
    Hard validation of raw rows, shared by the staging base models through staging_base (see
    docs/quality.md).

    quarantine_reason(checks): the first failing check of a row, as a reason code, or null.
    `checks` is a list of [reason, condition] pairs in priority order; a null condition passes.
#}
{% macro quarantine_reason(checks) -%}
    case
        {%- for reason, condition in checks %}
        when coalesce(({{ condition }}), false) then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}

{# True when `column` holds text that is not empty but does not parse as `data_type`. #}
{% macro is_unparseable(column, data_type) -%}
    (nullif(trim({{ column }}), '') is not null and {{ safe_parse(column, data_type) }} is null)
{%- endmacro %}

{# The id of the pipeline run building the models ('manual' outside the pipeline). #}
{% macro pipeline_run_id() -%}
    '{{ env_var("CRM_WAREHOUSE_RUN_ID", "manual") }}'
{%- endmacro %}

{#
    The two halves every quarantine model shares (quarantine_table puts them together).
    quarantine_rejected(base_relation, key): the rows a staging base model quarantined, keyed
    by `key` as text.
    quarantine_rows(source_table, from_cte): those rows (or any CTE of the same columns) in the
    quarantine models' layout, stamped with the run that found them.
#}
{% macro quarantine_rejected(base_relation, key) %}
    select
        cast({{ key }} as {{ dbt.type_string() }}) as record_key,
        quarantine_reason,
        source_file_id,
        load_id,
        extracted_at,
        raw_row

    from {{ base_relation }}
    where is_quarantined
{% endmacro %}

{% macro quarantine_rows(source_table, from_cte) %}
    select
        '{{ source_table }}' as source_table,
        record_key,
        quarantine_reason,
        {{ pipeline_run_id() }} as run_id,
        {{ dbt.current_timestamp() }} as quarantined_at,
        source_file_id,
        load_id,
        extracted_at,
        raw_row

    from {{ from_cte }}
{% endmacro %}

{#
    The whole SQL of a quarantine model whose rows are exactly what its staging base model
    quarantined (`base_relation`, keyed by the SQL expression `key`), listed for
    `source_table`.
#}
{% macro quarantine_table(base_relation, key, source_table) %}
with

rejected as (
    {{ quarantine_rejected(base_relation, key) }}
),

final as (
    {{ quarantine_rows(source_table, 'rejected') }}
)

select * from final
{% endmacro %}
