{#
    Parses text into `data_type` ('timestamp', 'date', 'integer' or 'number'), returning null
    for null, empty or unparseable values instead of failing the query. Timestamps stay naive
    (source local time); convert them with to_utc_timestamp.
#}
{% macro safe_parse(column, data_type) -%}
    {{ return(adapter.dispatch('safe_parse', 'crm_warehouse')(column, data_type)) }}
{%- endmacro %}

{% macro duckdb__safe_parse(column, data_type) -%}
    {%- set text = "nullif(trim(" ~ column ~ "), '')" -%}
    {%- if data_type == 'integer' -%}
        cast(round(try_cast({{ text }} as double)) as bigint)
    {%- elif data_type == 'number' -%}
        try_cast({{ text }} as double)
    {%- else -%}
        try_cast({{ text }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{% macro default__safe_parse(column, data_type) -%}
    {%- set text = "trim(" ~ column ~ ")" -%}
    {%- set patterns = {
        'timestamp': '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?$',
        'date': '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        'integer': '^[+-]?[0-9]+(\\.[0-9]+)?$',
        'number': '^[+-]?[0-9]+(\\.[0-9]+)?$',
    } -%}
    {%- set target_types = {
        'timestamp': 'timestamp',
        'date': 'date',
        'integer': 'numeric',
        'number': 'double precision',
    } -%}
    {%- set parsed = "cast(" ~ text ~ " as " ~ target_types[data_type] ~ ")" -%}
    case
        when {{ text }} ~ '{{ patterns[data_type] }}'
            then {% if data_type == 'integer' %}cast(round({{ parsed }}) as bigint){% else %}{{ parsed }}{% endif %}
    end
{%- endmacro %}

{% macro bigquery__safe_parse(column, data_type) -%}
    {%- set text = "nullif(trim(" ~ column ~ "), '')" -%}
    {%- if data_type == 'integer' -%}
        cast(round(safe_cast({{ text }} as float64)) as int64)
    {%- elif data_type == 'number' -%}
        safe_cast({{ text }} as float64)
    {%- elif data_type == 'timestamp' -%}
        safe_cast({{ text }} as datetime)
    {%- else -%}
        safe_cast({{ text }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
