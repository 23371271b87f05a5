with

table_snapshots as (
    {{ import_columns(source('ops', 'table_snapshots'), [
        'source', 'table_name', 'row_count', 'newest_synced_at', 'newest_cursor_at',
        'observed_at',
    ]) }}
),

run_steps as (
    {{ import_columns(source('ops', 'run_steps'), [
        'name', 'step', 'status', 'started_at', 'finished_at',
    ]) }}
),

latest_snapshots as (

    select
        *,
        row_number() over (partition by table_name order by observed_at desc) as recency

    from table_snapshots

),

last_success as (

    select
        name as table_name,
        max(coalesce(finished_at, started_at)) as last_success_at

    from run_steps
    where step = 'ingest' and status = 'ok'
    group by name

),

final as (

    select
        latest_snapshots.source,
        latest_snapshots.table_name,
        latest_snapshots.row_count,
        latest_snapshots.newest_synced_at,
        latest_snapshots.newest_cursor_at,
        epoch(now() - latest_snapshots.newest_synced_at) as sync_lag_seconds,
        epoch(now() - latest_snapshots.newest_cursor_at) as cursor_lag_seconds,
        last_success.last_success_at,
        latest_snapshots.observed_at

    from latest_snapshots
    left join last_success
        on latest_snapshots.table_name = last_success.table_name
    where latest_snapshots.recency = 1

)

select * from final
