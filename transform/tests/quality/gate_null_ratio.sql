{{ config(tags=['quality_gate', 'null_ratio'], severity='warn', store_failures=true,
          schema='audit') }}

{#-
    Quality gate: one row per '<model>.<column>' of var('quality_null_ratio') whose share of
    nulls exceeds its limit. The pipeline passes the limits from crm-warehouse.toml
    ([quality.null_ratio]); with none given the test checks nothing.
-#}
{%- set limits = var('quality_null_ratio', {}) %}

{%- if limits %}

with

{% for key, max_ratio in limits.items() -%}
{%- set model_name, column_name = key.split('.') %}
null_counts_{{ loop.index }} as (

    select
        '{{ key }}' as checked_column,
        count(*) as row_count,
        count(*) - count({{ column_name }}) as null_count,
        {{ max_ratio }} as max_null_ratio

    from {{ ref(model_name) }}

),

{% endfor -%}

null_counts as (

    {% for key in limits -%}
    select * from null_counts_{{ loop.index }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

final as (

    select
        checked_column,
        row_count,
        null_count,
        {{ safe_divide('null_count', 'row_count') }} as null_ratio,
        max_null_ratio

    from null_counts
    where null_count > row_count * max_null_ratio

)

select * from final

{%- else %}

select cast(null as {{ dbt.type_string() }}) as checked_column
where 1 = 0

{%- endif %}
