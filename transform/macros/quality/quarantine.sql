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
