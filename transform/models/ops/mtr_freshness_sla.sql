with

freshness_checks as (
    {{ import_columns(source('ops', 'source_freshness'), [
        'unique_id', 'source_name', 'table_name', 'status', 'max_loaded_at', 'age_seconds',
        'warn_after_seconds', 'error_after_seconds', 'snapshotted_at', 'run_id',
    ]) }}
),

latest_checks as (

    select
        *,
        row_number() over (
            partition by unique_id order by snapshotted_at desc nulls last, run_id desc
        ) as recency

    from freshness_checks

),

final as (

    select
        source_name,
        table_name,
        status,
        status = 'pass' as is_within_sla,
        max_loaded_at,
        age_seconds,
        warn_after_seconds,
        error_after_seconds,
        snapshotted_at as checked_at,
        run_id

    from latest_checks
    where recency = 1

)

select * from final
