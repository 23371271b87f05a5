{#
    True when a run, step or dbt node status in `column` is a failure: one of
    var('ops_failed_statuses'), the statuses the monitor counts as failed
    (crm_warehouse.monitor.store.FAILED_STATUSES; a test checks they agree).
#}
{% macro is_failed_status(column) -%}
    {{ column }} in (
        {%- for status in var('ops_failed_statuses') -%}
            '{{ status }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    )
{%- endmacro %}
