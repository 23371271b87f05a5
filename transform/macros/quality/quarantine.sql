{#
    Hard validation of raw rows, shared by the staging base models (see docs/quality.md).

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

{#
    The CTEs that turn `checked` (every raw row with its `row_issue`, `content_key` and
    `version_key`) into `versions`: each row's quarantine_reason (its row issue, or
    'duplicate_key' when rows of the same version of a key disagree), its version_rank (1 =
    newest by `order_by`) and the rank of the key's newest valid version. Rows newer than that
    version that failed validation are the quarantined ones; nothing is dropped.
#}
{% macro version_ctes(key, order_by) -%}
duplicates_flagged as (

    select
        *,
        coalesce(
            row_issue,
            case
                when min(case when row_issue is null then content_key end)
                        over (partition by {{ key }}, version_key)
                    <> max(case when row_issue is null then content_key end)
                        over (partition by {{ key }}, version_key)
                    then 'duplicate_key'
            end
        ) as quarantine_reason

    from checked

),

ranked as (

    select
        *,
        row_number() over (partition by {{ key }} order by {{ order_by }}) as version_rank

    from duplicates_flagged

),

versions as (

    select
        *,
        min(case when quarantine_reason is null then version_rank end)
            over (partition by {{ key }}) as latest_valid_rank

    from ranked

)
{%- endmacro %}

{# The id of the pipeline run building the models ('manual' outside the pipeline). #}
{% macro pipeline_run_id() -%}
    '{{ env_var("CRM_WAREHOUSE_RUN_ID", "manual") }}'
{%- endmacro %}
