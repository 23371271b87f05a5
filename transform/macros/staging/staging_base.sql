{#
    The whole SQL of a staging base model (models/staging/*/base): every raw row of
    `source_relation`, renamed and cast, validated, ranked among its key's versions and flagged
    (is_latest_valid: the row staging keeps; is_quarantined: the row the quarantine table
    lists). Nothing is dropped. The arguments are documented in _staging__macros.yml.

    Output columns: `columns` in their order, extracted_at, synced_at, source_file_id,
    `extra_lineage`, load_id, raw_row, quarantine_reason, version_rank, is_latest_valid,
    is_quarantined.
#}
{% macro staging_base(
    source_relation,
    key,
    columns,
    checks,
    version_columns=['updated_at', 'extracted_at', 'load_id'],
    version_order='updated_at desc nulls last, extracted_at desc nulls last, load_id desc',
    lookups=[],
    check_columns=[],
    extra_lineage=[]
) -%}
    {%- set keys = [key] if key is string else key -%}
    {#- A version's content: every column but the key and what identifies the version. -#}
    {%- set content_columns = [] -%}
    {%- for name, expression in columns
            if name not in keys and name not in version_columns -%}
        {%- do content_columns.append(name) -%}
    {%- endfor -%}
with

source as (

    select * from {{ source_relation }}

),
{% for name, relation, column in lookups %}
{{ name }} as (

    select {{ column }} from {{ relation }}

),
{% endfor %}
renamed as (

    select
        {%- for name, expression in columns + check_columns %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        {%- for name, expression in extra_lineage %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        _dlt_load_id as load_id,
        {{ row_to_json('source') }} as raw_row

    from source

),

checked as (

    select
        *,
        {{ quarantine_reason(checks) }} as row_issue,
        {{ integer_key(content_columns) }} as content_key,
        {{ integer_key(version_columns) }} as version_key

    from renamed

),

{# The row issue, or 'duplicate_key' when rows of the same version of a key disagree. #}
duplicates_flagged as (

    select
        *,
        coalesce(
            row_issue,
            case
                when min(case when row_issue is null then content_key end)
                        over (partition by {{ keys | join(', ') }}, version_key)
                    <> max(case when row_issue is null then content_key end)
                        over (partition by {{ keys | join(', ') }}, version_key)
                    then 'duplicate_key'
            end
        ) as quarantine_reason

    from checked

),

ranked as (

    select
        *,
        row_number() over (
            partition by {{ keys | join(', ') }} order by {{ version_order }}
        ) as version_rank

    from duplicates_flagged

),

versions as (

    select
        *,
        min(case when quarantine_reason is null then version_rank end)
            over (partition by {{ keys | join(', ') }}) as latest_valid_rank

    from ranked

),

final as (

    select
        {%- for name, expression in columns %}
        {{ name }},
        {%- endfor %}
        extracted_at,
        synced_at,
        source_file_id,
        {%- for name, expression in extra_lineage %}
        {{ name }},
        {%- endfor %}
        load_id,
        raw_row,
        quarantine_reason,
        version_rank,
        coalesce(version_rank = latest_valid_rank, false) as is_latest_valid,
        quarantine_reason is not null
            and (latest_valid_rank is null or version_rank < latest_valid_rank) as is_quarantined

    from versions

)

select * from final
{%- endmacro %}
