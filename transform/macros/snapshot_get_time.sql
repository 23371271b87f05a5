{#
    Snapshot bookkeeping time as `timestamp with time zone`, the type of the UTC updated_at
    the customers snapshot tracks (the adapters' defaults return naive timestamps and warn
    about the mismatch).
#}
{% macro duckdb__snapshot_get_time() -%}
    now()
{%- endmacro %}

{% macro postgres__snapshot_get_time() -%}
    now()
{%- endmacro %}
