{#
    The rows of `versions` (a CTE: the latest version per key, with extracted_at) with their
    soft delete: ingestion records hard deletes in raw.<table>_deletes (key, _ab_deleted_at),
    `deletes_source` (a source(), so lineage shows it); a key is deleted when its newest delete
    was extracted no earlier than its version, so a key inserted again after a delete is alive
    again. While the deletes table does not exist (no sync has tracked deletes yet) nothing is
    deleted. Adds deleted_at (UTC) and is_deleted.
#}
{% macro with_deletes(versions, deletes_source, key) -%}
    {%- set deletes = adapter.get_relation(
        database=deletes_source.database, schema=deletes_source.schema,
        identifier=deletes_source.identifier) if execute else none -%}
select
    {{ versions }}.*,
    case
        when latest_deletes.deleted_extracted_at >= {{ versions }}.extracted_at
            then latest_deletes.deleted_at
    end as deleted_at,
    coalesce(latest_deletes.deleted_extracted_at >= {{ versions }}.extracted_at, false)
        as is_deleted

from {{ versions }}
left join (
    {%- if deletes is not none %}
    select
        cast({{ key }} as {{ dbt.type_bigint() }}) as {{ key }},
        max(_ab_deleted_at) as deleted_at,
        max(_ab_extracted_at) as deleted_extracted_at
    from {{ deletes }}
    group by {{ key }}
    {%- else %}
    select
        cast(null as {{ dbt.type_bigint() }}) as {{ key }},
        cast(null as {{ type_timestamp_utc() }}) as deleted_at,
        cast(null as {{ type_timestamp_utc() }}) as deleted_extracted_at
    where 1 = 0
    {%- endif %}
) as latest_deletes
    on {{ versions }}.{{ key }} = latest_deletes.{{ key }}
{%- endmacro %}
