{#
    A stable surrogate integer key (bigint, 0 .. 2^60) from the md5 of the given columns.
    The same inputs give the same key on every adapter and every run, so incremental facts
    and rebuilt dimensions always agree. -1 is reserved for the "unknown" member.
#}
{% macro integer_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('integer_key', 'crm_warehouse')(parts | join(" || '|' || "))) }}
{%- endmacro %}

{% macro default__integer_key(expression) -%}
    cast(cast('x' || lpad(substr(md5({{ expression }}), 1, 15), 16, '0') as bit(64)) as bigint)
{%- endmacro %}

{% macro duckdb__integer_key(expression) -%}
    cast('0x' || substr(md5({{ expression }}), 1, 15) as bigint)
{%- endmacro %}

{% macro bigquery__integer_key(expression) -%}
    cast(concat('0x', substr(to_hex(md5({{ expression }})), 1, 15)) as int64)
{%- endmacro %}

{# The surrogate key of a dimension member from its natural key; -1 (unknown) when null. #}
{% macro member_key(column) -%}
    case when {{ column }} is null then -1 else {{ integer_key([column]) }} end
{%- endmacro %}
